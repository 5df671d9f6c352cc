//! `kubectl cordon` / `uncordon`, and the node resolution and cordoning drain shares.

use super::flags::{self, Kind, Parsed, flag};
use super::{fail, stderr, stdout, usage_error};
use crate::model::{NodeId, Selector};
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

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
pub(crate) fn dry_run(
    api: &dyn KubeApi,
    p: &Parsed,
    cmd: &str,
    out: &mut CommandOutput,
) -> Result<DryRun, CommandOutput> {
    let Some(v) = p.str("dry-run") else {
        return Ok(DryRun::None);
    };
    if !api.kubectl().dry_run_strategies {
        return match v {
            "unchanged" | "true" => Ok(DryRun::Client),
            "false" => Ok(DryRun::None),
            other => Err(usage_error(
                api,
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
pub(crate) fn resolve_nodes(api: &dyn KubeApi, cmd: &str, p: &Parsed) -> Result<Vec<NodeId>, CommandOutput> {
    let selector = p.str("selector").filter(|s| !s.is_empty());
    let period = if api.kubectl().usage_period { "." } else { "" };
    if !p.positional.is_empty() && selector.is_some() {
        let mut out = fail("error: cannot specify both a node name and a --selector option");
        stderr(
            &mut out,
            format!("See 'kubectl {cmd} -h' for help and examples{period}"),
        );
        return Err(out);
    }
    if p.positional.len() > 1 && !api.kubectl().multiple_node_args {
        let mut out = fail(format!("error: USAGE: {cmd} NODE [flags]"));
        stderr(
            &mut out,
            format!("See 'kubectl {cmd} -h' for help and examples{period}"),
        );
        return Err(out);
    }
    if let Some(sel) = selector {
        let sel = Selector::parse(sel).map_err(|e| fail(format!("error: {e}")))?;
        let ids: Vec<NodeId> = api
            .cluster()
            .node_ids()
            .filter(|id| sel.matches(&api.cluster().node(*id).labels))
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
        match api.cluster().node_id(name) {
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
pub(crate) fn node_line(api: &dyn KubeApi, node: &str, verb: &str, dry: DryRun) -> String {
    if api.kubectl().quoted_names {
        format!("node \"{node}\" {verb}{}", dry.suffix())
    } else {
        format!("node/{node} {verb}{}", dry.suffix())
    }
}

pub(crate) fn set_cordon(api: &mut dyn KubeApi, nodes: &[NodeId], on: bool, dry: DryRun, out: &mut CommandOutput) {
    for id in nodes {
        let node = api.cluster().node(*id);
        let name = node.name.clone();
        let unchanged = node.unschedulable == on;
        let verb = match (on, unchanged) {
            (true, true) => "already cordoned",
            (true, false) => "cordoned",
            (false, true) => "already uncordoned",
            (false, false) => "uncordoned",
        };
        // kubectl's helper patches only a node whose state differs (UpdateIfRequired).
        if dry == DryRun::None && !unchanged {
            api.set_unschedulable(*id, on);
        }
        stdout(out, node_line(api, &name, verb, dry));
    }
    api.settle();
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], on: bool) -> CommandOutput {
    let cmd = if on { "cordon" } else { "uncordon" };
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, cmd, &e),
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
    let dry = match dry_run(api, &p, cmd, &mut out) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let nodes = match resolve_nodes(api, cmd, &p) {
        Ok(n) => n,
        Err(e) => return e,
    };
    set_cordon(api, &nodes, on, dry, &mut out);
    out
}
