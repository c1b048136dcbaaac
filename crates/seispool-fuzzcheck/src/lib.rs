//! The checks behind every fuzz target. Each `check_*` takes arbitrary bytes, runs one parser on them
//! and panics when an invariant beyond "no panic" is broken:
//!
//! * a successful decode round-trips through our writer (same ids, start times, rates and samples,
//!   bit for bit);
//! * a refusal is a typed [`FormatError`] naming the input and an offset inside it (or a typed
//!   pipeline / time error with a position inside the text);
//! * no parser allocates more than a small multiple of its input (checked where the output size is
//!   known: decoded samples never exceed what the bytes can encode).
//!
//! `fuzz/` drives these under libFuzzer; `tests/replay.rs` replays the committed corpora through every
//! check as a normal test.

use std::path::Path;

use seispool_io::{FormatError, IoError};

mod mseed;
mod sac;
mod stationxml;
mod text;

pub use mseed::{check_decoders, check_mseed, check_mseed_headonly};
pub use sac::check_sac;
pub use stationxml::check_stationxml;
pub use text::{check_pipeline, check_sds_path, check_time};

/// The label errors must name.
pub const LABEL: &str = "fuzz.input";

/// A target's check.
pub type Check = fn(&[u8]);

/// Every target, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Check)] = &[
    ("mseed", check_mseed),
    ("mseed_headonly", check_mseed_headonly),
    ("decoders", check_decoders),
    ("sac", check_sac),
    ("sds_path", check_sds_path),
    ("pipeline", check_pipeline),
    ("time", check_time),
    ("stationxml", check_stationxml),
];

/// Asserts that a read error is a [`FormatError`] naming [`LABEL`] at an offset inside `len` bytes.
fn assert_format_error(err: &IoError, len: usize) {
    match err {
        IoError::Format(FormatError { path, offset, what, .. }) => {
            assert_eq!(path, Path::new(LABEL), "error names another file: {err}");
            assert!(
                *offset <= len as u64,
                "error offset {offset} beyond the {len} input bytes: {err}"
            );
            assert!(!what.is_empty(), "error without a reason");
            assert!(
                err.to_string().starts_with(LABEL),
                "message does not start with the file: {err}"
            );
        }
        other => panic!("reading bytes failed with a non-format error: {other}"),
    }
}

/// [`assert_format_error`] for the replay test's self-check.
#[doc(hidden)]
pub fn assert_format_error_for_tests(err: &IoError, len: usize) {
    assert_format_error(err, len);
}
