//! `kubectl describe node|pod` (layout of kubectl 1.27–1.34's describe.go; research notes §3).

use super::describe_kinds::EventIndex;
use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::{fail, stdout, usage_error};
use crate::model::quantity::{format_cpu_milli, format_memory};
use crate::model::*;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

const SPECS: &[flags::Spec] = &[
    flag("all-namespaces", Some('A'), Kind::Bool),
    flag("selector", Some('l'), Kind::Str),
];

/// Go's text/tabwriter with padding 2, aligning runs of consecutive lines that have a cell
/// in the same column (a line without a tab ends every run).
pub(crate) fn tabbed(lines: &[String]) -> Vec<String> {
    let cells: Vec<Vec<&str>> = lines.iter().map(|l| l.split('\t').collect()).collect();
    let mut widths: Vec<Vec<usize>> = cells.iter().map(|c| vec![0; c.len()]).collect();
    let max_cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    for col in 0..max_cols {
        let mut i = 0;
        while i < cells.len() {
            if cells[i].len() <= col + 1 {
                i += 1;
                continue;
            }
            let start = i;
            let mut w = 0;
            while i < cells.len() && cells[i].len() > col + 1 {
                w = w.max(cells[i][col].chars().count());
                i += 1;
            }
            for row in widths.iter_mut().take(i).skip(start) {
                row[col] = w + 2;
            }
        }
    }
    cells
        .iter()
        .zip(widths)
        .map(|(row, w)| {
            let mut s = String::new();
            for (c, cell) in row.iter().enumerate() {
                s.push_str(cell);
                if c + 1 < row.len() {
                    s.extend(std::iter::repeat_n(' ', w[c].saturating_sub(cell.chars().count())));
                }
            }
            s.trim_end().to_string()
        })
        .collect()
}

/// RFC 1123 with numeric zone (`Mon, 01 Jan 2024 00:02:00 +0000`), on the cluster's
/// calendar (virtual time 0 is `epoch_s`).
pub(crate) fn timestamp_at(epoch_s: u64, t: crate::time::SimTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let w = t.wall_clock_with(epoch_s);
    // 1970-01-01 was a Thursday.
    let day = t.wall_nanos_with(epoch_s) / 1_000_000_000 / 86_400;
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[(day % 7) as usize],
        w.day,
        MONTHS[(w.month - 1) as usize],
        w.year,
        w.hour,
        w.minute,
        w.second
    )
}

fn pct(part: u64, whole: u64) -> u64 {
    (part * 100).checked_div(whole).unwrap_or(0)
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "describe", &e),
    };
    let Some(first) = p.positional.first() else {
        return fail(
            "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.",
        );
    };
    let (res_word, mut names) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    names.extend(p.positional.iter().skip(1).cloned());
    let ns = p.str("namespace").unwrap_or("default").to_string();
    match Resource::parse(&res_word) {
        Some(Resource::Nodes) => {
            let ids: Vec<NodeId> = if names.is_empty() {
                api.cluster().node_ids().collect()
            } else {
                let mut ids = Vec::new();
                for n in &names {
                    match api.cluster().node_id(n) {
                        Some(id) => ids.push(id),
                        None => {
                            // kubectl describes every node whose name starts with the word instead.
                            let matching: Vec<NodeId> = api
                                .cluster()
                                .node_ids()
                                .filter(|id| api.cluster().node(*id).name.starts_with(n.as_str()))
                                .collect();
                            if matching.is_empty() {
                                return fail(format!("Error from server (NotFound): nodes \"{n}\" not found"));
                            }
                            ids.extend(matching);
                        }
                    }
                }
                ids
            };
            let mut out = CommandOutput::default();
            let events = EventIndex::new(api);
            for id in &ids {
                for l in describe_node(api, *id, &events) {
                    stdout(&mut out, l);
                }
                if ids.len() > 1 {
                    stdout(&mut out, "");
                }
            }
            out
        }
        Some(Resource::Pods) => {
            let mut out = CommandOutput::default();
            let events = EventIndex::new(api);
            let ids: Vec<PodId> = if names.is_empty() {
                api.cluster().pods_in_namespace(&ns).map(|(id, _)| id).collect()
            } else {
                let mut ids = Vec::new();
                for n in &names {
                    match api.cluster().pod_id(&ns, n) {
                        Some(id) => ids.push(id),
                        None => {
                            let matching: Vec<PodId> = api
                                .cluster()
                                .pods_in_namespace(&ns)
                                .filter(|(_, p)| p.name.starts_with(n.as_str()))
                                .map(|(id, _)| id)
                                .collect();
                            if matching.is_empty() {
                                return fail(format!("Error from server (NotFound): pods \"{n}\" not found"));
                            }
                            ids.extend(matching);
                        }
                    }
                }
                ids
            };
            for id in &ids {
                for l in describe_pod(api, *id, &events) {
                    stdout(&mut out, l);
                }
                if ids.len() > 1 {
                    stdout(&mut out, "");
                }
            }
            out
        }
        Some(res) => describe_objects(api, res, &names, &ns, p.bool("all-namespaces"), p.str("selector")),
        None => fail(format!("error: the server doesn't have a resource type \"{res_word}\"")),
    }
}

/// Every other kind: the named objects (or those whose name starts with the word, as kubectl
/// falls back to), or all of the namespace's.
fn describe_objects(
    api: &dyn KubeApi,
    res: Resource,
    names: &[String],
    ns: &str,
    all_ns: bool,
    selector: Option<&str>,
) -> CommandOutput {
    let label_selector = match selector.map(Selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(format!("error: {e}")),
    };
    let opts = objects::ListOptions {
        namespace: (!all_ns && res.namespaced()).then(|| ns.to_string()),
        label_selector,
        ..Default::default()
    };
    let all = api.list(res, &opts).unwrap_or_default();
    let mut chosen = Vec::new();
    if names.is_empty() {
        chosen = all;
    } else {
        for n in names {
            let exact: Vec<_> = all
                .iter()
                .filter(|o| o.metadata().name.as_deref() == Some(n.as_str()))
                .cloned()
                .collect();
            let matching: Vec<_> = if exact.is_empty() {
                all.iter()
                    .filter(|o| o.metadata().name.as_deref().is_some_and(|m| m.starts_with(n.as_str())))
                    .cloned()
                    .collect()
            } else {
                exact
            };
            if matching.is_empty() {
                return fail(format!(
                    "Error from server (NotFound): {} \"{n}\" not found",
                    res.api_name()
                ));
            }
            chosen.extend(matching);
        }
    }
    let mut out = CommandOutput::default();
    if chosen.is_empty() {
        if res.namespaced() && !all_ns {
            super::stderr(&mut out, format!("No resources found in {ns} namespace."));
        } else {
            super::stderr(&mut out, "No resources found");
        }
        return out;
    }
    let many = chosen.len() > 1;
    let events = EventIndex::new(api);
    for o in &chosen {
        let Some(lines) = super::describe_kinds::describe(api, o, &events) else {
            return fail(format!(
                "kubedrill: `kubectl describe {}` is not modelled",
                res.api_name()
            ));
        };
        for l in lines {
            stdout(&mut out, l);
        }
        if many {
            stdout(&mut out, "");
        }
    }
    out
}

fn describe_node(api: &dyn KubeApi, id: NodeId, events: &EventIndex) -> Vec<String> {
    let timestamp = |t| timestamp_at(api.cluster().epoch_s, t);
    let n = api.cluster().node(id);
    let mut l: Vec<String> = Vec::new();
    l.push(format!("Name:\t{}", n.name));
    l.push(format!("Roles:\t{}", n.roles_text()));
    for (i, (k, v)) in n.labels.iter().enumerate() {
        l.push(format!("{}\t{k}={v}", if i == 0 { "Labels:" } else { "" }));
    }
    l.push("Annotations:\tnode.alpha.kubernetes.io/ttl: 0".to_string());
    l.push("\tvolumes.kubernetes.io/controller-managed-attach-detach: true".into());
    l.push(format!("CreationTimestamp:\t{}", timestamp(n.created_at)));
    let mut taints = n.taints.clone();
    taints.sort_by(|a, b| (a.effect.as_str(), &a.key).cmp(&(b.effect.as_str(), &b.key)));
    if taints.is_empty() {
        l.push("Taints:\t<none>".into());
    }
    for (i, t) in taints.iter().enumerate() {
        l.push(format!("{}\t{t}", if i == 0 { "Taints:" } else { "" }));
    }
    l.push(format!("Unschedulable:\t{}", n.unschedulable));
    let renew = n.silent_since.unwrap_or(api.now());
    l.push("Lease:".into());
    l.push(format!("  HolderIdentity:\t{}", n.name));
    l.push("  AcquireTime:\t<unset>".into());
    l.push(format!("  RenewTime:\t{}", timestamp(renew)));
    l.push("Conditions:".into());
    l.push("  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage".into());
    l.push("  ----\t------\t-----------------\t------------------\t------\t-------".into());
    let hb = timestamp(renew);
    let created = timestamp(n.created_at);
    let unknown = n.ready == ReadyStatus::Unknown;
    for (ty, ok_reason, ok_msg) in [
        (
            "MemoryPressure",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        (
            "DiskPressure",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
        ),
        (
            "PIDPressure",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
        ("Ready", "KubeletReady", "kubelet is posting ready status"),
    ] {
        let (status, reason, msg) = if unknown {
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        } else if ty == "Ready" {
            ("True", ok_reason, ok_msg)
        } else {
            ("False", ok_reason, ok_msg)
        };
        l.push(format!("  {ty} \t{status} \t{hb} \t{created} \t{reason} \t{msg}"));
    }
    l.push("Addresses:".into());
    l.push(format!("  InternalIP:\t{}", n.internal_ip));
    l.push(format!("  Hostname:\t{}", n.name));
    for title in ["Capacity:", "Allocatable:"] {
        l.push(title.into());
        l.push(format!("  cpu:\t{}", format_cpu_milli(n.allocatable.cpu_milli)));
        l.push("  ephemeral-storage:\t101430960Ki".into());
        l.push("  hugepages-1Gi:\t0".into());
        l.push("  hugepages-2Mi:\t0".into());
        l.push(format!("  memory:\t{}", format_memory(n.allocatable.memory)));
        l.push(format!("  pods:\t{}", n.allocatable.pods));
    }
    l.push("System Info:".into());
    l.push(format!("  Machine ID:\t{:032x}", id.0 as u128 + 0xabc));
    l.push(format!("  System UUID:\t{:032x}", id.0 as u128 + 0xdef));
    l.push(format!("  Boot ID:\t{:032x}", id.0 as u128 + n.lifecycle_gen as u128));
    l.push(format!("  Kernel Version:\t{}", n.kernel_version));
    l.push(format!("  OS Image:\t{}", n.os_image));
    l.push("  Operating System:\tlinux".into());
    l.push("  Architecture:\tamd64".into());
    l.push(format!("  Container Runtime Version:\t{}", n.container_runtime));
    l.push(format!("  Kubelet Version:\t{}", n.kubelet_version));
    l.push(format!("  Kube-Proxy Version:\t{}", n.kubelet_version));
    l.push(format!("PodCIDR:\t10.244.{}.0/24", id.0 % 250 + 1));
    l.push(format!("PodCIDRs:\t10.244.{}.0/24", id.0 % 250 + 1));
    let pods: Vec<&Pod> = api
        .cluster()
        .pods_on_node(id)
        .into_iter()
        .filter_map(|p| api.cluster().pod(p))
        .filter(|p| !p.is_finished())
        .collect();
    l.push(format!("Non-terminated Pods:\t({} in total)", pods.len()));
    l.push("  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge".into());
    l.push("  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---".into());
    let (mut cpu, mut mem) = (0, 0);
    for p in &pods {
        let r = p.template.requests;
        cpu += r.cpu_milli;
        mem += r.memory;
        let cpu_s = if r.cpu_milli == 0 {
            "0".to_string()
        } else {
            format_cpu_milli(r.cpu_milli)
        };
        let mem_s = if r.memory == 0 {
            "0".to_string()
        } else {
            format_memory(r.memory)
        };
        l.push(format!(
            "  {}\t{}\t\t{cpu_s} ({}%)\t0 (0%)\t{mem_s} ({}%)\t0 (0%)\t{}",
            p.namespace,
            p.name,
            pct(r.cpu_milli, n.allocatable.cpu_milli),
            pct(r.memory, n.allocatable.memory),
            api.now().saturating_sub(p.created_at).human()
        ));
    }
    l.push("Allocated resources:".into());
    l.push("  (Total limits may be over 100 percent, i.e., overcommitted.)".into());
    l.push("  Resource\tRequests\tLimits".into());
    l.push("  --------\t--------\t------".into());
    l.push(format!(
        "  cpu\t{} ({}%)\t0 (0%)",
        if cpu == 0 { "0".into() } else { format_cpu_milli(cpu) },
        pct(cpu, n.allocatable.cpu_milli)
    ));
    l.push(format!(
        "  memory\t{} ({}%)\t0 (0%)",
        if mem == 0 { "0".into() } else { format_memory(mem) },
        pct(mem, n.allocatable.memory)
    ));
    l.push("  ephemeral-storage\t0 (0%)\t0 (0%)".into());
    l.push("  hugepages-1Gi\t0 (0%)\t0 (0%)".into());
    l.push("  hugepages-2Mi\t0 (0%)\t0 (0%)".into());
    l.extend(events.section(api, "Node", None, &n.name));
    tabbed(&l)
}

fn describe_pod(api: &dyn KubeApi, id: PodId, events: &EventIndex) -> Vec<String> {
    let timestamp = |t| timestamp_at(api.cluster().epoch_s, t);
    let Some(p) = api.cluster().pod(id) else {
        return Vec::new();
    };
    let mut l: Vec<String> = Vec::new();
    l.push(format!("Name:\t{}", p.name));
    l.push(format!("Namespace:\t{}", p.namespace));
    l.push("Priority:\t0".into());
    match p.node {
        Some(n) => {
            let node = api.cluster().node(n);
            l.push(format!("Node:\t{}/{}", node.name, node.internal_ip));
        }
        None => l.push("Node:\t<none>".into()),
    }
    if let Some(t) = p.started_at {
        l.push(format!("Start Time:\t{}", timestamp(t)));
    }
    for (i, (k, v)) in p.labels.iter().enumerate() {
        l.push(format!("{}\t{k}={v}", if i == 0 { "Labels:" } else { "" }));
    }
    if p.labels.is_empty() {
        l.push("Labels:\t<none>".into());
    }
    l.push(format!(
        "Status:\t{}",
        if p.is_terminating() {
            "Terminating"
        } else {
            p.phase.as_str()
        }
    ));
    if let Some(d) = p.deletion {
        l.push(format!("Termination Grace Period:\t{}s", d.grace_seconds));
    }
    let owner = api.cluster().owner_text(p.owner);
    l.push(format!(
        "Controlled By:\t{}",
        if owner.is_empty() { "<none>".into() } else { owner }
    ));
    l.push("Containers:".into());
    for c in &p.template.container_names {
        l.push(format!("  {c}:"));
        l.push(format!(
            "    State:\t{}",
            if p.phase == Phase::Running {
                "Running"
            } else {
                "Waiting"
            }
        ));
        l.push(format!("    Ready:\t{}", p.ready));
        l.push(format!("    Restart Count:\t{}", p.restarts));
    }
    l.push("Conditions:".into());
    l.push("  Type\tStatus".into());
    l.push(format!(
        "  PodScheduled \t{}",
        if p.node.is_some() { "True" } else { "False" }
    ));
    l.push(format!("  Ready \t{}", if p.ready { "True" } else { "False" }));
    let mut tolerations: Vec<String> = p
        .template
        .tolerations
        .iter()
        .map(|t| {
            let mut s = t.key.clone().unwrap_or_default();
            if !t.exists && !t.value.is_empty() {
                s.push('=');
                s.push_str(&t.value);
            }
            if let Some(e) = t.effect {
                s.push(':');
                s.push_str(e.as_str());
            }
            if t.exists && t.key.is_some() {
                s.push_str(" op=Exists");
            } else if t.key.is_none() {
                s = format!(
                    "{}op=Exists",
                    if s.is_empty() { String::new() } else { format!("{s} ") }
                );
            }
            if let Some(secs) = t.seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    tolerations.sort();
    for (i, t) in tolerations.iter().enumerate() {
        l.push(format!("{}\t{t}", if i == 0 { "Tolerations:" } else { "" }));
    }
    let recorded = events.section(api, "Pod", Some(&p.namespace), &p.name);
    match &p.unschedulable_reason {
        _ if recorded.len() > 1 => l.extend(recorded),
        Some(msg) if !msg.is_empty() && p.node.is_none() => {
            l.push("Events:".into());
            l.push("  Type\tReason\tAge\tFrom\tMessage".into());
            l.push("  ----\t------\t----\t----\t-------".into());
            l.push(format!(
                "  Warning\tFailedScheduling\t{}\tdefault-scheduler\t{msg}",
                api.now().saturating_sub(p.created_at).human()
            ));
        }
        _ => l.push("Events:\t<none>".into()),
    }
    tabbed(&l)
}
