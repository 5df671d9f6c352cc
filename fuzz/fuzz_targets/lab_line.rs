#![no_main]
//! The `lab_line` fuzz target: see `kubedrill::fuzzing::lab_line`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::lab_line(data));
