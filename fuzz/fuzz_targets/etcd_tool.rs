#![no_main]
//! The `etcd_tool` fuzz target: see `kubedrill::fuzzing::etcd_tool`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubedrill::fuzzing::etcd_tool(data));
