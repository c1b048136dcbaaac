//! Hostile and malformed StationXML: every case is an error naming the file and the element (or the
//! XML position), never a panic; and a directory of station files reads as one inventory.

use std::path::Path;

use seispool_io::{parse_stationxml, read_inventory};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">
<Source>test</Source><Created>2020-01-01T00:00:00</Created>
<Network code="XX"><Station code="STA" startDate="2020-01-01T00:00:00">
<Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation><Site><Name>x</Name></Site>
<Channel code="HHZ" locationCode="00" startDate="2020-01-01T00:00:00">
<Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation><Depth>0</Depth>
<SampleRate>100</SampleRate>"#;
const TAIL: &str = "</Channel></Station></Network></FDSNStationXML>";

const SENS: &str = "<InstrumentSensitivity><Value>1e9</Value><Frequency>1</Frequency>\
    <InputUnits><Name>M/S</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits></InstrumentSensitivity>";

const PZ_STAGE: &str = r#"<Stage number="1"><PolesZeros><InputUnits><Name>M/S</Name></InputUnits>
<OutputUnits><Name>V</Name></OutputUnits><PzTransferFunctionType>LAPLACE (RADIANS/SECOND)</PzTransferFunctionType>
<NormalizationFactor>1</NormalizationFactor><NormalizationFrequency>1</NormalizationFrequency>
<Zero number="0"><Real>0</Real><Imaginary>0</Imaginary></Zero>
<Pole number="1"><Real>-0.037</Real><Imaginary>0.037</Imaginary></Pole></PolesZeros>
<StageGain><Value>1500</Value><Frequency>1</Frequency></StageGain></Stage>"#;

fn doc(response: &str) -> String {
    format!("{HEAD}<Response>{response}</Response>{TAIL}")
}

fn parse_err(text: &str) -> String {
    match parse_stationxml(text.as_bytes(), Path::new("bad.xml")) {
        Ok(inv) => panic!("accepted: {inv:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_valid_document_reads_every_level() {
    let inv = parse_stationxml(doc(&format!("{SENS}{PZ_STAGE}")).as_bytes(), Path::new("ok.xml")).expect("valid");
    let cha = &inv.networks[0].stations[0].channels[0];
    assert_eq!(
        (cha.code.as_str(), cha.location_code.as_str(), cha.sample_rate),
        ("HHZ", "00", Some(100.0))
    );
    let r = cha.response.as_ref().expect("response");
    assert_eq!(r.stages.len(), 1);
    assert_eq!(r.instrument_sensitivity.as_ref().and_then(|s| s.value), Some(1e9));
}

#[test]
fn malformed_xml_names_file_line_and_column() {
    let e = parse_err(&format!("{HEAD}<Response>{SENS}"));
    assert!(
        e.starts_with("bad.xml: ") && e.contains("malformed XML") && e.contains("line"),
        "{e}"
    );
}

#[test]
fn wrong_root_and_schema_version_are_named() {
    let e = parse_err(r#"<quakeml xmlns="http://quakeml.org/xmlns/bed/1.2"/>"#);
    assert!(e.contains("not a StationXML document"), "{e}");
    let e = parse_err(r#"<FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="2.0"/>"#);
    assert!(e.contains("schemaVersion \"2.0\""), "{e}");
}

#[test]
fn unknown_element_inside_a_response_is_named_with_its_path() {
    let e = parse_err(&doc(&format!("{SENS}<Stage number=\"1\"><PolesZeroes/></Stage>")));
    assert!(
        e.contains("Network[XX]/Station[STA]/Channel[HHZ]/Response/Stage[1]/PolesZeroes"),
        "{e}"
    );
    assert!(e.contains("unknown element <PolesZeroes>"), "{e}");
}

#[test]
fn missing_required_fields_are_named() {
    let no_norm_freq = PZ_STAGE.replace("<NormalizationFrequency>1</NormalizationFrequency>", "");
    let e = parse_err(&doc(&no_norm_freq));
    assert!(
        e.contains("Stage[1]/PolesZeros>: missing <NormalizationFrequency>"),
        "{e}"
    );
    let e = parse_err(&doc(
        r#"<Stage number="1"><StageGain><Value>3</Value></StageGain></Stage>"#,
    ));
    assert!(e.contains("StageGain>: missing <Frequency>"), "{e}");
    let e = parse_err(&doc(
        r#"<Stage><StageGain><Value>3</Value><Frequency>1</Frequency></StageGain></Stage>"#,
    ));
    assert!(e.contains("missing attribute number"), "{e}");
    let deci = "<Decimation><InputSampleRate>100</InputSampleRate><Factor>1</Factor></Decimation>";
    let e = parse_err(&doc(&PZ_STAGE.replace("<StageGain>", &format!("{deci}<StageGain>"))));
    assert!(e.contains("Decimation>: missing <Offset>"), "{e}");
}

#[test]
fn bad_numbers_and_enumerations_are_named() {
    let e = parse_err(&doc(&PZ_STAGE.replace("<Real>-0.037</Real>", "<Real>fast</Real>")));
    assert!(
        e.contains("Pole[1]/Real>: expected a finite number, found \"fast\""),
        "{e}"
    );
    let e = parse_err(&doc(&PZ_STAGE.replace("<Real>-0.037</Real>", "<Real>inf</Real>")));
    assert!(e.contains("expected a finite number"), "{e}");
    let e = parse_err(&doc(&PZ_STAGE.replace("LAPLACE (RADIANS/SECOND)", "FOURIER")));
    assert!(e.contains("<PzTransferFunctionType> \"FOURIER\""), "{e}");
    let fir = r#"<Stage number="1"><FIR><InputUnits><Name>V</Name></InputUnits><OutputUnits><Name>V</Name></OutputUnits>
        <Symmetry>SIDEWAYS</Symmetry></FIR></Stage>"#;
    let e = parse_err(&doc(fir));
    assert!(e.contains("<Symmetry> \"SIDEWAYS\""), "{e}");
    let e = parse_err(&doc(&PZ_STAGE.replace("number=\"1\"", "number=\"-4\"")));
    assert!(e.contains("number=\"-4\" is not a stage number"), "{e}");
}

#[test]
fn two_filters_in_one_stage_and_a_stage_with_nothing_are_errors() {
    let two = PZ_STAGE.replace("<StageGain>", "<FIR><Symmetry>NONE</Symmetry></FIR><StageGain>");
    assert!(parse_err(&doc(&two)).contains("more than one filter element"));
    let nothing = r#"<Stage number="1"><Decimation><InputSampleRate>1</InputSampleRate><Factor>1</Factor>
        <Offset>0</Offset><Delay>0</Delay><Correction>0</Correction></Decimation></Stage>"#;
    assert!(parse_err(&doc(nothing)).contains("needs a filter element or a <StageGain>"));
}

#[test]
fn bad_dates_and_encodings_are_errors_and_far_future_dates_saturate() {
    let e = parse_err(&doc(SENS).replace(
        r#"<Channel code="HHZ" locationCode="00" startDate="2020-01-01T00:00:00">"#,
        r#"<Channel code="HHZ" locationCode="00" startDate="last tuesday">"#,
    ));
    assert!(e.contains("startDate=\"last tuesday\" is not a date-time"), "{e}");
    let mut bytes = doc(SENS).into_bytes();
    bytes.extend_from_slice(b"<!-- \xff\xfe -->");
    let e = parse_stationxml(&bytes, Path::new("bin.xml"))
        .expect_err("invalid utf-8")
        .to_string();
    assert!(e.starts_with("bin.xml: at byte") && e.contains("invalid UTF-8"), "{e}");
    let far = doc(SENS).replace(
        r#"startDate="2020-01-01T00:00:00">
<Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation><Depth>0</Depth>"#,
        r#"startDate="2020-01-01T00:00:00" endDate="2599-12-31T23:59:59">
<Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation><Depth>0</Depth>"#,
    );
    let inv = parse_stationxml(far.as_bytes(), Path::new("far.xml")).expect("far future end");
    assert_eq!(
        inv.networks[0].stations[0].channels[0].end_date.map(|t| t.ns()),
        Some(i64::MAX)
    );
}

#[test]
fn deep_nesting_and_entity_bombs_do_not_hang_or_panic() {
    // Deep nesting outside a response is skipped metadata; inside one it is an unknown element.
    let deep = format!("{HEAD}{}{}{TAIL}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    assert!(parse_stationxml(deep.as_bytes(), Path::new("deep.xml")).is_ok());
    let deep = doc(&format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000)));
    let e = parse_stationxml(deep.as_bytes(), Path::new("deep.xml"))
        .expect_err("unknown")
        .to_string();
    assert!(e.contains("Response/a>: unknown element <a>"), "{e}");
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
        <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
        <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
        <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
        <FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1"><Source>&h;</Source></FDSNStationXML>"#;
    assert!(parse_stationxml(bomb.as_bytes(), Path::new("bomb.xml")).is_err());
}

#[test]
fn a_directory_of_station_files_reads_as_one_inventory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.xml"), doc(SENS)).expect("write");
    std::fs::write(
        dir.path().join("b.XML"),
        doc(SENS).replace("code=\"STA\"", "code=\"STB\""),
    )
    .expect("write");
    std::fs::write(dir.path().join("README.txt"), "not xml").expect("write");
    let inv = read_inventory(dir.path()).expect("dir");
    let codes: Vec<&str> = inv.networks.iter().map(|n| n.stations[0].code.as_str()).collect();
    assert_eq!(codes, ["STA", "STB"]);
    std::fs::write(dir.path().join("c.xml"), "<oops").expect("write");
    let e = read_inventory(dir.path()).expect_err("bad file").to_string();
    assert!(e.contains("c.xml") && e.contains("malformed XML"), "{e}");
    let empty = tempfile::tempdir().expect("tempdir");
    let e = read_inventory(empty.path()).expect_err("empty dir").to_string();
    assert!(e.contains("no StationXML file"), "{e}");
    let e = read_inventory(&dir.path().join("missing.xml"))
        .expect_err("missing")
        .to_string();
    assert!(e.contains("missing.xml"), "{e}");
}
