//! The `.npy` array format (version 1.0) for the few dtypes ObsPy's PPSD files hold: little-endian
//! float64/float32/int64, bool and unicode strings (`<U`), C order. Written and read by hand: the format
//! is a short Python-literal header plus raw little-endian data (numpy's NEP 1).

/// An array as stored in one `.npy` member.
#[derive(Clone, Debug, PartialEq)]
pub enum Npy {
    /// `<f8` with its shape.
    F64(Vec<usize>, Vec<f64>),
    /// `<f4` with its shape.
    F32(Vec<usize>, Vec<f32>),
    /// `<i8` with its shape.
    I64(Vec<usize>, Vec<i64>),
    /// A `|b1` scalar.
    Bool(bool),
    /// A `<U` scalar.
    Str(String),
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

impl Npy {
    /// The `.npy` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (descr, shape, data): (String, Vec<usize>, Vec<u8>) = match self {
            Npy::F64(s, v) => (
                "<f8".into(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Npy::F32(s, v) => (
                "<f4".into(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Npy::I64(s, v) => (
                "<i8".into(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Npy::Bool(b) => ("|b1".into(), Vec::new(), vec![u8::from(*b)]),
            Npy::Str(t) => {
                let chars: Vec<char> = t.chars().collect();
                let n = chars.len().max(1);
                let mut d: Vec<u8> = chars.iter().flat_map(|c| (*c as u32).to_le_bytes()).collect();
                d.resize(n * 4, 0);
                (format!("<U{n}"), Vec::new(), d)
            }
        };
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': False, 'shape': {}, }}",
            shape_text(&shape)
        );
        // Pad so that magic (6) + version (2) + length (2) + header ends on a 64-byte boundary.
        let total = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - total % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + data.len());
        out.extend_from_slice(b"\x93NUMPY\x01\x00");
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&data);
        out
    }

    /// Parses `.npy` bytes; `Err` says what was found where.
    pub fn from_bytes(b: &[u8]) -> Result<Npy, String> {
        if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
            return Err("not a .npy array (no \\x93NUMPY magic)".into());
        }
        let (hlen, start) = match b[6] {
            1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
            2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
            v => return Err(format!("unsupported .npy version {v}")),
        };
        let header = b
            .get(start..start + hlen)
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or("truncated or non-text .npy header")?;
        let data = &b[start + hlen..];
        let descr = field(header, "'descr':")
            .and_then(|f| {
                let q = f.chars().next().filter(|c| *c == '\'' || *c == '"')?;
                f[1..].split(q).next()
            })
            .ok_or("header has no quoted 'descr'")?;
        if field(header, "'fortran_order':").is_some_and(|f| f.starts_with("True")) {
            return Err("fortran-ordered arrays are not supported".into());
        }
        let shape = parse_shape(header)?;
        let count = shape
            .iter()
            .try_fold(1usize, |a, &n| a.checked_mul(n))
            .ok_or("shape overflows")?;
        let need = |size: usize| -> Result<&[u8], String> {
            let bytes = count.checked_mul(size).ok_or("shape overflows")?;
            data.get(..bytes).ok_or_else(|| {
                format!(
                    "{} data bytes for shape {shape:?} of {descr}, expected {bytes}",
                    data.len()
                )
            })
        };
        Ok(match descr {
            "<f8" => Npy::F64(
                shape.clone(),
                need(8)?.chunks_exact(8).map(|c| f64::from_le_bytes(arr(c))).collect(),
            ),
            "<f4" => Npy::F32(
                shape.clone(),
                need(4)?.chunks_exact(4).map(|c| f32::from_le_bytes(arr(c))).collect(),
            ),
            "<i8" => Npy::I64(
                shape.clone(),
                need(8)?.chunks_exact(8).map(|c| i64::from_le_bytes(arr(c))).collect(),
            ),
            "|b1" if shape.is_empty() => Npy::Bool(need(1)?[0] != 0),
            d if d.starts_with("<U") && shape.is_empty() => {
                let n: usize = d[2..].parse().map_err(|_| format!("bad unicode dtype {d}"))?;
                let chars = need(4 * n)?
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes(arr(c)))
                    .take_while(|&u| u != 0)
                    .map(|u| char::from_u32(u).ok_or(format!("invalid code point {u:#x}")))
                    .collect::<Result<String, String>>()?;
                Npy::Str(chars)
            }
            d => return Err(format!("unsupported dtype {d} with shape {shape:?}")),
        })
    }
}

fn arr<const N: usize>(c: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(c);
    a
}

fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let i = header.find(key)?;
    Some(header[i + key.len()..].trim_start())
}

fn parse_shape(header: &str) -> Result<Vec<usize>, String> {
    let rest = field(header, "'shape':").ok_or("header has no 'shape'")?;
    let open = rest.strip_prefix('(').ok_or("shape is not a tuple")?;
    let close = open.find(')').ok_or("shape tuple not closed")?;
    open[..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("bad shape entry {s:?}"))
        })
        .collect()
}
