//! etcd backup and restore strategies facing an incident.
//!
//! Before the incident the strategy takes `etcdctl snapshot save` on the first control plane
//! every `snapshotEvery` (a backup counts once its upload, `timings.snapshotTransfer`, is
//! done). The incident destroys members' data (`etcd-member-destroy`): a majority for
//! `quorumLoss`, one member for `memberDiskLoss`; never the first control plane's. After
//! `timings.detection`, the recovery:
//!
//! - `restoreBackup`: download the newest uploaded backup, then the documented HA restore
//!   (stop every API server, `etcdutl snapshot restore` on every control plane with its own
//!   name and peer URL and a new token, point `etcd.yaml` at the restored dir, wait for quorum,
//!   start the API servers again);
//! - `restoreFromSurvivor`: the same restore from a snapshot taken from the surviving first
//!   control plane's member right then (nothing lost);
//! - `replaceMember`: `etcdctl member remove` and `member add` for each failed member, which
//!   then starts empty and catches up; without a quorum to change the membership it falls back
//!   to `restoreBackup`.

use super::ctl::{Ctl, OutOfTime, Why};
use super::file::{Incident, Recovery, RestoreStrategy, Spec};
use super::generate::{Generated, draw_duration, rng};
use super::strategies::RestoreReading;
use kubedrill_sim::host::input::ApiRequest;
use kubedrill_sim::model::objects::ResourceKind;
use kubedrill_sim::time::{SimDuration, SimTime};

const PURPOSE_INCIDENT: u64 = 4;
const BACKUP_DIR: &str = "/var/lib/etcd-backup";

type Step = Result<Result<(), String>, OutOfTime>;

pub fn run(
    ctl: &mut Ctl,
    g: &Generated,
    s: &RestoreStrategy,
    incident: Incident,
    spec: &Spec,
) -> (Step, RestoreReading) {
    let mut reading = RestoreReading::default();
    let step = run_inner(ctl, g, s, incident, spec, &mut reading);
    (step, reading)
}

/// When things happen for a seed: the same for every strategy (the incident's time, the
/// detection delay, transfer and provisioning times).
struct Times {
    incident_after: SimDuration,
    detection: SimDuration,
    transfer: SimDuration,
    provision: SimDuration,
}

fn times(g: &Generated, spec: &Spec) -> Times {
    let mut r = rng(g.seed, PURPOSE_INCIDENT);
    let group = spec
        .restore
        .as_ref()
        .expect("restore strategies come from spec.restore");
    Times {
        incident_after: draw_duration(&group.incident_after, &mut r),
        detection: draw_duration(&spec.timings.detection, &mut r),
        transfer: draw_duration(&spec.timings.snapshot_transfer, &mut r),
        provision: draw_duration(&spec.timings.node_provision, &mut r),
    }
}

fn run_inner(
    ctl: &mut Ctl,
    g: &Generated,
    s: &RestoreStrategy,
    incident: Incident,
    spec: &Spec,
    reading: &mut RestoreReading,
) -> Step {
    let t = times(g, spec);
    let start = ctl.now();
    let incident_at = start + t.incident_after;
    ctl.kubectl(&format!("mkdir -p {BACKUP_DIR}"));
    // Backups: (taken at, path), oldest first.
    let mut backups: Vec<(SimTime, String)> = Vec::new();
    let mut k = 0u64;
    loop {
        let at = start + SimDuration::from_ms(s.snapshot_every.0.ms() * k);
        if at >= incident_at {
            break;
        }
        wait_to(ctl, at, Why::Idle);
        k += 1;
        let path = format!("{BACKUP_DIR}/snap-{k}.db");
        if ctl.etcdctl(&format!("snapshot save {path}")).status == 0 {
            backups.push((ctl.now(), path));
        }
        // Keep two: the newest may still be uploading.
        if backups.len() > 2 {
            let (_, old) = backups.remove(0);
            ctl.kubectl(&format!("rm -f {old}"));
        }
        ctl.check_time()?;
    }
    wait_to(ctl, incident_at, Why::Idle);
    // A monitoring probe right before the incident reads etcd's revision.
    ctl.etcdctl("endpoint status");
    reading.revision_at_incident = ctl.sim.etcd().revision;
    reading.incident_at = ctl.now();
    let failed = failed_members(g, incident);
    for m in &failed {
        ctl.fault(&format!("etcd-member-destroy {m}"));
    }
    ctl.wait(t.detection, Why::Detect);
    let uploaded = backups
        .iter()
        .rev()
        .find(|(at, _)| *at + t.transfer <= reading.incident_at)
        .cloned();
    let quorum = ctl.sim.etcd().has_quorum();
    match s.recovery {
        Recovery::ReplaceMember if quorum => {
            reading.how = "replaced members".into();
            ctl.wait(t.provision, Why::Provision);
            if let Err(e) = replace_members(ctl, g, &failed) {
                return Ok(Err(e));
            }
        }
        Recovery::RestoreFromSurvivor => {
            let rescue = format!("{BACKUP_DIR}/rescue.db");
            if ctl.etcdctl(&format!("snapshot save {rescue}")).status == 0 {
                reading.how = "restored a survivor's snapshot".into();
                reading.snapshot = Some((ctl.now(), 0));
                if let Err(e) = full_restore(ctl, g, &rescue) {
                    return Ok(Err(e));
                }
            } else {
                return restore_backup(ctl, g, uploaded, t.transfer, reading, "no survivor answered: ");
            }
        }
        Recovery::ReplaceMember => {
            return restore_backup(ctl, g, uploaded, t.transfer, reading, "fell back (no quorum): ");
        }
        Recovery::RestoreBackup => return restore_backup(ctl, g, uploaded, t.transfer, reading, ""),
    }
    finish(ctl, g, reading)
}

fn restore_backup(
    ctl: &mut Ctl,
    g: &Generated,
    backup: Option<(SimTime, String)>,
    transfer: SimDuration,
    reading: &mut RestoreReading,
    prefix: &str,
) -> Step {
    let Some((at, path)) = backup else {
        reading.how = format!("{prefix}no backup uploaded");
        return Ok(Err("no backup was uploaded before the incident".into()));
    };
    reading.how = format!("{prefix}restored backup");
    reading.snapshot = Some((at, 0));
    ctl.wait(transfer, Why::Transfer);
    if let Err(e) = full_restore(ctl, g, &path) {
        return Ok(Err(e));
    }
    finish(ctl, g, reading)
}

/// Waits for the API to answer and every member to run again.
fn finish(ctl: &mut Ctl, g: &Generated, reading: &mut RestoreReading) -> Step {
    let members = g.control_planes.len();
    let limit = SimDuration::from_secs(3600);
    let until = ctl.now() + limit;
    loop {
        ctl.check_time()?;
        let obs = ctl.sim.etcd().observe();
        let healthy = obs.quorum && obs.running >= members;
        let admin = ctl.admin.clone();
        let answered = ctl
            .api(ApiRequest::Get {
                kind: ResourceKind::Nodes,
                namespace: None,
                name: admin,
            })
            .is_ok();
        if healthy && answered {
            reading.recovered_at = Some(ctl.now());
            return Ok(Ok(()));
        }
        if ctl.now() >= until {
            return Ok(Err("the cluster was not healthy an hour after the recovery".into()));
        }
        ctl.wait(SimDuration::from_secs(5), Why::Work);
    }
}

fn wait_to(ctl: &mut Ctl, at: SimTime, why: Why) {
    if at > ctl.now() {
        ctl.wait(SimDuration::from_ms(at.ms() - ctl.now().ms()), why);
    }
}

/// The members an incident destroys: the last ones, never the first control plane's.
fn failed_members(g: &Generated, incident: Incident) -> Vec<String> {
    let n = g.control_planes.len();
    let count = match incident {
        Incident::QuorumLoss => n / 2 + 1,
        Incident::MemberDiskLoss => 1,
    }
    .min(n.saturating_sub(1));
    g.control_planes[n - count..].to_vec()
}

fn ip(ctl: &Ctl, node: &str) -> String {
    ctl.sim
        .cluster()
        .node_id(node)
        .map(|id| ctl.sim.cluster().node(id).internal_ip.clone())
        .unwrap_or_default()
}

/// `member remove` and `member add` for each failed member, one change at a time, then the
/// member starts on its new empty disk.
fn replace_members(ctl: &mut Ctl, g: &Generated, failed: &[String]) -> Result<(), String> {
    let _ = g;
    for m in failed {
        let id = ctl
            .etcd_member_id(m)
            .ok_or_else(|| format!("member {m} is not in `etcdctl member list`"))?;
        for args in [
            format!("member remove {id}"),
            format!("member add {m} --peer-urls=https://{}:2380", ip(ctl, m)),
        ] {
            let out = ctl.etcdctl(&args);
            if out.status != 0 {
                return Err(format!("etcdctl {args}: {}", out.text().trim()));
            }
        }
        ctl.fault(&format!("etcd-member-recover {m}"));
    }
    Ok(())
}

/// The documented HA restore of every member from `path` on the first control plane.
fn full_restore(ctl: &mut Ctl, g: &Generated, path: &str) -> Result<(), String> {
    let cps = &g.control_planes;
    let cluster: Vec<String> = cps.iter().map(|c| format!("{c}=https://{}:2380", ip(ctl, c))).collect();
    let token = format!("etcd-restored-{}", ctl.now().ms() / 1000);
    let dir = format!("/var/lib/{token}");
    let admin = ctl.admin.clone();
    let mut copy = format!("cp {path} /opt/restore.db");
    for c in &cps[1..] {
        copy.push_str(&format!(" && scp /opt/restore.db {c}:/opt/"));
    }
    let mut lines: Vec<(String, String)> = vec![(admin.clone(), copy)];
    for c in cps {
        lines.push((
            c.clone(),
            "mv /etc/kubernetes/manifests/kube-apiserver.yaml /root/".into(),
        ));
    }
    for c in cps {
        lines.push((
            c.clone(),
            format!(
                "etcdutl snapshot restore /opt/restore.db --name {c} --data-dir {dir} --initial-cluster {} --initial-cluster-token {token} --initial-advertise-peer-urls https://{}:2380",
                cluster.join(","),
                ip(ctl, c)
            ),
        ));
    }
    for c in cps {
        lines.push((
            c.clone(),
            format!("sed -i 's#path: /var/lib/etcd#path: {dir}#' /etc/kubernetes/manifests/etcd.yaml"),
        ));
    }
    for (host, line) in &lines {
        let out = ctl.run(host, line);
        if out.status != 0 {
            return Err(format!("`{line}` on {host}: {}", out.text().trim()));
        }
    }
    ctl.wait_until(
        Why::Work,
        SimDuration::from_secs(5),
        SimDuration::from_secs(600),
        |sim| sim.etcd().has_quorum(),
    );
    for c in cps {
        let out = ctl.run(c, "mv /root/kube-apiserver.yaml /etc/kubernetes/manifests/");
        if out.status != 0 {
            return Err(format!("starting the API server on {c}: {}", out.text().trim()));
        }
    }
    Ok(())
}
