#![no_main]
//! Fuzz target `decoders`: the checks of `seispool_fuzzcheck::check_decoders`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_decoders(data));
