#![no_main]
//! Fuzz target `mseed`: the checks of `seispool_fuzzcheck::check_mseed`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_mseed(data));
