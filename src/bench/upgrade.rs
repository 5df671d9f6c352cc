//! The built-in upgrade strategies: control planes first, in place and one at a time (the
//! kubeadm procedure, typed as a person would), then each worker pool by the strategy's kind.
//!
//! - `InPlace` (batch N or N %): a batch is drained in parallel, each node's kubelet and
//!   kubectl packages upgraded and the kubelet restarted, the batch uncordoned, then a soak.
//! - `Surge` (maxSurge K): K machines at the new version are provisioned and join, then K old
//!   nodes are drained in parallel and deleted.
//! - `BlueGreen` (batch N): a whole green pool is provisioned and joins, the blue pool is
//!   cordoned at once, drained batch by batch with a soak after each, then deleted.

use super::ctl::{Ctl, OutOfTime, Why};
use super::drain::{Drained, cordon_all, drain_batch};
use super::file::{ControlPlaneStrategy, DrainOptions, Spec, UpgradeStrategy, WorkerStrategy};
use super::generate::{Generated, Pool, draw_duration, rng};
use super::strategies::{batch_of, drain_and, node_ready};
use crate::policy::drive::Cloud as _;
use kubedrill_sim::packages::debver::PackageEra;
use kubedrill_sim::packages::repo::{latest_release, package_version_for};
use kubedrill_sim::time::SimDuration;
use kubedrill_sim::version::KubeVersion;

type Step = Result<Result<(), String>, OutOfTime>;

/// Passes an inner failure (`Ok(Err(why))`) up, with context.
macro_rules! inner {
    ($e:expr) => {
        inner!($e, "")
    };
    ($e:expr, $what:expr) => {
        if let Err(why) = $e {
            return Ok(Err(format!("{}{why}", $what)));
        }
    };
}

/// The version `to` names for a cluster at `from`: `next-minor` is the newest patch of the next
/// minor the release catalogue knows.
pub fn target(from: &str, to: &str) -> anyhow::Result<KubeVersion> {
    let from = KubeVersion::parse(from).map_err(anyhow::Error::msg)?;
    let v = if to == "next-minor" {
        latest_release(from.minor + 1).ok_or_else(|| anyhow::anyhow!("no release of 1.{} is known", from.minor + 1))?
    } else {
        KubeVersion::parse(to).map_err(anyhow::Error::msg)?
    };
    anyhow::ensure!(
        from.minor >= 24,
        "built-in upgrade strategies use the pkgs.k8s.io repositories: start at v1.24 or later (cluster at {from})"
    );
    anyhow::ensure!(
        v.minor == from.minor || v.minor == from.minor + 1,
        "kubeadm upgrades one minor at a time: {from} to {v} is not one"
    );
    anyhow::ensure!(v > from, "{v} is not newer than {from}");
    Ok(v)
}

struct Plan {
    from: KubeVersion,
    to: KubeVersion,
    package: String,
}

impl Plan {
    /// The repository switch for a minor upgrade (one pkgs.k8s.io repository per minor).
    fn switch(&self) -> Option<String> {
        (self.to.minor != self.from.minor).then(|| {
            format!(
                "sed -i 's/v1.{}/v1.{}/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
                self.from.minor, self.to.minor
            )
        })
    }

    fn kubelet_line(&self) -> String {
        format!(
            "apt-mark unhold kubelet kubectl && apt-get install -y kubelet={p} kubectl={p} && apt-mark hold kubelet kubectl && systemctl daemon-reload && systemctl restart kubelet",
            p = self.package
        )
    }
}

/// The random stream machines' provisioning times are drawn from (a policy's too).
const PURPOSE_PROVISION: u64 = 3;

pub fn run(ctl: &mut Ctl, g: &Generated, s: &UpgradeStrategy, spec: &Spec) -> Step {
    let group = spec.upgrade.as_ref().map_or("next-minor", |u| u.to.as_str());
    let to = match target(&g.version, group) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let from = KubeVersion::parse(&g.version).unwrap_or_else(|_| to.clone());
    let plan = Plan {
        package: package_version_for(&to, PackageEra::Community).to_string(),
        from,
        to,
    };
    let mut cloud = Cloud::of(g, spec);
    match s.control_planes.map(|c| c.strategy) {
        Some(ControlPlaneStrategy::Replace) => inner!(
            replace_control_planes(ctl, g, &plan, s, &mut cloud)?,
            "control planes: "
        ),
        _ => inner!(control_planes(ctl, g, &plan, s)?, "control planes: "),
    }
    for pool in &g.pools {
        let r = match s.kind.unwrap_or(WorkerStrategy::InPlace) {
            WorkerStrategy::InPlace => in_place(ctl, pool, &plan, s)?,
            WorkerStrategy::Surge => surge(ctl, pool, &plan, s, &mut cloud)?,
            WorkerStrategy::BlueGreen => blue_green(ctl, pool, &plan, s, &mut cloud)?,
        };
        inner!(r, format!("pool {}: ", pool.name));
    }
    Ok(Ok(()))
}

/// A command that must succeed.
fn must(ctl: &mut Ctl, host: &str, line: &str) -> Result<(), String> {
    let out = ctl.run(host, line);
    if out.status == 0 {
        Ok(())
    } else {
        let text = out.text();
        let last = text.lines().last().unwrap_or("");
        Err(format!("`{line}` on {host} exited {}: {last}", out.status))
    }
}

/// kubeadm on every control plane (`upgrade apply` on the first, `upgrade node` on the
/// others), then each control plane drained, its kubelet upgraded and uncordoned.
fn control_planes(ctl: &mut Ctl, g: &Generated, plan: &Plan, s: &UpgradeStrategy) -> Step {
    let kubeadm = format!(
        "apt-mark unhold kubeadm && apt-get install -y kubeadm={} && apt-mark hold kubeadm",
        plan.package
    );
    for (i, cp) in g.control_planes.iter().enumerate() {
        ctl.check_time()?;
        let mut steps = Vec::new();
        steps.extend(plan.switch());
        steps.push(kubeadm.clone());
        steps.push(if i == 0 {
            format!("kubeadm upgrade apply {} -y", plan.to)
        } else {
            "kubeadm upgrade node".to_string()
        });
        for line in steps {
            if let Err(e) = must(ctl, cp, &line) {
                return Ok(Err(e));
            }
        }
    }
    for cp in &g.control_planes {
        let nodes = std::slice::from_ref(cp);
        let line = plan.kubelet_line();
        let mut failed = None;
        inner!(drain_and(ctl, nodes, &s.drain, |ctl, node| {
            if let Err(e) = must(ctl, node, &line) {
                failed = Some(e);
            }
        })?);
        if let Some(e) = failed {
            return Ok(Err(e));
        }
        wait_ready(ctl, nodes);
        cordon_all(ctl, nodes, false);
    }
    Ok(Ok(()))
}

/// Cluster API's KubeadmControlPlane roll, one control plane at a time: with maxSurge 1 a
/// machine at the target version joins (`kubeadm join --control-plane`) before an old one
/// goes; with 0 the old one goes first (a quorum must survive it: at least 3). An old one is
/// drained, its etcd member removed from another control plane and its node deleted (the
/// machine with it). The new ones are named after the last: cp4, cp5, … for three.
fn replace_control_planes(ctl: &mut Ctl, g: &Generated, plan: &Plan, s: &UpgradeStrategy, cloud: &mut Cloud) -> Step {
    let add_first = s.control_planes.is_none_or(|c| c.max_surge > 0);
    let n = g.control_planes.len();
    if !add_first && n < 3 {
        return Ok(Err(format!(
            "removing a control plane first needs at least 3 (the cluster has {n}): etcd would lose its quorum"
        )));
    }
    for (i, old) in g.control_planes.iter().enumerate() {
        ctl.check_time()?;
        let new = format!("cp{}", n + i + 1);
        if add_first {
            inner!(join_control_plane(ctl, plan, s, &new, cloud));
        }
        inner!(remove_control_plane(ctl, old, &s.drain)?);
        if !add_first {
            inner!(join_control_plane(ctl, plan, s, &new, cloud));
        }
    }
    Ok(Ok(()))
}

/// A machine for a control plane, at the target version, joined and Ready.
fn join_control_plane(
    ctl: &mut Ctl,
    plan: &Plan,
    s: &UpgradeStrategy,
    name: &str,
    cloud: &mut Cloud,
) -> Result<(), String> {
    let took = cloud.provision_time();
    ctl.wait_noted(took, Why::Provision, "requested 1 machines");
    // Cluster API passes the gate from v1.31, the first kubeadm that has it.
    let local = s.control_planes.is_some_and(|c| c.kubelet_local_mode) && plan.to.minor >= 31;
    let gate = if local { " kubelet-local-mode" } else { "" };
    if !cloud.bad_image() && !ctl.fault(&format!("node-add {name} {} control-plane{gate}", plan.to)) {
        return Err(format!(
            "{name} could not join (kubeadm join --control-plane: no etcd quorum?)"
        ));
    }
    let joined = ctl.wait_until(Why::Work, SimDuration::from_secs(1), JOIN_TIMEOUT, |sim| {
        node_ready(sim, name)
    });
    if joined {
        Ok(())
    } else {
        Err(format!("{name} did not join within {JOIN_TIMEOUT} (bad image)"))
    }
}

/// An old control plane goes: drained, its etcd member removed (from a control plane that
/// stays), its node deleted.
fn remove_control_plane(ctl: &mut Ctl, old: &str, drain: &DrainOptions) -> Result<Result<(), String>, OutOfTime> {
    if ctl.admin == old {
        let cps = ctl.sim.engine().control_plane_ids();
        let other = cps
            .iter()
            .map(|&id| ctl.sim.cluster().node(id).name.to_string())
            .find(|name| name != old);
        match other {
            Some(other) => ctl.set_admin(&other),
            None => return Ok(Err(format!("{old} is the only control plane"))),
        }
    }
    let nodes = [old.to_string()];
    let ends = drain_batch(ctl, &nodes, drain, true)?;
    if let Some(e) = failed(&nodes, &ends) {
        cordon_all(ctl, &nodes, false);
        return Ok(Err(e));
    }
    if let Some(id) = ctl.etcd_member_id(old) {
        let out = ctl.etcdctl(&format!("member remove {id}"));
        if out.status != 0 {
            return Ok(Err(format!("etcdctl member remove {id}: {}", out.text().trim())));
        }
    }
    delete_nodes(ctl, &[old]);
    Ok(Ok(()))
}

fn wait_ready(ctl: &mut Ctl, nodes: &[String]) {
    for node in nodes {
        ctl.wait_until(
            Why::Work,
            SimDuration::from_secs(1),
            SimDuration::from_secs(600),
            |sim| sim.cluster().node_id(node).is_none() || node_ready(sim, node),
        );
    }
}

fn in_place(ctl: &mut Ctl, pool: &Pool, plan: &Plan, s: &UpgradeStrategy) -> Step {
    let batch = batch_of(s.batch, pool.nodes.len());
    for nodes in pool.nodes.chunks(batch) {
        let mut failed = None;
        inner!(drain_and(ctl, nodes, &s.drain, |ctl, node| {
            for line in plan.switch().into_iter().chain([plan.kubelet_line()]) {
                if failed.is_none()
                    && let Err(e) = must(ctl, node, &line)
                {
                    failed = Some(e);
                }
            }
        })?);
        if let Some(e) = failed {
            return Ok(Err(e));
        }
        wait_ready(ctl, nodes);
        cordon_all(ctl, nodes, false);
        if let Some(soak) = s.soak {
            ctl.wait(soak.0, Why::Soak);
        }
    }
    Ok(Ok(()))
}

/// What the cloud does with the machines a seed's strategies ask for: how long each takes
/// (`nodeProvision`), how many beyond the cluster's it can give (`capacityShortage`), and
/// which never join (`badImage`). Each from a random stream of its own, so every strategy of
/// a seed meets the same cloud.
pub(crate) struct Cloud {
    timing: super::file::DurationDist,
    provision: kubedrill_sim::rng::SimRng,
    extra_machines: Option<u32>,
    bad_share: f64,
    bad: kubedrill_sim::rng::SimRng,
}

impl Cloud {
    pub(crate) fn of(g: &Generated, spec: &Spec) -> Self {
        Self {
            timing: spec.timings.node_provision.clone(),
            provision: rng(g.seed, PURPOSE_PROVISION),
            extra_machines: g.extra_machines,
            bad_share: spec.faults.bad_image.as_ref().map_or(0.0, |b| b.p),
            bad: rng(g.seed, PURPOSE_BAD_IMAGE),
        }
    }
}

impl crate::policy::drive::Cloud for Cloud {
    fn provision_time(&mut self) -> SimDuration {
        draw_duration(&self.timing, &mut self.provision)
    }

    fn bad_image(&mut self) -> bool {
        self.bad_share > 0.0 && super::generate::unit(&mut self.bad) < self.bad_share
    }

    fn extra_machines(&self) -> Option<u32> {
        self.extra_machines
    }
}

/// The random stream of bad images.
const PURPOSE_BAD_IMAGE: u64 = 6;

/// How long a strategy waits for a machine it asked for to join and be Ready.
const JOIN_TIMEOUT: SimDuration = SimDuration::from_secs(600);

/// Asks for `names.len()` machines of the pool's kind at the new version and waits for them
/// to join; a machine with a bad image never does, and the wait for it times out.
fn provision(
    ctl: &mut Ctl,
    pool: &Pool,
    plan: &Plan,
    s: &UpgradeStrategy,
    names: &[String],
    cloud: &mut Cloud,
) -> Result<(), String> {
    let took = cloud.provision_time();
    ctl.sim.set_join_spec(Some(machine_for(pool, s)));
    ctl.wait_noted(took, Why::Provision, &format!("requested {} machines", names.len()));
    for name in names {
        if !cloud.bad_image() {
            ctl.fault(&format!("node-add {name} {}", plan.to));
        }
    }
    ctl.sim.set_join_spec(None);
    for name in names {
        let joined = ctl.wait_until(Why::Work, SimDuration::from_secs(1), JOIN_TIMEOUT, |sim| {
            node_ready(sim, name)
        });
        if !joined {
            return Err(format!("{name} did not join within {JOIN_TIMEOUT} (bad image)"));
        }
    }
    Ok(())
}

/// The pool's machine, resized where the strategy says (`machine:`).
fn machine_for(pool: &Pool, s: &UpgradeStrategy) -> kubedrill_sim::scenario::NodeSpec {
    let mut m = pool.machine.clone();
    if let Some(size) = s.machine {
        if let Some(cpu) = size.cpu {
            m.cpu = Some(cpu.to_string());
        }
        if let Some(gi) = size.memory_gi {
            m.memory = Some(format!("{gi}Gi"));
        }
        if size.max_pods.is_some() {
            m.pods = size.max_pods;
        }
    }
    m
}

/// The cloud's limit on machines beyond the cluster's (a capacity shortage): the surge makes
/// no more than that at once, and none at all is a failure.
fn surge(ctl: &mut Ctl, pool: &Pool, plan: &Plan, s: &UpgradeStrategy, cloud: &mut Cloud) -> Step {
    let asked = s
        .max_surge
        .unwrap_or(super::file::Count::Nodes(1))
        .resolve(pool.nodes.len() as u32) as usize;
    let k = cloud.extra_machines.map_or(asked, |cap| asked.min(cap as usize));
    if k == 0 {
        return Ok(Err(format!(
            "no capacity: the cloud gives no machine beyond the cluster's (a surge of {asked} asked)"
        )));
    }
    let mut made = 0usize;
    for old in pool.nodes.chunks(k) {
        ctl.check_time()?;
        let new: Vec<String> = (0..old.len())
            .map(|i| format!("{}-s{:04}", pool.name, made + i + 1))
            .collect();
        made += new.len();
        if let Err(e) = provision(ctl, pool, plan, s, &new, cloud) {
            return Ok(Err(e));
        }
        let ends = drain_batch(ctl, old, &s.drain, true)?;
        if let Some(e) = failed(old, &ends) {
            cordon_all(ctl, old, false);
            return Ok(Err(e));
        }
        let gone: Vec<&str> = old
            .iter()
            .zip(&ends)
            .filter(|(_, e)| e.emptied())
            .map(|(n, _)| n.as_str())
            .collect();
        delete_nodes(ctl, &gone);
        if let Some(soak) = s.soak {
            ctl.wait(soak.0, Why::Soak);
        }
    }
    Ok(Ok(()))
}

/// The green pool is the blue one's size, all at once: a capacity shortage smaller than
/// that stops the strategy before it starts.
fn blue_green(ctl: &mut Ctl, pool: &Pool, plan: &Plan, s: &UpgradeStrategy, cloud: &mut Cloud) -> Step {
    if let Some(cap) = cloud.extra_machines.filter(|cap| (*cap as usize) < pool.nodes.len()) {
        return Ok(Err(format!(
            "no capacity: the green pool needs {} machines, the cloud gives {cap}",
            pool.nodes.len()
        )));
    }
    let green: Vec<String> = (1..=pool.nodes.len())
        .map(|i| format!("{}-g{i:04}", pool.name))
        .collect();
    if let Err(e) = provision(ctl, pool, plan, s, &green, cloud) {
        return Ok(Err(e));
    }
    // The whole blue pool is cordoned first, so nothing evicted lands on a node still to go.
    cordon_all(ctl, &pool.nodes, true);
    let batch = batch_of(s.batch, pool.nodes.len());
    let mut gone = Vec::new();
    for blue in pool.nodes.chunks(batch) {
        let ends = drain_batch(ctl, blue, &s.drain, false)?;
        if let Some(e) = failed(blue, &ends) {
            // Roll back: the blue pool serves again.
            cordon_all(ctl, &pool.nodes, false);
            return Ok(Err(e));
        }
        gone.extend(
            blue.iter()
                .zip(&ends)
                .filter(|(_, e)| e.emptied())
                .map(|(n, _)| n.clone()),
        );
        if let Some(soak) = s.soak {
            ctl.wait(soak.0, Why::Soak);
        }
    }
    let gone: Vec<&str> = gone.iter().map(String::as_str).collect();
    delete_nodes(ctl, &gone);
    Ok(Ok(()))
}

fn failed(nodes: &[String], ends: &[Drained]) -> Option<String> {
    nodes
        .iter()
        .zip(ends)
        .find(|(_, e)| **e == Drained::Failed)
        .map(|(n, _)| format!("drain of {n} timed out"))
}

/// `kubectl delete node A B …` (the machines go with them).
fn delete_nodes(ctl: &mut Ctl, nodes: &[&str]) {
    for chunk in nodes.chunks(50) {
        if !chunk.is_empty() {
            ctl.kubectl(&format!("kubectl delete node {}", chunk.join(" ")));
        }
    }
}
