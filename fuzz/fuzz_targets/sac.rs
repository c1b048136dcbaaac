#![no_main]
//! Fuzz target `sac`: the checks of `seispool_fuzzcheck::check_sac`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_sac(data));
