#![no_main]
//! Fuzz target `mseed_headonly`: the checks of `seispool_fuzzcheck::check_mseed_headonly` (the
//! payload-skipping header scan of `info` against the whole-file reader).
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_mseed_headonly(data));
