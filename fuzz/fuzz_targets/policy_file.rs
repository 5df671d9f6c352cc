#![no_main]
//! The `policy_file` fuzz target: see `kubedrill::fuzzing::policy_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::policy_file(data));
