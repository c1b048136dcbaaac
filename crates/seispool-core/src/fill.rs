//! What fills a gap or a pad: ObsPy's `fill_value` ([`Number`], [`FillValue`]) and its
//! `create_empty_data_chunk`, computed in the data's own type as NumPy does.

use crate::masked::map_samples;
use crate::{SampleType, Samples};

/// A fill value as written in a pipeline: ObsPy keeps the int/float distinction (an int fills int data,
/// a float cannot fill int32 data: NumPy refuses the in-place cast).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A Python `int`.
    Int(i64),
    /// A Python `float`.
    Float(f64),
}

/// `Stream.merge`'s `fill_value` (`None` = leave gaps, i.e. split into contiguous traces).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FillValue {
    /// A constant.
    Number(Number),
    /// `"latest"`: the last sample before the gap.
    Latest,
    /// `"interpolate"`: linear between the samples bordering the gap.
    Interpolate,
}

/// Largest gap/pad (in samples) we fill; ObsPy would try to allocate it.
const MAX_FILL: usize = crate::limits::MAX_SAMPLES;

/// `np.linspace(start, stop, num)` for num >= 2, computed in `T` as NumPy does.
macro_rules! linspace {
    ($t:ty, $start:expr, $stop:expr, $num:expr) => {{
        let (start, stop, num): ($t, $t, usize) = ($start, $stop, $num);
        let div = (num - 1) as $t;
        let delta = stop - start;
        let step = delta / div;
        let mut y: Vec<$t> = (0..num)
            .map(|i| {
                let i = i as $t;
                let v = if step == 0.0 { i / div * delta } else { i * step };
                v + start
            })
            .collect();
        if let Some(last) = y.last_mut() {
            *last = stop;
        }
        y
    }};
}

/// What `create_empty_data_chunk` fills a gap with.
#[derive(Clone, Copy)]
pub(crate) enum Chunk<'a> {
    /// `fill_value=None`: masked (underlying `iinfo.min` for ints, NaN for floats).
    Masked,
    /// A constant: `np.ones(n, dtype) * value`.
    Num(Number),
    /// Sample `i` of a trace (`"latest"`).
    Value(&'a Samples, usize),
    /// `np.linspace(a[i], b[j], n + 2)[1:-1]` cast to the dtype (`"interpolate"`).
    Interp(&'a Samples, usize, &'a Samples, usize),
}

/// `create_empty_data_chunk(n, kind, fill)`: the samples and whether they are masked.
pub(crate) fn make_chunk(kind: SampleType, n: usize, fill: Chunk) -> Result<(Samples, bool), String> {
    if n > MAX_FILL {
        return Err(format!("time offset too large: {n} samples to fill"));
    }
    Ok(match fill {
        Chunk::Masked => (
            match kind {
                SampleType::I32 => Samples::I32(vec![i32::MIN; n]),
                SampleType::F32 => Samples::F32(vec![f32::NAN; n]),
                SampleType::F64 => Samples::F64(vec![f64::NAN; n]),
                SampleType::Text => Samples::Text(vec![0; n]),
            },
            true,
        ),
        Chunk::Num(num) => (
            match (kind, num) {
                (SampleType::I32, Number::Int(v)) => Samples::I32(vec![
                    i32::try_from(v).map_err(|_| format!(
                        "fill value {v} out of bounds for int32"
                    ))?;
                    n
                ]),
                (SampleType::I32, Number::Float(v)) => {
                    return Err(format!("cannot fill int32 data with float fill value {v:?}"));
                }
                (SampleType::F32, Number::Int(v)) => Samples::F32(vec![v as f64 as f32; n]),
                (SampleType::F32, Number::Float(v)) => Samples::F32(vec![v as f32; n]),
                (SampleType::F64, Number::Int(v)) => Samples::F64(vec![v as f64; n]),
                (SampleType::F64, Number::Float(v)) => Samples::F64(vec![v; n]),
                (SampleType::Text, _) => return Err("cannot fill text data with a number".into()),
            },
            false,
        ),
        Chunk::Value(s, i) => (map_samples!(s, v => vec![v[i]; n]), false),
        Chunk::Interp(a, i, b, j) => (linspace_interior(a, i, b, j, n)?, false),
    })
}

/// `np.require(np.linspace(a[i], b[j], n + 2)[1:-1], dtype)`.
pub(crate) fn linspace_interior(a: &Samples, i: usize, b: &Samples, j: usize, n: usize) -> Result<Samples, String> {
    let num = n + 2;
    Ok(match (a, b) {
        (Samples::I32(x), Samples::I32(y)) => {
            let l = linspace!(f64, f64::from(x[i]), f64::from(y[j]), num);
            // float64 -> int32 casts truncate toward zero (values lie between two int32s).
            Samples::I32(l[1..num - 1].iter().map(|&v| v as i32).collect())
        }
        (Samples::F32(x), Samples::F32(y)) => Samples::F32(linspace!(f32, x[i], y[j], num)[1..num - 1].to_vec()),
        (Samples::F64(x), Samples::F64(y)) => Samples::F64(linspace!(f64, x[i], y[j], num)[1..num - 1].to_vec()),
        _ => return Err("cannot interpolate text data".into()),
    })
}
