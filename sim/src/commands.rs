//! What a host's shell can run: the simulated tools, dispatched by name.

use crate::engine::Sim;
use crate::shell::{CommandHost, CommandOutput, ShellEnv};
use crate::time::{SimDuration, parse_go_duration};

/// The host a command runs on, seen by the shell.
pub(crate) struct Host<'a> {
    pub sim: &'a mut Sim,
    pub name: String,
}

impl CommandHost for Host<'_> {
    fn run(&mut self, argv: &[String], _env: &ShellEnv, _stdin: &str) -> Option<CommandOutput> {
        let (cmd, args) = argv.split_first()?;
        Some(match cmd.as_str() {
            "kubectl" => crate::kubectl::run(self.sim, args),
            "sleep" => sleep(self.sim, args),
            "systemctl" => crate::systemctl::systemctl(self.sim, self.node()?, args),
            "kubelet" => crate::systemctl::kubelet(self.sim, self.node()?, args),
            _ => return None,
        })
    }
}

impl Host<'_> {
    /// The node this shell runs on (node-level commands need one).
    fn node(&self) -> Option<crate::model::NodeId> {
        self.sim.cluster.node_id(&self.name)
    }
}

/// `sleep N[smhd]` advances virtual time.
fn sleep(sim: &mut Sim, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    if args.is_empty() {
        crate::kubectl::stderr(&mut out, "sleep: missing operand");
        crate::kubectl::stderr(&mut out, "Try 'sleep --help' for more information.");
        out.status = 1;
        return out;
    }
    let mut total = SimDuration::ZERO;
    for a in args {
        let d = if let Some(days) = a.strip_suffix('d') {
            days.parse::<f64>().ok().map(|d| SimDuration((d * 86_400_000.0) as u64))
        } else if a.ends_with(['s', 'm', 'h']) {
            parse_go_duration(a).ok()
        } else {
            a.parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.0)
                .map(|s| SimDuration((s * 1000.0) as u64))
        };
        match d {
            Some(d) => total = SimDuration(total.ms() + d.ms()),
            None => {
                crate::kubectl::stderr(&mut out, format!("sleep: invalid time interval '{a}'"));
                crate::kubectl::stderr(&mut out, "Try 'sleep --help' for more information.");
                out.status = 1;
                return out;
            }
        }
    }
    let until = sim.now + total;
    let until = sim.step_deadline.map_or(until, |d| until.min(d));
    sim.advance_to(until);
    out
}

impl Sim {
    /// Runs one line typed at `host`'s prompt, through that host's shell.
    pub fn run_line(&mut self, host: &str, line: &str) -> CommandOutput {
        let mut shell = self.shells.remove(host).unwrap_or_default();
        let out = shell.run_line(
            &mut Host {
                sim: self,
                name: host.to_string(),
            },
            line,
        );
        self.shells.insert(host.to_string(), shell);
        self.settle();
        out
    }
}
