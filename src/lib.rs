//! kubedrill: the command line, the scenario loader and the harness around the simulator
//! (`kubedrill-sim`). Everything that touches files, the clock or processes lives here.

// A closed standard output or error must not panic a command (`kubedrill … | head -1`):
// everything prints through `out::{outln, out, errln, err}`, which return or drop the error.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod bench;
pub mod bench_limits;
pub mod cli;
pub mod etcd_backend;
pub mod fuzzing;
pub mod kind;
pub mod lab_cli;
pub mod lab_web;
pub mod out;
pub mod policy;
pub mod policy_cli;
pub mod scenario_file;
pub mod serve;
mod yaml_pos;
