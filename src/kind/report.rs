//! The lines the kind backend adds to a run's transcript, beside the simulator's, in the
//! etcd backend's style:
//!
//! ```text
//! controlplane $ kubectl drain node01 --ignore-daemonsets
//! ...the simulator's output...
//! # kind $ kubectl --context kind-kubedrill-4711-0a1b drain kubedrill-4711-0a1b-worker --ignore-daemonsets --timeout=3600s
//! # kind | node/kubedrill-4711-0a1b-worker cordoned
//! # kind | ...
//! # kind: exit 0 (the simulator's: 0)
//! # kind backend: agrees (api up: 3 nodes (3 Ready, 1 cordoned), ...)
//! ```
//!
//! or `# kind backend: DISAGREES: node node01 Ready: sim=Unknown kind=True`, or `# kind
//! backend: not comparable on kind: <why>`.

use super::compare::Difference;
use super::runner::Output;

pub const PREFIX: &str = "# kind backend:";

/// The command kind ran for the step and what it printed.
pub fn command(transcript: &mut Vec<String>, shown: &str, out: &Output) {
    transcript.push(format!("# kind $ {shown}"));
    for stream in [&out.stdout, &out.stderr] {
        for l in stream.lines() {
            transcript.push(format!("# kind | {l}"));
        }
    }
}

pub fn exit(transcript: &mut Vec<String>, kind: &Output, sim: Option<i32>) {
    let sim = sim.map_or("none".to_string(), |s| s.to_string());
    transcript.push(format!("# kind: {} (the simulator's: exit {sim})", kind.describe()));
}

pub fn agrees(transcript: &mut Vec<String>, summary: &str) {
    transcript.push(format!("{PREFIX} agrees ({summary})"));
}

pub fn disagrees(transcript: &mut Vec<String>, d: &Difference) {
    transcript.push(format!("{PREFIX} DISAGREES: {d}"));
}

pub fn not_comparable(transcript: &mut Vec<String>, reason: &str) {
    transcript.push(format!("{PREFIX} not comparable on kind: {reason}"));
}

pub fn note(transcript: &mut Vec<String>, text: &str) {
    transcript.push(format!("{PREFIX} {text}"));
}
