#![no_main]
//! Fuzz target `time`: the checks of `seispool_fuzzcheck::check_time`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_time(data));
