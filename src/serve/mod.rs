//! `kubedrill serve`: the simulated cluster as a Kubernetes API endpoint that a real kubectl
//! (or any client) can drive.
//!
//! Start here:
//! - [`host`]: the thread that owns the simulator; requests reach it as jobs, and virtual time
//!   follows the wall clock × speed while a client is connected.
//! - [`server`]: HTTP (axum on 127.0.0.1), connection counting, watches, refused connections
//!   while the simulated API server is down.
//! - [`api`]: one request → one answer (routing, negotiation, patches, Status errors).
//! - [`backend`]: the simulator as the requests see it: reads through the sim crate's
//!   `KubeApi`, writes as typed API inputs (`Sim::handle_input`), one simulation step each.
//! - [`resources`], [`discovery`], [`openapi`], [`tables`], [`protobuf`]: what the answers
//!   are made of; the
//!   objects themselves, their errors and patches are the sim crate's (`model::objects`,
//!   `model::status`, `model::patch`).
//! - [`real_kubectl`]: finding and running the real kubectl binaries installed here.

pub mod api;
pub mod backend;
pub mod discovery;
pub mod host;
pub mod openapi;
pub mod protobuf;
pub mod real_kubectl;
pub mod resources;
pub mod server;
pub mod tables;

pub use host::{SimHost, SimOwner};
pub use server::Server;

use anyhow::Context as _;
use kubedrill_sim::scenario::Scenario;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The kubeconfig of an endpoint: one cluster, user and context named `kubedrill`.
pub fn kubeconfig(addr: SocketAddr) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: kubedrill
  cluster:
    server: http://{addr}
contexts:
- name: kubedrill
  context:
    cluster: kubedrill
    user: kubedrill
    namespace: default
current-context: kubedrill
users:
- name: kubedrill
  user: {{}}
preferences: {{}}
"
    )
}

pub fn write_kubeconfig(path: &Path, addr: SocketAddr) -> anyhow::Result<()> {
    std::fs::write(path, kubeconfig(addr)).with_context(|| format!("writing the kubeconfig {}", path.display()))
}

/// Options of `kubedrill serve`.
pub struct ServeOptions {
    pub port: u16,
    pub kubeconfig: Option<PathBuf>,
    pub speed: f64,
}

/// `kubedrill serve SCENARIO`: runs the scenario's steps, then serves its cluster until Ctrl-C.
pub fn run(scenario: &Scenario, name: &str, seed: kubedrill_sim::Seed, opts: ServeOptions) -> anyhow::Result<ExitCode> {
    let report = kubedrill_sim::runner::run(scenario, seed).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    for f in &report.failures {
        eprintln!(
            "kubedrill: note: step {} of the scenario did not go as expected: {}",
            f.step, f.message
        );
    }
    let steps = scenario.steps.len();
    let mut sim = Some(report.sim);
    let host = SimHost::start(opts.speed, move || sim.take().expect("built once"));
    let mut server = Server::start(host, opts.port, opts.speed)?;
    let (path, owned) = match &opts.kubeconfig {
        Some(p) => (p.clone(), false),
        None => (
            std::env::temp_dir().join(format!("kubedrill-{}.kubeconfig", server.addr.port())),
            true,
        ),
    };
    write_kubeconfig(&path, server.addr)?;
    println!(
        "kubedrill: serving the cluster of {name} (seed {}, {steps} steps run) on http://{} at {}× wall-clock speed",
        seed.0, server.addr, opts.speed
    );
    println!("  export KUBECONFIG={}", path.display());
    println!("  kubectl get nodes");
    println!("Virtual time runs while a client is connected. Ctrl-C stops the server.");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(tokio::signal::ctrl_c()).context("waiting for Ctrl-C")?;
    server.stop();
    if owned {
        let _ = std::fs::remove_file(&path);
    }
    println!("kubedrill: stopped");
    Ok(ExitCode::SUCCESS)
}
