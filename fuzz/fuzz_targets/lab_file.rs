#![no_main]
//! The `lab_file` fuzz target: see `kubedrill::fuzzing::lab_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::lab_file(data));
