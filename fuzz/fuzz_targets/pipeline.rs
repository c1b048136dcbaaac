#![no_main]
//! Fuzz target `pipeline`: the checks of `seispool_fuzzcheck::check_pipeline`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_pipeline(data));
