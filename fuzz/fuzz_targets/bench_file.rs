#![no_main]
//! The `bench_file` fuzz target: see `kubedrill::fuzzing::bench_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::bench_file(data));
