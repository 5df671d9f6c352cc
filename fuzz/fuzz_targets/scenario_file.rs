#![no_main]
//! The `scenario_file` fuzz target: see `kubedrill::fuzzing::scenario_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::scenario_file(data));
