//! StationXML (the response lane's parser in `seispool-io`).

use std::path::Path;

use seispool_io::stationxml::parse_stationxml;

use crate::LABEL;

/// StationXML bytes: a refusal is a `FormatError` naming the input at an offset inside it; a parsed
/// inventory parses again to the same value (no hidden state) from the same bytes.
pub fn check_stationxml(data: &[u8]) {
    let label = Path::new(LABEL);
    match parse_stationxml(data, label) {
        Ok(inv) => {
            let again = parse_stationxml(data, label).unwrap_or_else(|e| panic!("second parse failed: {e}"));
            assert!(again == inv, "two parses of the same bytes differ");
        }
        Err(e) => {
            assert_eq!(e.path, label, "error names another file: {e}");
            assert!(
                e.offset <= data.len() as u64,
                "offset {} beyond {} bytes: {e}",
                e.offset,
                data.len()
            );
            assert!(!e.what.is_empty(), "error without a reason");
        }
    }
}
