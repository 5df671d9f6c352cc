//! `kubectl cordon` / `uncordon`, and the node resolution and cordoning drain shares.

use super::flags::{self, Kind, Parsed, flag};
use super::{fail, stderr, stdout, usage_error};
use crate::engine::Sim;
use crate::model::{NodeId, Selector};
use crate::shell::CommandOutput;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Client => " (dry run)",
            Self::Server => " (server dry run)",
        }
    }
}

const SPECS: &[flags::Spec] = &[
    flag("selector", Some('l'), Kind::Str),
    flag("dry-run", None, Kind::StrOpt("unchanged")),
];

/// `--dry-run` as kubectl reads it; older kubectl had a boolean flag.
pub(crate) fn dry_run(sim: &Sim, p: &Parsed, cmd: &str, out: &mut CommandOutput) -> Result<DryRun, CommandOutput> {
    let Some(v) = p.str("dry-run") else {
        return Ok(DryRun::None);
    };
    if !sim.kubectl.dry_run_strategies {
        return match v {
            "unchanged" | "true" => Ok(DryRun::Client),
            "false" => Ok(DryRun::None),
            other => Err(usage_error(
                sim,
                cmd,
                &format!(
                    "invalid argument \"{other}\" for \"--dry-run\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax"
                ),
            )),
        };
    }
    match v {
        "none" => Ok(DryRun::None),
        "client" => Ok(DryRun::Client),
        "server" => Ok(DryRun::Server),
        "unchanged" | "true" | "false" => {
            stderr(
                out,
                "W0101 00:00:00.000000    4242 helpers.go:704] --dry-run is deprecated and can be replaced with --dry-run=client.",
            );
            Ok(if v == "false" { DryRun::None } else { DryRun::Client })
        }
        other => Err(fail(format!(
            "error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        ))),
    }
}

/// Node names or `-l`, exactly one of them; unknown names fail before anything changes.
pub(crate) fn resolve_nodes(sim: &Sim, cmd: &str, p: &Parsed) -> Result<Vec<NodeId>, CommandOutput> {
    let selector = p.str("selector").filter(|s| !s.is_empty());
    let period = if sim.kubectl.usage_period { "." } else { "" };
    if !p.positional.is_empty() && selector.is_some() {
        let mut out = fail("error: cannot specify both a node name and a --selector option");
        stderr(
            &mut out,
            format!("See 'kubectl {cmd} -h' for help and examples{period}"),
        );
        return Err(out);
    }
    if p.positional.len() > 1 && !sim.kubectl.multiple_node_args {
        let mut out = fail(format!("error: USAGE: {cmd} NODE [flags]"));
        stderr(
            &mut out,
            format!("See 'kubectl {cmd} -h' for help and examples{period}"),
        );
        return Err(out);
    }
    if let Some(sel) = selector {
        let sel = Selector::parse(sel).map_err(|e| fail(format!("error: {e}")))?;
        let ids: Vec<NodeId> = sim
            .cluster
            .node_ids()
            .filter(|id| sel.matches(&sim.cluster.node(*id).labels))
            .collect();
        // Nothing matches: kubectl visits no node, prints nothing and succeeds.
        return Ok(ids);
    }
    if p.positional.is_empty() {
        let mut out = fail(format!("error: USAGE: {cmd} NODE [flags]"));
        stderr(
            &mut out,
            format!("See 'kubectl {cmd} -h' for help and examples{period}"),
        );
        return Err(out);
    }
    let mut ids = Vec::new();
    for name in &p.positional {
        let name = name
            .strip_prefix("node/")
            .or_else(|| name.strip_prefix("nodes/"))
            .unwrap_or(name);
        match sim.cluster.node_id(name) {
            Some(id) => ids.push(id),
            None => {
                return Err(fail(format!(
                    "Error from server (NotFound): nodes \"{name}\" not found"
                )));
            }
        }
    }
    Ok(ids)
}

/// `node/NAME cordoned` (1.11+) or `node "NAME" cordoned` (≤1.10).
pub(crate) fn node_line(sim: &Sim, node: &str, verb: &str, dry: DryRun) -> String {
    if sim.kubectl.quoted_names {
        format!("node \"{node}\" {verb}{}", dry.suffix())
    } else {
        format!("node/{node} {verb}{}", dry.suffix())
    }
}

pub(crate) fn set_cordon(sim: &mut Sim, nodes: &[NodeId], on: bool, dry: DryRun, out: &mut CommandOutput) {
    for id in nodes {
        let node = sim.cluster.node(*id);
        let name = node.name.clone();
        let verb = match (on, node.unschedulable == on) {
            (true, true) => "already cordoned",
            (true, false) => "cordoned",
            (false, true) => "already uncordoned",
            (false, false) => "uncordoned",
        };
        if dry == DryRun::None {
            sim.set_unschedulable(*id, on);
        }
        stdout(out, node_line(sim, &name, verb, dry));
    }
    sim.settle();
}

pub(crate) fn run(sim: &mut Sim, args: &[String], on: bool) -> CommandOutput {
    let cmd = if on { "cordon" } else { "uncordon" };
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(sim, cmd, &e),
    };
    if p.bool("help") {
        let mut out = CommandOutput::default();
        stdout(
            &mut out,
            if on {
                "Mark node as unschedulable."
            } else {
                "Mark node as schedulable."
            },
        );
        stdout(&mut out, "");
        stdout(&mut out, "Usage:");
        stdout(&mut out, format!("  kubectl {cmd} NODE [options]"));
        return out;
    }
    let mut out = CommandOutput::default();
    let dry = match dry_run(sim, &p, cmd, &mut out) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let nodes = match resolve_nodes(sim, cmd, &p) {
        Ok(n) => n,
        Err(e) => return e,
    };
    set_cordon(sim, &nodes, on, dry, &mut out);
    out
}
