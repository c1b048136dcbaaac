//! `Time::parse` (the `--start`/`--end` parser and Python's `parse_time`) on text found by fuzzing.

use seispool_core::Time;

#[test]
fn time_parse_panicked_on_a_multibyte_character_in_a_compact_date_or_clock() {
    // Byte slicing of `YYYYMMDD` and `hhmmss` cut through a multi-byte character: a panic (and from
    // Python, an exception that is not an Exception). Found by the `time` and `pipeline` fuzz targets.
    for text in ["2ɦΌ(00", "10Ꚛ1hs", "2024-01-01T1Ꚛ1", "2024Ό01", "20240101T12Ό30"] {
        let err = Time::parse(text).expect_err(text);
        assert!(err.to_string().contains(text), "{err}");
    }
    assert_eq!(
        Time::parse("20240101T123000").map(Time::ns),
        Ok(1_704_112_200_000_000_000)
    );
}
