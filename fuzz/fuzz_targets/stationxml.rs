#![no_main]
//! Fuzz target `stationxml`: the checks of `seispool_fuzzcheck::check_stationxml`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seispool_fuzzcheck::check_stationxml(data));
