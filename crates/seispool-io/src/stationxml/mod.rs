//! FDSN StationXML 1.0–1.2 into seispool's [`Inventory`] model, as ObsPy's `read_inventory` reads it
//! at `level="response"`.
//!
//! What is read (everything else — coordinates, equipment, comments, other namespaces — is skipped):
//!
//! | element                                   | kept as                                   |
//! |-------------------------------------------|-------------------------------------------|
//! | `FDSNStationXML@schemaVersion`            | checked: 1.x                              |
//! | `Network@code`                            | `Network::code`                           |
//! | `Station@code, startDate, endDate`        | `Station`                                 |
//! | `Channel@code, locationCode, startDate, endDate`, `SampleRate` | `Channel` epoch      |
//! | `Response/InstrumentSensitivity`          | value, frequency, input/output units      |
//! | `Response/InstrumentPolynomial`           | bounds, coefficients, input units         |
//! | `Response/Stage@number`                   | `StageGain`, `Decimation`, one filter     |
//! | `PolesZeros`, `Coefficients`, `FIR`, `ResponseList`, `Polynomial` | `Filter` variants |
//!
//! Inside `<Response>` every element of the FDSN namespace must be one we know: a misspelt element
//! there would silently change the response, so it is an error naming the file, line and element
//! path. Parsed with roxmltree: a read-only DOM (StationXML files are kilobytes to a few megabytes),
//! with byte positions for every node, no `unsafe`, no dependencies.

mod response;

use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};
use seispool_core::Time;
use seispool_core::inventory::{Channel, Inventory, Network, Station};

use crate::{FormatError, IoError};

/// The largest StationXML file read (a whole FDSN network at response level is well under this).
pub const MAX_STATIONXML_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a StationXML file, or every StationXML file (`*.xml`, `*.sxml`, `*.stationxml`, sorted by
/// name) in a directory, into one [`Inventory`] (networks concatenated in file order).
pub fn read_inventory(path: &Path) -> Result<Inventory, IoError> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::os(path, e))?;
    if !meta.is_dir() {
        return read_file(path);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| IoError::os(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_stationxml_name(p) && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: "directory holds no StationXML file (*.xml, *.sxml, *.stationxml)".into(),
        });
    }
    let mut inv = Inventory::default();
    for f in files {
        inv.networks.extend(read_file(&f)?.networks);
    }
    Ok(inv)
}

fn is_stationxml_name(p: &Path) -> bool {
    let hidden = p
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'));
    let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    !hidden && matches!(ext.as_deref(), Some("xml" | "sxml" | "stationxml"))
}

fn read_file(path: &Path) -> Result<Inventory, IoError> {
    let len = std::fs::metadata(path).map_err(|e| IoError::os(path, e))?.len();
    if len > MAX_STATIONXML_BYTES {
        return Err(FormatError::new(path, None, 0, format!("{len} bytes is too large for StationXML")).into());
    }
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, e))?;
    Ok(parse_stationxml(&bytes, path)?)
}

/// Parses StationXML bytes; `path` names the source in errors (use e.g. `<memory>` for buffers).
/// UTF-8 and ISO-8859-1 (which IRIS declares) are accepted.
pub fn parse_stationxml(bytes: &[u8], path: &Path) -> Result<Inventory, FormatError> {
    let (text, origin) = decode_text(bytes, path)?;
    let doc = Document::parse(&text).map_err(|e| {
        let pos = e.pos();
        FormatError::new(
            path,
            None,
            0,
            format!("line {} column {}: malformed XML: {e}", pos.row, pos.col),
        )
    })?;
    let cx = Cx {
        path,
        doc: &doc,
        origin,
    };
    let root = doc.root_element();
    if root.tag_name().name() != "FDSNStationXML" {
        return Err(cx.err(
            root,
            "not a StationXML document: expected root element <FDSNStationXML>",
        ));
    }
    if let Some(v) = root.attribute("schemaVersion")
        && !v.trim().starts_with('1')
    {
        return Err(cx.err(
            root,
            format!("schemaVersion {v:?} is not supported (expected 1.0, 1.1 or 1.2)"),
        ));
    }
    let mut inv = Inventory::default();
    for net in cx.children(root, "Network") {
        inv.networks.push(cx.network(net)?);
    }
    Ok(inv)
}

/// How positions in the decoded text map back to bytes of the input (so errors name input offsets).
#[derive(Clone, Copy)]
pub(crate) struct Origin {
    /// Bytes skipped before the text (a UTF-8 byte order mark).
    skipped: usize,
    /// The text was decoded from ISO-8859-1: one input byte per character.
    latin1: bool,
}

fn decode_text(bytes: &[u8], path: &Path) -> Result<(String, Origin), FormatError> {
    let all = bytes.len();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = all - bytes.len();
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), Origin { skipped, latin1: false })),
        Err(e) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
            if head.contains("iso-8859-1") || head.contains("latin") {
                let text = bytes.iter().map(|&b| char::from(b)).collect();
                Ok((text, Origin { skipped, latin1: true }))
            } else {
                let at = (skipped + e.valid_up_to()) as u64;
                Err(FormatError::new(
                    path,
                    None,
                    at,
                    "invalid UTF-8 in a document not declared ISO-8859-1",
                ))
            }
        }
    }
}

/// Parsing context: the file name and document, for error messages.
pub(crate) struct Cx<'a, 'input> {
    path: &'a Path,
    doc: &'a Document<'input>,
    origin: Origin,
}

impl<'a, 'input: 'a> Cx<'a, 'input> {
    /// An error at `node`: line, column and element path, then `what`.
    pub(crate) fn err(&self, node: Node, what: impl std::fmt::Display) -> FormatError {
        let start = node.range().start;
        let pos = self.doc.text_pos_at(start);
        let mut names: Vec<String> = node
            .ancestors()
            .filter(|n| n.is_element() && n.tag_name().name() != "FDSNStationXML")
            .map(|n| match (n.attribute("code"), n.attribute("number")) {
                (Some(c), _) => format!("{}[{c}]", n.tag_name().name()),
                (None, Some(num)) => format!("{}[{num}]", n.tag_name().name()),
                _ => n.tag_name().name().to_string(),
            })
            .collect();
        names.reverse();
        let what = format!("line {} column {}: <{}>: {what}", pos.row, pos.col, names.join("/"));
        // Text offsets count UTF-8 bytes of the decoded text: map them back to input bytes.
        let text = self.doc.input_text();
        let in_text = if self.origin.latin1 {
            text.get(..start).map_or(start, |t| t.chars().count())
        } else {
            start
        };
        FormatError::new(self.path, None, (self.origin.skipped + in_text) as u64, what)
    }

    /// Child elements named `name` in the document's namespace.
    pub(crate) fn children<'n>(
        &self,
        node: Node<'n, 'input>,
        name: &'n str,
    ) -> impl Iterator<Item = Node<'n, 'input>> + 'n
    where
        'a: 'n,
    {
        let ns = self.doc.root_element().tag_name().namespace();
        node.children()
            .filter(move |c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == ns)
    }

    /// The first child element named `name`.
    pub(crate) fn child<'n>(&self, node: Node<'n, 'input>, name: &'n str) -> Option<Node<'n, 'input>>
    where
        'a: 'n,
    {
        self.children(node, name).next()
    }

    /// Elements of the document's namespace under `node` whose name is not in `known`: an error.
    pub(crate) fn only_known(&self, node: Node, known: &[&str]) -> Result<(), FormatError> {
        let ns = self.doc.root_element().tag_name().namespace();
        for c in node
            .children()
            .filter(|c| c.is_element() && c.tag_name().namespace() == ns)
        {
            if !known.contains(&c.tag_name().name()) {
                return Err(self.err(
                    c,
                    format!(
                        "unknown element <{}> (expected one of {})",
                        c.tag_name().name(),
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The text of child `name` parsed as a finite float, `None` if the child is absent.
    pub(crate) fn opt_f64(&self, node: Node, name: &str) -> Result<Option<f64>, FormatError> {
        let Some(c) = self.child(node, name) else {
            return Ok(None);
        };
        let t = c.text().unwrap_or("").trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.err(c, format!("expected a finite number, found {t:?}"))),
        }
    }

    /// The text of child `name` parsed as a finite float; missing is an error.
    pub(crate) fn req_f64(&self, node: Node, name: &str) -> Result<f64, FormatError> {
        self.opt_f64(node, name)?
            .ok_or_else(|| self.err(node, format!("missing <{name}>")))
    }

    /// The text of child `name` parsed as an integer; missing is an error.
    pub(crate) fn req_i64(&self, node: Node, name: &str) -> Result<i64, FormatError> {
        let c = self
            .child(node, name)
            .ok_or_else(|| self.err(node, format!("missing <{name}>")))?;
        let t = c.text().unwrap_or("").trim();
        t.parse::<i64>()
            .map_err(|_| self.err(c, format!("expected an integer, found {t:?}")))
    }

    /// The trimmed text of child `name`, `None` if absent.
    pub(crate) fn opt_text(&self, node: Node<'_, 'input>, name: &str) -> Option<String> {
        self.child(node, name)
            .map(|c| c.text().unwrap_or("").trim().to_string())
    }

    fn opt_time(&self, node: Node, attr: &str) -> Result<Option<Time>, FormatError> {
        let Some(v) = node.attribute(attr) else {
            return Ok(None);
        };
        parse_xml_time(v)
            .map(Some)
            .ok_or_else(|| self.err(node, format!("attribute {attr}={v:?} is not a date-time")))
    }

    fn required_attr<'n>(&self, node: Node<'n, 'input>, attr: &str) -> Result<&'n str, FormatError> {
        node.attribute(attr)
            .ok_or_else(|| self.err(node, format!("missing attribute {attr}")))
    }

    fn network(&self, node: Node) -> Result<Network, FormatError> {
        let mut net = Network {
            code: self.required_attr(node, "code")?.trim().to_string(),
            stations: Vec::new(),
        };
        for sta in self.children(node, "Station") {
            net.stations.push(self.station(sta)?);
        }
        Ok(net)
    }

    fn station(&self, node: Node) -> Result<Station, FormatError> {
        let mut sta = Station {
            code: self.required_attr(node, "code")?.trim().to_string(),
            start_date: self.opt_time(node, "startDate")?,
            end_date: self.opt_time(node, "endDate")?,
            channels: Vec::new(),
        };
        for cha in self.children(node, "Channel") {
            sta.channels.push(self.channel(cha)?);
        }
        Ok(sta)
    }

    fn channel(&self, node: Node) -> Result<Channel, FormatError> {
        let response = match self.child(node, "Response") {
            Some(r) => Some(self.response(r)?),
            None => None,
        };
        Ok(Channel {
            code: self.required_attr(node, "code")?.trim().to_string(),
            location_code: node.attribute("locationCode").unwrap_or("").trim().to_string(),
            start_date: self.opt_time(node, "startDate")?,
            end_date: self.opt_time(node, "endDate")?,
            sample_rate: self.opt_f64(node, "SampleRate")?,
            response,
        })
    }
}

/// An xs:dateTime: ISO date-time with optional fraction and `Z` or `±hh:mm` offset.
fn parse_xml_time(text: &str) -> Option<Time> {
    let t = text.trim();
    let (body, offset_s) = match t.char_indices().rev().find(|&(_, c)| c == '+' || c == '-') {
        Some((i, c)) if i > 10 && t[i + 1..].len() == 5 && t.as_bytes()[i + 3] == b':' => {
            let h: i64 = t[i + 1..i + 3].parse().ok()?;
            let m: i64 = t[i + 4..].parse().ok()?;
            let sign = if c == '+' { 1 } else { -1 };
            (&t[..i], sign * (h * 3600 + m * 60))
        }
        _ => (t, 0),
    };
    let Ok(time) = Time::parse(body) else {
        // Open epochs are often written as year 2500–2999, past the ±292 years of i64 nanoseconds:
        // such dates saturate (they only ever compare with data times).
        let year: i64 = body.get(..4)?.parse().ok()?;
        return match year {
            2262.. => Some(Time::from_ns(i64::MAX)),
            ..=1677 => Some(Time::from_ns(i64::MIN)),
            _ => None,
        };
    };
    Some(Time::from_ns(
        time.ns().saturating_sub(offset_s.saturating_mul(1_000_000_000)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_times_with_offsets_and_fractions() {
        let z = parse_xml_time("2008-06-30T20:00:00Z").map(Time::ns);
        assert_eq!(parse_xml_time("2008-06-30T20:00:00").map(Time::ns), z);
        assert_eq!(parse_xml_time("2008-06-30T21:30:00+01:30").map(Time::ns), z);
        assert_eq!(parse_xml_time("2008-06-30T18:00:00.000-02:00").map(Time::ns), z);
        assert!(parse_xml_time("yesterday").is_none());
        assert_eq!(parse_xml_time("2999-12-31T23:59:59").map(Time::ns), Some(i64::MAX));
        assert!(parse_xml_time("2020-13-01T00:00:00").is_none());
    }
}
