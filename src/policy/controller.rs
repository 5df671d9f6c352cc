//! A policy file run as a controller: the kubeadm upgrade procedure, typed host by host as an
//! operator (or a script) would, in the order, batch sizes and strategy the file says, waiting
//! for what an operator waits for and giving up where the file says to.
//!
//! Per control plane, one at a time: switch the apt source to the new minor, upgrade the
//! kubeadm package, `kubeadm upgrade apply` (the first) or `kubeadm upgrade node` (the others),
//! wait for its static pods at the new version. Then per control plane (in batches): drain,
//! upgrade kubelet and kubectl, restart the kubelet, wait for the node Ready at the new
//! version, uncordon. Per worker in place: kubeadm and `kubeadm upgrade node`, then the same.
//! Surge: a new node joins at the new version before old ones are drained and deleted.
//! BlueGreen: a whole green pool joins, the blue pool is cordoned, drained batch by batch and
//! deleted. The etcd stage upgrades stacked members one at a time by editing
//! the image in `/etc/kubernetes/manifests/etcd.yaml`, after an optional `etcdctl snapshot
//! save`; kubeadm then finds etcd at its version and leaves it.
//!
//! `controlPlanes: {strategy: Replace}` replaces the control planes instead, one at a time, as
//! Cluster API's KubeadmControlPlane does: a machine at the target joins as a control plane
//! (`kubeadm join --control-plane`, which adds its etcd member first), then an old one is
//! drained, its etcd member removed with `etcdctl member remove` on a control plane that stays,
//! and its Node deleted. `maxSurge: 0` removes first.

use super::drive::{Drive, Halt, Provision, View};
use super::file::{CpStrategy, GracePeriod, OnTimeout, Order, PolicyFile, Stage, Strategy, TargetVersion};
use super::{Bounds, Outcome, Policy};
use kubedrill_sim::etcd::version::EtcdVersion;
use kubedrill_sim::model::packages::debver::PackageEra;
use kubedrill_sim::model::packages::repo::{latest_release, package_version_for};
use kubedrill_sim::release::version::KubeVersion;
use kubedrill_sim::time::SimDuration;
use std::collections::BTreeMap;

/// Why a stage stops: the policy gives up (Aborted), or the run cannot go on.
enum Stop {
    Abort(String),
    Halt(Halt),
}

impl From<Halt> for Stop {
    fn from(h: Halt) -> Self {
        Self::Halt(h)
    }
}

type Done<T = ()> = Result<T, Stop>;

fn abort<T>(why: impl Into<String>) -> Done<T> {
    Err(Stop::Abort(why.into()))
}

/// What a drain of one node came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drained {
    Yes,
    /// The node was uncordoned and left at its version (`onTimeout: skipNode`).
    Skipped,
}

pub struct FilePolicy {
    file: PolicyFile,
}

impl FilePolicy {
    pub fn new(file: PolicyFile) -> Self {
        Self { file }
    }

    pub fn file(&self) -> &PolicyFile {
        &self.file
    }
}

impl Policy for FilePolicy {
    fn name(&self) -> &str {
        self.file.name()
    }

    fn bounds(&self, view: &View<'_>) -> Bounds {
        let w = &self.file.spec.workers;
        let mut b = Bounds {
            control_planes_unavailable: self.file.spec.control_planes.max_unavailable,
            pool_unavailable: BTreeMap::new(),
            extra_nodes: 0,
            time: time_bound(&self.file, view.node_count() as u32),
        };
        for (pool, nodes) in pools(view) {
            let size = nodes.len() as u32;
            let (unavailable, surge) = w.resolve(size);
            let extra = match w.strategy {
                Strategy::InPlace => 0,
                Strategy::Surge => surge,
                Strategy::BlueGreen => size,
            };
            b.extra_nodes = b.extra_nodes.max(extra);
            b.pool_unavailable.insert(pool, unavailable);
        }
        let cps = &self.file.spec.control_planes;
        if cps.strategy == CpStrategy::Replace && cps.add_first() {
            b.extra_nodes = b.extra_nodes.max(1);
        }
        b
    }

    fn run(&mut self, ctx: &mut Drive<'_>) -> Result<Outcome, Halt> {
        match Run::new(&self.file, ctx).and_then(|mut r| r.all(ctx)) {
            Ok(()) => {
                ctx.note("Done");
                Ok(Outcome::Done)
            }
            Err(Stop::Abort(why)) => {
                ctx.note(format!("Aborted: {why}"));
                Ok(Outcome::Aborted(why))
            }
            Err(Stop::Halt(h)) => Err(h),
        }
    }
}

/// Worker pools (the `pool` label; unlabelled workers form pool ""), in name order, each with
/// its nodes in name order.
fn pools(view: &View<'_>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in view.nodes().filter(|n| !n.control_plane) {
        out.entry(n.pool().unwrap_or_default().to_string())
            .or_default()
            .push(n.name.to_string());
    }
    out
}

/// One run of the policy: the plan worked out from the cluster, and what happened so far.
struct Run<'p> {
    p: &'p PolicyFile,
    from: KubeVersion,
    to: KubeVersion,
    admin: String,
    /// Names handed out to new machines, per pool.
    made: BTreeMap<String, u32>,
    /// Control planes the policy joined (Replace), oldest first.
    joined: Vec<String>,
    /// Surge nodes kept for good because the node they were to replace was skipped: they
    /// count against maxSurge in every later pool (AKS: blocked nodes use up the surge).
    stranded: u32,
    /// Package versions of the target, per repository era.
    packages: std::cell::RefCell<Vec<(PackageEra, String)>>,
}

impl<'p> Run<'p> {
    fn new(p: &'p PolicyFile, ctx: &mut Drive<'_>) -> Done<Self> {
        let view = ctx.view();
        let from = view.cluster_version().clone();
        let admin = view.admin_host().to_string();
        let to = match p.target() {
            TargetVersion::Exact(v) => Some(v),
            TargetVersion::NextMinor => latest_release(from.minor + 1),
            TargetVersion::NextPatch => latest_release(from.minor),
        };
        let Some(to) = to else {
            return abort(format!("no release after {from} is known"));
        };
        let stages: Vec<&str> = p.spec.stages.iter().map(|s| s.as_str()).collect();
        ctx.note(format!(
            "{}: {from} -> {to}, stages {}, control planes {:?}, workers {:?}",
            p.name(),
            stages.join(", "),
            p.spec.control_planes.strategy,
            p.spec.workers.strategy
        ));
        Ok(Self {
            p,
            from,
            to,
            admin,
            made: BTreeMap::new(),
            joined: Vec::new(),
            stranded: 0,
            packages: Default::default(),
        })
    }

    fn all(&mut self, ctx: &mut Drive<'_>) -> Done {
        if self.to <= self.from {
            ctx.note(format!("the cluster already runs {}", self.from));
            return self.verify(ctx);
        }
        for stage in self.p.spec.stages.clone() {
            ctx.note(format!("stage {}", stage.as_str()));
            self.preflight(ctx, stage.as_str())?;
            match stage {
                Stage::Etcd => self.etcd(ctx)?,
                Stage::ControlPlanes => self.control_planes(ctx)?,
                Stage::Workers => self.workers(ctx)?,
            }
        }
        self.verify(ctx)
    }

    fn minor_change(&self) -> bool {
        self.to.minor != self.from.minor
    }

    /// `1.31.2-1.1` for the node's repository (worked out once per era: apt's catalogue is
    /// not cheap to walk).
    fn package(&self, ctx: &Drive<'_>, node: &str) -> String {
        let era = ctx.view().package_era(node);
        let mut cache = self.packages.borrow_mut();
        if let Some((_, v)) = cache.iter().find(|(e, _)| *e == era) {
            return v.clone();
        }
        let v = package_version_for(&self.to, era).to_string();
        cache.push((era, v.clone()));
        v
    }

    /// The apt source switched to the new minor (pkgs.k8s.io has one repository per minor),
    /// then kubeadm upgraded and held again.
    fn kubeadm_package_line(&self, ctx: &Drive<'_>, node: &str) -> String {
        let pkg = self.package(ctx, node);
        let source = if self.minor_change() && ctx.view().package_era(node) == PackageEra::Community {
            format!(
                "sed -i 's/v1.{}/v1.{}/' /etc/apt/sources.list.d/kubernetes.list && ",
                self.from.minor, self.to.minor
            )
        } else {
            String::new()
        };
        format!(
            "{source}apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm={pkg} && apt-mark hold kubeadm"
        )
    }

    fn kubelet_package_line(&self, ctx: &Drive<'_>, node: &str) -> String {
        let pkg = self.package(ctx, node);
        format!(
            "apt-mark unhold kubelet kubectl && apt-get install -y kubelet={pkg} kubectl={pkg} && apt-mark hold kubelet kubectl && systemctl daemon-reload && systemctl restart kubelet"
        )
    }

    /// Runs a line that must succeed; a failure aborts with the tool's last line.
    fn must(&self, ctx: &mut Drive<'_>, host: &str, line: &str) -> Done {
        let out = ctx.run(host, line)?;
        if out.status == 0 {
            return Ok(());
        }
        abort(format!(
            "`{line}` on {host} failed (exit {}): {}",
            out.status,
            last_line(&out.text)
        ))
    }

    // ---- checks and waits -------------------------------------------------------------

    fn preflight(&self, ctx: &mut Drive<'_>, what: &str) -> Done {
        let pf = &self.p.spec.preflight;
        if pf.etcd_healthy && !ctx.wait_until("etcd healthy", pf.timeout.limit(), |v| v.etcd_healthy())? {
            return abort(format!("preflight before {what}: etcd is not healthy"));
        }
        let all_ready = |v: &View<'_>| v.nodes().all(|n| n.ready);
        if pf.nodes_ready && !ctx.wait_until("every node Ready", pf.timeout.limit(), all_ready)? {
            return abort(format!("preflight before {what}: not every node is Ready"));
        }
        Ok(())
    }

    fn wait_node_ready(&self, ctx: &mut Drive<'_>, node: &str) -> Done {
        let to = self.to.clone();
        let ready = |v: &View<'_>| v.node(node).is_some_and(|n| n.ready && *n.kubelet == to);
        let what = format!("{node} Ready at {}", self.to);
        if ctx.wait_until(&what, self.p.spec.node_ready_timeout.limit(), ready)? {
            return Ok(());
        }
        abort(format!(
            "{node} is not Ready at {} within {}",
            self.to, self.p.spec.node_ready_timeout.0
        ))
    }

    /// What follows each node (each batch): waiting for the workloads that were available
    /// before it (`before`, from [`Self::available`]) to be so again, then the soak.
    fn soak(&self, ctx: &mut Drive<'_>, before: &[u32]) -> Done {
        if self.p.spec.wait_for_workloads && !before.is_empty() {
            let back = |v: &View<'_>| {
                let now = v.workloads();
                before.iter().all(|id| now.iter().any(|w| w.id == *id && w.available()))
            };
            let limit = self.p.spec.node_ready_timeout.limit();
            if !ctx.wait_until("workloads available again", limit, back)? {
                return abort(format!(
                    "workloads not available again within {}",
                    self.p.spec.node_ready_timeout.0
                ));
            }
        }
        if let Some(d) = self.p.spec.soak_after_each_node.limit() {
            ctx.note(format!("soak {d}"));
            ctx.soak(d)?;
        }
        Ok(())
    }

    /// The workloads fully available now (what [`Self::soak`] waits for again).
    fn available(&self, ctx: &Drive<'_>) -> Vec<u32> {
        if !self.p.spec.wait_for_workloads {
            return Vec::new();
        }
        ctx.view()
            .workloads()
            .into_iter()
            .filter(|w| w.available())
            .map(|w| w.id)
            .collect()
    }

    fn verify(&self, ctx: &mut Drive<'_>) -> Done {
        let v = &self.p.spec.verify;
        if !v.all_nodes_ready && !v.workloads_available {
            return Ok(());
        }
        let (nodes, workloads) = (v.all_nodes_ready, v.workloads_available);
        let ok = |view: &View<'_>| {
            (!nodes || view.nodes().all(|n| n.ready))
                && (!workloads || view.workloads().iter().all(|w| w.ready >= w.desired))
        };
        if ctx.wait_until("verify: nodes Ready, workloads available", v.timeout.limit(), ok)? {
            return Ok(());
        }
        let view = ctx.view();
        let mut problems: Vec<String> = view
            .nodes()
            .filter(|n| nodes && !n.ready)
            .map(|n| format!("{} is NotReady", n.name))
            .collect();
        problems.extend(
            view.workloads()
                .into_iter()
                .filter(|w| workloads && w.ready < w.desired)
                .map(|w| format!("{} has {}/{} Ready", w.key(), w.ready, w.desired)),
        );
        abort(format!("verify: {}", problems.join("; ")))
    }

    // ---- drains -----------------------------------------------------------------------

    fn drain_line(&self, node: &str, extra: &str) -> String {
        let d = &self.p.spec.drain;
        let mut line = format!("kubectl drain {node}");
        if d.ignore_daemon_sets {
            line.push_str(" --ignore-daemonsets");
        }
        if d.delete_empty_dir_data {
            line.push_str(" --delete-emptydir-data");
        }
        if d.force {
            line.push_str(" --force");
        }
        if let GracePeriod::Seconds(s) = d.grace_period {
            line.push_str(&format!(" --grace-period={s}"));
        }
        if let Some(t) = d.timeout.limit() {
            line.push_str(&format!(" --timeout={t}"));
        }
        line.push_str(extra);
        line
    }

    /// Drains a node as the file says, handling a drain that does not finish.
    fn drain(&self, ctx: &mut Drive<'_>, node: &str) -> Done<Drained> {
        let line = self.drain_line(node, "");
        loop {
            let out = ctx.run(&self.admin, &line)?;
            if out.status == 0 {
                return Ok(Drained::Yes);
            }
            // Only a drain with no timeout runs into the step's time limit: it is still
            // waiting, and goes on waiting unless nothing could ever let it finish.
            if !out.interrupted {
                return self.drain_failed(ctx, node, &out.text);
            }
            if ctx.nothing_pending() {
                return Err(Stop::Halt(ctx.stuck(format!(
                    "`{line}` cannot finish (a PodDisruptionBudget allows no disruption), it has no timeout, and nothing pending can change that"
                ))));
            }
        }
    }

    fn drain_failed(&self, ctx: &mut Drive<'_>, node: &str, text: &str) -> Done<Drained> {
        let why = text
            .lines()
            .rev()
            .find(|l| l.starts_with("error"))
            .unwrap_or("drain failed")
            .to_string();
        match self.p.spec.drain.on_timeout {
            OnTimeout::Fail => {
                self.must(ctx, &self.admin.clone(), &format!("kubectl uncordon {node}"))?;
                abort(format!("drain of {node} did not finish: {why}"))
            }
            OnTimeout::SkipNode => {
                ctx.note(format!("skipping {node}: {why}"));
                self.must(ctx, &self.admin.clone(), &format!("kubectl uncordon {node}"))?;
                Ok(Drained::Skipped)
            }
            OnTimeout::ForceDelete => self.drain_again(ctx, node, " --disable-eviction --force --grace-period=0"),
            OnTimeout::DisableEviction => self.drain_again(ctx, node, " --disable-eviction"),
        }
    }

    fn drain_again(&self, ctx: &mut Drive<'_>, node: &str, extra: &str) -> Done<Drained> {
        let line = self.drain_line(node, extra);
        let out = ctx.run(&self.admin, &line)?;
        if out.status == 0 {
            return Ok(Drained::Yes);
        }
        abort(format!("`{line}` failed too (exit {})", out.status))
    }

    // ---- etcd ---------------------------------------------------------------------------

    fn etcd(&self, ctx: &mut Drive<'_>) -> Done {
        let e = &self.p.spec.etcd;
        let cps: Vec<String> = ctx.view().control_planes().iter().map(|s| s.to_string()).collect();
        if e.backup {
            let line = format!(
                "mkdir -p /var/lib/etcd-backup && ETCDCTL_API=3 etcdctl snapshot save /var/lib/etcd-backup/pre-upgrade.db {ETCDCTL_LOCAL}"
            );
            self.must(ctx, &self.admin, &line)?;
        }
        let target = kubedrill_sim::release::versions::default_etcd_for(&self.to);
        let newer =
            |tag: &str| matches!((EtcdVersion::parse(tag), EtcdVersion::parse(target)), (Ok(a), Ok(b)) if b > a);
        let todo: Vec<String> = cps
            .into_iter()
            .filter(|cp| ctx.view().etcd_tag(cp).is_some_and(newer))
            .collect();
        if todo.is_empty() {
            ctx.note(format!("etcd: every member already runs {target} or newer"));
        }
        for batch in todo.chunks(e.max_unavailable as usize) {
            self.preflight(ctx, "an etcd member")?;
            for cp in batch {
                let old = ctx.view().etcd_tag(cp).unwrap_or_default().to_string();
                let line = format!("sed -i 's/etcd:{old}/etcd:{target}/' /etc/kubernetes/manifests/etcd.yaml");
                self.must(ctx, cp, &line)?;
            }
            let done = |v: &View<'_>| v.etcd_healthy() && batch.iter().all(|cp| v.etcd_tag(cp) == Some(target));
            if !ctx.wait_until(
                "etcd members restarted and healthy",
                self.p.spec.node_ready_timeout.limit(),
                done,
            )? {
                return abort(format!(
                    "etcd on {} did not come back healthy at {target}",
                    batch.join(", ")
                ));
            }
            self.soak(ctx, &[])?;
        }
        Ok(())
    }

    // ---- control planes ---------------------------------------------------------------

    /// Every control plane's static pods first (kubeadm, one control plane at a time), then the
    /// kubelets batch by batch: a kubelet newer than any API server breaks the skew policy.
    fn control_planes(&mut self, ctx: &mut Drive<'_>) -> Done {
        if self.p.spec.control_planes.strategy == CpStrategy::Replace {
            return self.replace_control_planes(ctx);
        }
        let cps: Vec<String> = ctx.view().control_planes().iter().map(|s| s.to_string()).collect();
        for (i, cp) in cps.iter().enumerate() {
            self.preflight(ctx, cp)?;
            let line = self.kubeadm_package_line(ctx, cp);
            self.must(ctx, cp, &line)?;
            let kubeadm = if i == 0 {
                format!("kubeadm upgrade apply {} -y", self.to)
            } else {
                "kubeadm upgrade node".to_string()
            };
            self.must(ctx, cp, &kubeadm)?;
            let to = self.to.clone();
            let what = format!("static pods of {cp} at {}", self.to);
            let limit = self.p.spec.node_ready_timeout.limit();
            if !ctx.wait_until(&what, limit, |v| v.control_plane_at(cp, &to))? {
                return abort(format!("the static pods of {cp} did not come up at {}", self.to));
            }
        }
        let batch = self.p.spec.control_planes.max_unavailable.max(1) as usize;
        for group in cps.chunks(batch) {
            let before = self.available(ctx);
            self.kubelets(ctx, group, self.p.spec.control_planes.drain)?;
            self.soak(ctx, &before)?;
        }
        Ok(())
    }

    /// KubeadmControlPlane's roll: one control plane at a time, a new one joins at the target
    /// and an old one goes (the other way round with `maxSurge: 0`).
    fn replace_control_planes(&mut self, ctx: &mut Drive<'_>) -> Done {
        let cps: Vec<String> = ctx.view().control_planes().iter().map(|s| s.to_string()).collect();
        let add_first = self.p.spec.control_planes.add_first();
        if !add_first && cps.len() < 3 {
            return abort(format!(
                "maxSurge 0 removes a control plane before its replacement joins, which needs at least 3 (the cluster has {}): etcd would lose its quorum, and KubeadmControlPlane refuses it",
                cps.len()
            ));
        }
        for old in &cps {
            self.preflight(ctx, old)?;
            let before = self.available(ctx);
            if add_first {
                self.join_control_plane(ctx)?;
            }
            self.remove_control_plane(ctx, old)?;
            if !add_first {
                self.join_control_plane(ctx)?;
            }
            self.soak(ctx, &before)?;
        }
        Ok(())
    }

    /// A machine at the target joins as a control plane; waits for it Ready with its static
    /// pods at the target.
    fn join_control_plane(&mut self, ctx: &mut Drive<'_>) -> Done {
        let name = self.new_name("control-plane", 'r');
        // Cluster API passes the gate from v1.31, the first kubeadm that has it.
        let wanted = self.p.spec.control_planes.kubelet_local_mode;
        let local = wanted && self.to.minor >= 31;
        if wanted && !local {
            ctx.note(format!(
                "kubeletLocalMode: kubeadm {} has no such feature gate; {name} joins without it",
                self.to
            ));
        }
        // KubeadmControlPlane keeps asking for the machine while the cloud has none, up to
        // the readiness timeout: with maxSurge 0 an old control plane is already gone.
        let limit = self.p.spec.node_ready_timeout.limit();
        let asked = ctx.view().now();
        loop {
            match ctx.provision_control_plane(&name, &self.to, local)? {
                Provision::Joined | Provision::NeverJoins => break,
                Provision::Refused(text) => {
                    let last = last_line(&text).trim();
                    return abort(format!("{name} could not join as a control plane: {last}"));
                }
                Provision::NoCapacity if limit.is_none_or(|l| ctx.view().now() < asked + l) => {
                    ctx.wait(SimDuration::from_secs(30))?;
                }
                Provision::NoCapacity => return abort(format!("no capacity for {name}")),
            }
        }
        self.joined.push(name.clone());
        self.wait_node_ready(ctx, &name)?;
        let to = self.to.clone();
        let what = format!("static pods of {name} at {to}");
        if !ctx.wait_until(&what, self.p.spec.node_ready_timeout.limit(), |v| {
            v.control_plane_at(&name, &to)
        })? {
            return abort(format!("the static pods of {name} did not come up at {to}"));
        }
        Ok(())
    }

    /// An old control plane goes: drained, its etcd member removed (on a control plane that
    /// stays, where kubectl is typed from then on if it was typed here), its Node deleted.
    fn remove_control_plane(&mut self, ctx: &mut Drive<'_>, old: &str) -> Done {
        if self.admin == old {
            let Some(stays) = self.joined_up(ctx, old).or_else(|| {
                let view = ctx.view();
                view.control_planes()
                    .into_iter()
                    .find(|c| *c != old && view.node(c).is_some_and(|n| n.powered_on))
                    .map(str::to_string)
            }) else {
                return abort(format!("{old} is the only control plane: nothing could take over"));
            };
            ctx.note(format!("commands that went to {old} go to {stays} from now on"));
            self.admin = stays;
        }
        if self.drain(ctx, old)? == Drained::Skipped {
            return abort(format!("{old} was not drained, so it cannot be removed"));
        }
        if ctx.view().etcd_tag(old).is_some()
            && let Err(stop) = self.remove_etcd_member(ctx, old)
        {
            // The old control plane stays: it takes workloads again.
            self.must(ctx, &self.admin, &format!("kubectl uncordon {old}"))?;
            return Err(stop);
        }
        self.must(ctx, &self.admin, &format!("kubectl delete node {old}"))
    }

    /// The newest control plane the policy joined that is up and Ready, other than `leaving`:
    /// it stays to the end of the roll, and its etcd member is the freshest.
    fn joined_up(&self, ctx: &Drive<'_>, leaving: &str) -> Option<String> {
        let view = ctx.view();
        self.joined
            .iter()
            .rev()
            .find(|n| *n != leaving && view.node(n).is_some_and(|i| i.powered_on && i.ready))
            .cloned()
    }

    /// Where etcdctl runs: [`Self::joined_up`], else the admin host.
    fn etcd_host(&self, ctx: &Drive<'_>, leaving: &str) -> String {
        self.joined_up(ctx, leaving).unwrap_or_else(|| self.admin.clone())
    }

    /// `etcdctl member list`, then `etcdctl member remove` of `node`'s ID, on [`Self::etcd_host`].
    /// Waits for every member healthy first (up to the preflight timeout): KubeadmControlPlane
    /// removes a member only when the rest keep a quorum, and etcd refuses it otherwise.
    fn remove_etcd_member(&self, ctx: &mut Drive<'_>, node: &str) -> Done {
        let limit = self.p.spec.preflight.timeout.limit();
        if !ctx.wait_until("etcd healthy before a member goes", limit, |v| v.etcd_healthy())? {
            return abort(format!(
                "etcd is not healthy: removing {node}'s member could cost the quorum"
            ));
        }
        let host = self.etcd_host(ctx, node);
        let list = format!("ETCDCTL_API=3 etcdctl member list {ETCDCTL_LOCAL}");
        let out = ctx.run(&host, &list)?;
        if out.status != 0 {
            let last = last_line(&out.text);
            return abort(format!("`{list}` on {host} failed (exit {}): {last}", out.status));
        }
        // `ID, started, NAME, PEER URLS, CLIENT URLS, IS LEARNER`
        let id = out.text.lines().find_map(|l| {
            let fields: Vec<&str> = l.split(", ").collect();
            (fields.get(2) == Some(&node)).then(|| fields[0].to_string())
        });
        match id {
            Some(id) => self.must(
                ctx,
                &host,
                &format!("ETCDCTL_API=3 etcdctl member remove {id} {ETCDCTL_LOCAL}"),
            ),
            None => abort(format!(
                "{node} runs an etcd member but `etcdctl member list` on {host} does not name it"
            )),
        }
    }

    /// Cordon and drain a batch, upgrade and restart each kubelet, wait for each Ready at the
    /// new version, uncordon. Returns the nodes left at their version (skipped drains).
    fn kubelets(&self, ctx: &mut Drive<'_>, batch: &[String], drain: bool) -> Done<Vec<String>> {
        let mut skipped = Vec::new();
        if drain {
            if batch.len() > 1 {
                self.must(ctx, &self.admin, &format!("kubectl cordon {}", batch.join(" ")))?;
            }
            for node in batch {
                if self.drain(ctx, node)? == Drained::Skipped {
                    skipped.push(node.clone());
                }
            }
        }
        for node in batch.iter().filter(|n| !skipped.contains(n)) {
            let line = self.kubelet_package_line(ctx, node);
            let out = ctx.run(node, &line)?;
            if out.status != 0 {
                return abort(format!("the kubelet upgrade on {node} failed (exit {})", out.status));
            }
            self.wait_node_ready(ctx, node)?;
        }
        if drain {
            let done: Vec<&str> = batch
                .iter()
                .filter(|n| !skipped.contains(n))
                .map(String::as_str)
                .collect();
            if !done.is_empty() {
                self.must(ctx, &self.admin, &format!("kubectl uncordon {}", done.join(" ")))?;
            }
        }
        Ok(skipped)
    }

    // ---- workers ------------------------------------------------------------------------

    fn workers(&mut self, ctx: &mut Drive<'_>) -> Done {
        for (pool, nodes) in pools(&ctx.view()) {
            let nodes = self.ordered(ctx, nodes);
            ctx.note(format!("pool {}: {} nodes", pool_label(&pool), nodes.len()));
            match self.p.spec.workers.strategy {
                Strategy::InPlace => self.in_place(ctx, &nodes)?,
                Strategy::Surge => self.surge(ctx, &pool, &nodes)?,
                Strategy::BlueGreen => self.blue_green(ctx, &pool, &nodes)?,
            }
        }
        Ok(())
    }

    fn ordered(&self, ctx: &Drive<'_>, mut nodes: Vec<String>) -> Vec<String> {
        let view = ctx.view();
        match self.p.spec.workers.order {
            Order::ByName => {}
            Order::OldestFirst => nodes.sort_by_key(|n| (view.node(n).map(|i| i.created_at), n.clone())),
            Order::LeastPodsFirst => nodes.sort_by_key(|n| (view.evictable_pods(n), n.clone())),
        }
        nodes
    }

    fn in_place(&self, ctx: &mut Drive<'_>, nodes: &[String]) -> Done {
        let (unavailable, _) = self.p.spec.workers.resolve(nodes.len() as u32);
        for batch in nodes.chunks(unavailable.max(1) as usize) {
            let before = self.available(ctx);
            for node in batch {
                let line = self.kubeadm_package_line(ctx, node);
                self.must(ctx, node, &line)?;
                self.must(ctx, node, "kubeadm upgrade node")?;
            }
            self.kubelets(ctx, batch, true)?;
            self.soak(ctx, &before)?;
        }
        Ok(())
    }

    fn new_name(&mut self, pool: &str, kind: char) -> String {
        let n = self.made.entry(pool.to_string()).or_default();
        *n += 1;
        format!("{}-{kind}{:02}", pool_label(pool), n)
    }

    /// Asks for a new node at the target version and waits for it to be Ready.
    fn add_node(&mut self, ctx: &mut Drive<'_>, pool: &str, kind: char) -> Done<String> {
        let name = self.new_name(pool, kind);
        match ctx.provision(pool, &name, &self.to)? {
            Provision::Joined => {}
            Provision::Refused(text) => {
                let last = text
                    .lines()
                    .find(|l| l.contains("[ERROR"))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                return abort(format!("{name} could not join: {last}"));
            }
            Provision::NoCapacity => return abort(format!("no capacity for {name}")),
            Provision::NeverJoins => {}
        }
        self.wait_node_ready(ctx, &name)?;
        Ok(name)
    }

    fn surge(&mut self, ctx: &mut Drive<'_>, pool: &str, nodes: &[String]) -> Done {
        let (unavailable, surge) = self.p.spec.workers.resolve(nodes.len() as u32);
        let batches: Vec<&[String]> = nodes.chunks((surge + unavailable).max(1) as usize).collect();
        for batch in batches {
            // A node whose drain was skipped keeps its place; the new node made for it stays
            // too, and counts against the surge from then on.
            let surge_left = surge.saturating_sub(self.stranded);
            if surge > 0 && surge_left == 0 && unavailable == 0 {
                return abort(format!(
                    "the surge budget ({surge}) is used up by new nodes kept for nodes whose drain was skipped"
                ));
            }
            let before = self.available(ctx);
            let ahead = surge_left.min(batch.len() as u32);
            let mut added = 0;
            for _ in 0..ahead {
                self.add_node(ctx, pool, 's')?;
                added += 1;
            }
            let skipped = self.drain_and_delete(ctx, batch)?;
            self.stranded += (skipped as u32).min(added);
            for _ in added..(batch.len() - skipped) as u32 {
                self.add_node(ctx, pool, 's')?;
            }
            self.soak(ctx, &before)?;
        }
        Ok(())
    }

    /// Cordons the batch, drains each node and deletes the drained ones. Returns how many
    /// were skipped (uncordoned and kept).
    fn drain_and_delete(&self, ctx: &mut Drive<'_>, batch: &[String]) -> Done<usize> {
        self.must(ctx, &self.admin, &format!("kubectl cordon {}", batch.join(" ")))?;
        let mut drained = Vec::new();
        for node in batch {
            if self.drain(ctx, node)? == Drained::Yes {
                drained.push(node.as_str());
            }
        }
        if !drained.is_empty() {
            self.must(ctx, &self.admin, &format!("kubectl delete node {}", drained.join(" ")))?;
        }
        Ok(batch.len() - drained.len())
    }

    fn blue_green(&mut self, ctx: &mut Drive<'_>, pool: &str, blue: &[String]) -> Done {
        for _ in blue {
            self.add_node(ctx, pool, 'g')?;
        }
        let admin = self.admin.clone();
        self.must(ctx, &admin, &format!("kubectl cordon {}", blue.join(" ")))?;
        let drained = match self.drain_blue(ctx, blue) {
            Err(Stop::Abort(why)) => {
                // Roll back: the blue pool takes workloads again; green stays.
                self.must(ctx, &admin, &format!("kubectl uncordon {}", blue.join(" ")))?;
                return Err(Stop::Abort(why));
            }
            other => other?,
        };
        if !drained.is_empty() {
            self.must(ctx, &admin, &format!("kubectl delete node {}", drained.join(" ")))?;
        }
        Ok(())
    }
}

impl Run<'_> {
    /// Drains the (cordoned) blue pool batch by batch; returns the nodes drained.
    fn drain_blue<'b>(&self, ctx: &mut Drive<'_>, blue: &'b [String]) -> Done<Vec<&'b str>> {
        let (batch, _) = self.p.spec.workers.resolve(blue.len() as u32);
        let mut drained = Vec::new();
        for group in blue.chunks(batch.max(1) as usize) {
            let before = self.available(ctx);
            for node in group {
                if self.drain(ctx, node)? == Drained::Yes {
                    drained.push(node.as_str());
                }
            }
            self.soak(ctx, &before)?;
        }
        Ok(drained)
    }
}

/// How etcdctl reaches the member on the host it runs on (kubeadm's certificates).
const ETCDCTL_LOCAL: &str = "--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key";

/// A tool's last non-empty line: what an abort quotes of its output.
fn last_line(text: &str) -> &str {
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn pool_label(pool: &str) -> &str {
    if pool.is_empty() { "workers" } else { pool }
}

/// How long a policy of this file may run on a cluster of `nodes` nodes before the checker
/// calls it non-terminating: every node's drain, readiness and soak at their limits (an
/// hour for a drain with no limit), every stage's checks, plus an hour.
pub fn time_bound(p: &PolicyFile, nodes: u32) -> SimDuration {
    let s = &p.spec;
    let hour = SimDuration::from_secs(3600);
    let per_node = s.drain.timeout.limit().unwrap_or(hour).ms()
        + s.node_ready_timeout.limit().unwrap_or(hour).ms() * 2
        + s.soak_after_each_node.0.ms()
        + s.preflight.timeout.limit().unwrap_or(hour).ms();
    let fixed = hour.ms() * 2 + s.verify.timeout.limit().unwrap_or(hour).ms();
    SimDuration::from_ms((per_node * u64::from(nodes.max(1))).saturating_add(fixed))
}
