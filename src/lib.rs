//! kubedrill: the command line, the scenario loader and the harness around the simulator
//! (`kubedrill-sim`). Everything that touches files, the clock or processes lives here.

pub mod bench;
pub mod cli;
pub mod etcd_backend;
pub mod kind;
pub mod lab_cli;
pub mod lab_web;
pub mod policy;
pub mod policy_cli;
pub mod scenario_file;
pub mod serve;
mod yaml_pos;
