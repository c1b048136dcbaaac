//! StationXML errors name the byte offset of the culprit in the input, also for ISO-8859-1 documents
//! (decoded to UTF-8, where characters above 0x7f take two bytes) and after a byte order mark.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use seispool_io::stationxml::parse_stationxml;

const DOC: &str = r#"<?xml version="1.0" encoding="ISO-8859-1"?>
<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">
<Source>S</Source><Created>2020-01-01T00:00:00</Created>
<Network code="XX"><Description>CAFE</Description>
<Station code="S1" startDate="2020-01-01T00:00:00"><Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation>
<Site><Name>X</Name></Site>
<Channel code="HHZ" locationCode="" startDate="2020-01-01T00:00:00"><Latitude>0</Latitude><Longitude>0</Longitude>
<Elevation>0</Elevation><Depth>0</Depth><SampleRate>100</SampleRate>
<Response><InstrumentSensitivity><Value>oops</Value><Frequency>1</Frequency>
<InputUnits><Name>M/S</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits></InstrumentSensitivity></Response>
</Channel></Station></Network></FDSNStationXML>
"#;

#[test]
fn stationxml_error_offset_was_past_the_input_for_latin1_documents() {
    // "CAFE" becomes "CAF\xc9" (É in ISO-8859-1, one byte; two once decoded to UTF-8): before, the
    // offset counted UTF-8 bytes of the decoded text and ran past the culprit (and past the input).
    let mut bytes = DOC.as_bytes().to_vec();
    let at = DOC.find("CAFE").unwrap() + 3;
    bytes[at] = 0xc9;
    for bom in [false, true] {
        let input: Vec<u8> = if bom {
            [b"\xEF\xBB\xBF".as_slice(), &bytes].concat()
        } else {
            bytes.clone()
        };
        let err = parse_stationxml(&input, Path::new("x.xml")).unwrap_err();
        let off = usize::try_from(err.offset).unwrap();
        assert!(off < input.len(), "{err}");
        assert!(
            input[off..].starts_with(b"<Value>"),
            "offset {off} is not the culprit: {err}"
        );
    }
}
