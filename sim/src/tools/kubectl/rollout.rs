//! `kubectl rollout status|restart|undo|history|pause|resume` and `kubectl wait`: watching
//! controllers and conditions in virtual time (kubectl's watch becomes a one-second poll).

use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::jsonpath::JsonPath;
use super::target::{self, Selection, Target, server_error};
use super::{fail, stderr, stdout, usage_error};
use crate::model::{Owner, WorkloadKind};
use crate::shell::CommandOutput;
use crate::time::{SimDuration, SimTime};
use crate::tools::api::KubeApi;
use serde_json::{Value, json};
use std::sync::Arc;

const POLL: SimDuration = SimDuration::from_secs(1);

fn workload_kind(res: Resource) -> Option<WorkloadKind> {
    match res {
        Resource::Deployments => Some(WorkloadKind::Deployment),
        Resource::DaemonSets => Some(WorkloadKind::DaemonSet),
        Resource::StatefulSets => Some(WorkloadKind::StatefulSet),
        _ => None,
    }
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("timeout", None, Kind::Duration),
        flag("watch", Some('w'), Kind::Bool),
        flag("revision", None, Kind::Int),
        flag("to-revision", None, Kind::Int),
        flag("selector", Some('l'), Kind::Str),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "rollout", &e),
    };
    let Some((sub, words)) = p.positional.split_first() else {
        return usage_error(api, "rollout", "unknown command \"\" for \"kubectl rollout\"");
    };
    let sel = Selection {
        ns: p.str("namespace").unwrap_or("default"),
        all_ns: false,
        selector: p.str("selector"),
        all: false,
    };
    if !matches!(
        sub.as_str(),
        "status" | "restart" | "undo" | "history" | "pause" | "resume"
    ) {
        return fail(format!("error: unknown command \"{sub}\" for \"kubectl rollout\""));
    }
    let targets = match target::resolve(api, words, &sel) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput::default();
    for t in &targets {
        let Some(wk) = workload_kind(t.res) else {
            stderr(
                &mut out,
                format!("error: no {sub}er has been implemented for \"{}\"", t.res.kind_group()),
            );
            out.status = 1;
            continue;
        };
        let Some(id) = api
            .cluster()
            .workload_id(wk, &t.ns, &t.name)
            .filter(|id| !api.cluster().workload(*id).deleted)
        else {
            stderr(
                &mut out,
                format!(
                    "Error from server (NotFound): {} \"{}\" not found",
                    t.res.api_name(),
                    t.name
                ),
            );
            out.status = 1;
            continue;
        };
        let r = match sub.as_str() {
            "status" => status(api, t, wk, p.duration("timeout"), &mut out),
            "restart" => restart(api, t, id),
            "undo" => undo(api, t, wk, p.int("to-revision").unwrap_or(0)),
            "history" => history(api, t, id, wk, p.int("revision")),
            "pause" | "resume" => pause(api, t, id, wk, sub == "pause"),
            _ => Ok(String::new()),
        };
        match r {
            Ok(text) if !text.is_empty() => {
                let text = if text.ends_with('\n') { text } else { text + "\n" };
                super::printer::write_raw(&mut out, crate::shell::Stream::Stdout, text);
            }
            Ok(_) => {}
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
            }
        }
    }
    out
}

/// The rollout's state as kubectl's status viewers word it; `None` when done.
fn status_message(api: &dyn KubeApi, t: &Target, wk: WorkloadKind) -> Result<Option<String>, String> {
    let c = api.cluster();
    let id = c
        .workload_id(wk, &t.ns, &t.name)
        .filter(|id| !c.workload(*id).deleted)
        .ok_or_else(|| {
            format!(
                "Error from server (NotFound): {} \"{}\" not found",
                t.res.api_name(),
                t.name
            )
        })?;
    let w = c.workload(id);
    match wk {
        WorkloadKind::Deployment => {
            let Some(rs) = w.child else { return Ok(None) };
            let template = c.workload(rs).template.clone();
            if w.meta.paused {
                return Ok(Some(format!(
                    "Waiting for deployment \"{}\" rollout to finish: deployment is paused",
                    t.name
                )));
            }
            let pods: Vec<_> = c
                .pods_owned_by(Owner::ReplicaSet(rs))
                .into_iter()
                .filter_map(|p| c.pod(p))
                .collect();
            let live: Vec<_> = pods.iter().filter(|p| !p.is_terminating()).collect();
            let updated = live.iter().filter(|p| Arc::ptr_eq(&p.template, &template)).count() as u32;
            let old = live.len() as u32 - updated;
            let available = live
                .iter()
                .filter(|p| Arc::ptr_eq(&p.template, &template) && p.ready)
                .count() as u32;
            let want = w.replicas;
            let name = &t.name;
            Ok(if updated < want {
                Some(format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {want} new replicas have been updated..."
                ))
            } else if old > 0
                || pods
                    .iter()
                    .any(|p| p.is_terminating() && !Arc::ptr_eq(&p.template, &template))
            {
                let pending = old.max(pods.iter().filter(|p| p.is_terminating()).count() as u32);
                Some(format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {pending} old replicas are pending termination..."
                ))
            } else if available < want {
                Some(format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {available} of {want} updated replicas are available..."
                ))
            } else {
                None
            })
        }
        WorkloadKind::DaemonSet => {
            let template = w.template.clone();
            let desired = w.per_node.len() as u32;
            let pods: Vec<_> = w.per_node.values().filter_map(|p| c.pod(*p)).collect();
            let updated = pods
                .iter()
                .filter(|p| Arc::ptr_eq(&p.template, &template) && !p.is_terminating())
                .count() as u32;
            let available = pods
                .iter()
                .filter(|p| Arc::ptr_eq(&p.template, &template) && p.ready)
                .count() as u32;
            let name = &t.name;
            Ok(if updated < desired {
                Some(format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated..."
                ))
            } else if available < desired {
                Some(format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available..."
                ))
            } else {
                None
            })
        }
        _ => {
            let ready = w
                .ordinals
                .iter()
                .flatten()
                .filter_map(|p| c.pod(*p))
                .filter(|p| p.ready && !p.is_terminating())
                .count() as u32;
            Ok((ready < w.replicas).then(|| format!("Waiting for {} pods to be ready...", w.replicas - ready)))
        }
    }
}

fn done_message(api: &dyn KubeApi, t: &Target, wk: WorkloadKind) -> String {
    match wk {
        WorkloadKind::Deployment => format!("deployment \"{}\" successfully rolled out", t.name),
        WorkloadKind::DaemonSet => format!("daemon set \"{}\" successfully rolled out", t.name),
        _ => {
            let c = api.cluster();
            let replicas = c
                .workload_id(wk, &t.ns, &t.name)
                .map_or(0, |id| c.workload(id).replicas);
            let revision = c
                .workload_id(wk, &t.ns, &t.name)
                .and_then(|id| c.workload(id).pod_labels.get("controller-revision-hash").cloned())
                .unwrap_or_default();
            format!("statefulset rolling update complete {replicas} pods at revision {revision}...")
        }
    }
}

fn status(
    api: &mut dyn KubeApi,
    t: &Target,
    wk: WorkloadKind,
    timeout: Option<SimDuration>,
    out: &mut CommandOutput,
) -> Result<String, String> {
    let deadline = timeout.filter(|d| d.ms() > 0).map(|d| api.now() + d);
    let mut last = String::new();
    loop {
        match status_message(api, t, wk)? {
            None => return Ok(done_message(api, t, wk)),
            Some(m) => {
                if m != last {
                    stdout(out, m.clone());
                    last = m;
                }
            }
        }
        let next = api.now() + POLL;
        if deadline.is_some_and(|d| next > d) {
            return Err("error: timed out waiting for the condition".into());
        }
        if !api.wait_until(next) {
            return Err("kubedrill: interrupted: the step used its virtual time limit waiting for the rollout".into());
        }
    }
}

fn restart(api: &mut dyn KubeApi, t: &Target, id: crate::model::WorkloadId) -> Result<String, String> {
    if api.cluster().workload(id).meta.paused {
        return Err(format!(
            "error: deployments.apps \"{}\" can't restart paused deployment (run rollout resume first)",
            t.name
        ));
    }
    let stamp = crate::model::objects::stamp(api.cluster(), api.now());
    let stamp = serde_json::to_value(stamp).unwrap_or_default();
    target::modify(api, t, |v| {
        let meta = v
            .pointer_mut("/spec/template/metadata")
            .ok_or("the object has no pod template")?;
        if meta.is_null() {
            *meta = json!({});
        }
        let a = meta
            .as_object_mut()
            .ok_or("metadata is not a map")?
            .entry("annotations")
            .or_insert_with(|| json!({}));
        a["kubectl.kubernetes.io/restartedAt"] = stamp;
        Ok(())
    })?;
    Ok(format!("{} restarted", t.display()))
}

fn undo(api: &mut dyn KubeApi, t: &Target, wk: WorkloadKind, to: i64) -> Result<String, String> {
    if wk != WorkloadKind::Deployment {
        return Err(format!(
            "kubedrill: `kubectl rollout undo {}` is not modelled (revisions are kept for Deployments)",
            t.res.kind_group()
        ));
    }
    api.rollback(&t.ns, &t.name, to.max(0) as u32).map_err(|e| {
        if e.code == 400 {
            format!("error: {}", e.message)
        } else {
            server_error(&e)
        }
    })?;
    Ok(format!("{} rolled back", t.display()))
}

fn history(
    api: &dyn KubeApi,
    t: &Target,
    id: crate::model::WorkloadId,
    wk: WorkloadKind,
    revision: Option<i64>,
) -> Result<String, String> {
    if wk != WorkloadKind::Deployment {
        return Ok(format!("{} \nREVISION  CHANGE-CAUSE\n1         <none>\n", t.display()));
    }
    let w = api.cluster().workload(id);
    if let Some(r) = revision {
        let exists = r as u32 == w.meta.revision || w.meta.history.iter().any(|(x, _, _)| *x == r as u32);
        if !exists {
            return Err("error: unable to find the specified revision".into());
        }
        return Err(format!(
            "kubedrill: `rollout history --revision` (the revision's pod template) is not modelled; revision {r} exists"
        ));
    }
    let mut rows: Vec<(u32, String)> = w
        .meta
        .history
        .iter()
        .map(|(r, _, cause)| (*r, cause.clone().unwrap_or_else(|| "<none>".into())))
        .collect();
    let cause = w
        .meta
        .annotations
        .get("kubernetes.io/change-cause")
        .cloned()
        .unwrap_or_else(|| "<none>".into());
    rows.push((w.meta.revision.max(1), cause));
    rows.sort();
    // history's tabwriter pads by 2, and the listing ends with a blank line.
    let width = rows
        .iter()
        .map(|(r, _)| r.to_string().len())
        .max()
        .unwrap_or(0)
        .max("REVISION".len())
        + 2;
    let mut text = format!("{} \n{:<width$}CHANGE-CAUSE\n", t.display(), "REVISION");
    for (r, c) in rows {
        text.push_str(&format!("{:<width$}{c}\n", r));
    }
    text.push('\n');
    Ok(text)
}

fn pause(
    api: &mut dyn KubeApi,
    t: &Target,
    id: crate::model::WorkloadId,
    wk: WorkloadKind,
    on: bool,
) -> Result<String, String> {
    if wk != WorkloadKind::Deployment {
        return Err(format!(
            "error: {} \"{}\" {}",
            t.res.api_name(),
            t.name,
            if on {
                "pausing is not supported"
            } else {
                "resuming is not supported"
            }
        ));
    }
    if api.cluster().workload(id).meta.paused == on {
        return Err(format!(
            "error: {} \"{}\" is {}",
            t.res.api_name(),
            t.name,
            if on { "already paused" } else { "not paused" }
        ));
    }
    target::modify(api, t, |v| {
        v["spec"]["paused"] = Value::Bool(on);
        Ok(())
    })?;
    Ok(format!("{} {}", t.display(), if on { "paused" } else { "resumed" }))
}

/// `kubectl wait --for=condition=C|delete|jsonpath='{…}'=V TYPE/NAME [--timeout=30s]`.
pub(crate) fn wait(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("for", None, Kind::Str),
        flag("timeout", None, Kind::Duration),
        flag("selector", Some('l'), Kind::Str),
        flag("all", None, Kind::Bool),
        flag("all-namespaces", Some('A'), Kind::Bool),
        flag("field-selector", None, Kind::Str),
        flag("output", Some('o'), Kind::Str),
        flag("local", None, Kind::Bool),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "wait", &e),
    };
    let Some(cond) = p.str("for") else {
        return fail("error: --for must be set");
    };
    enum For {
        Delete,
        Condition(String, String),
        Path(JsonPath, String),
    }
    let want = if cond == "delete" {
        For::Delete
    } else if let Some(c) = cond.strip_prefix("condition=") {
        let (name, value) = c.split_once('=').unwrap_or((c, "true"));
        For::Condition(name.to_lowercase(), value.to_lowercase())
    } else if let Some(rest) = cond.strip_prefix("jsonpath=") {
        let (expr, value) = match rest.rfind("}=") {
            Some(i) => (&rest[..=i], &rest[i + 2..]),
            None => (rest, ""),
        };
        match JsonPath::parse(expr) {
            Ok(j) => For::Path(j, value.to_string()),
            Err(e) => return fail(format!("error: {e}")),
        }
    } else {
        return fail(format!("error: unrecognized condition: \"{cond}\""));
    };
    let sel = Selection {
        ns: p.str("namespace").unwrap_or("default"),
        all_ns: p.bool("all-namespaces"),
        selector: p.str("selector"),
        all: p.bool("all"),
    };
    let targets = match target::resolve(api, &p.positional, &sel) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if targets.is_empty() {
        return fail("error: no matching resources found");
    }
    let timeout = p.duration("timeout").unwrap_or(SimDuration::from_secs(30));
    let deadline: SimTime = api.now() + timeout;
    let mut out = CommandOutput::default();
    for t in &targets {
        loop {
            let obj = target::fetch(api, t);
            let met = match (&want, &obj) {
                (For::Delete, Err(_)) => true,
                (For::Delete, Ok(_)) => false,
                (_, Err(e)) => {
                    stderr(&mut out, e.clone());
                    out.status = 1;
                    break;
                }
                (For::Condition(name, value), Ok(v)) => v
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c["type"].as_str().is_some_and(|t| t.to_lowercase() == *name)
                                && c["status"].as_str().is_some_and(|s| s.to_lowercase() == *value)
                        })
                    }),
                (For::Path(j, value), Ok(v)) => j.execute(v, true).is_ok_and(|s| s == *value),
            };
            if met {
                stdout(&mut out, format!("{} condition met", t.display()));
                break;
            }
            let next = api.now() + POLL;
            if next > deadline {
                stderr(
                    &mut out,
                    format!(
                        "error: timed out waiting for the condition on {}/{}",
                        t.res.api_name(),
                        t.name
                    ),
                );
                out.status = 1;
                break;
            }
            if !api.wait_until(next) {
                stderr(&mut out, "kubedrill: interrupted: the step used its virtual time limit");
                out.status = 130;
                return out;
            }
        }
    }
    out
}
