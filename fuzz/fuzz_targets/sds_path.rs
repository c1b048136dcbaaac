#![no_main]
//! Fuzz target `sds_path`: the checks of `seispool_fuzzcheck::check_sds_path`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_sds_path(data));
