//! The fault mix made concrete for one seed's cluster: timed scenario faults (`node-crash
//! general-0042` at +1h12m, `node-recover general-0042` five minutes later), relative to a
//! strategy's start. Every strategy of a seed meets the same schedule; a fault whose node a
//! strategy has already replaced (surge, blue-green) finds no node and is skipped.

use super::file::Faults;
use super::generate::{Generated, draw_duration, rng, unit};
use kubedrill_sim::time::SimDuration;

/// One fault, `at` after the strategy's start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub at: SimDuration,
    pub text: String,
}

/// How far ahead faults are drawn: longer than any run may take.
pub const HORIZON: SimDuration = SimDuration::from_secs(48 * 3600);

const PURPOSE_FAULTS: u64 = 2;
/// Partitions draw from a stream of their own: a seed's other faults are the same with or
/// without them.
const PURPOSE_PARTITION: u64 = 7;
/// Controller-manager restarts too.
const PURPOSE_CONTROLLERS: u64 = 8;

/// The schedule of `g`'s seed, in time order (ties in drawing order).
pub fn schedule(f: &Faults, g: &Generated) -> Vec<Timed> {
    let mut rng = rng(g.seed, PURPOSE_FAULTS);
    let mut out = Vec::new();
    // Every etcd member's time out of the cluster: (member index past the first, from, until).
    let mut etcd_out: Vec<(usize, u64, u64)> = Vec::new();
    let workers: Vec<&String> = g.pools.iter().flat_map(|p| &p.nodes).collect();
    if let Some(c) = &f.node_crash
        && c.per_node_hour > 0.0
        && !workers.is_empty()
    {
        let per_ms = c.per_node_hour * workers.len() as f64 / 3_600_000.0;
        // Busy until: a node crashes again only once it is back.
        let mut back = vec![0u64; workers.len()];
        let mut t = 0.0;
        loop {
            t += exponential(&mut rng, per_ms);
            if t >= HORIZON.ms() as f64 {
                break;
            }
            let at = t as u64;
            let i = rng.below(workers.len() as u64) as usize;
            let down = draw_duration(&c.downtime, &mut rng);
            let permanent = unit(&mut rng) < c.permanent;
            if back[i] > at {
                continue;
            }
            let node = workers[i];
            out.push(Timed {
                at: SimDuration::from_ms(at),
                text: format!("node-crash {node}"),
            });
            if permanent {
                back[i] = u64::MAX;
            } else {
                back[i] = at + down.ms();
                out.push(Timed {
                    at: SimDuration::from_ms(at + down.ms()),
                    text: format!("node-recover {node}"),
                });
            }
        }
    }
    if let Some(c) = &f.etcd_member_crash
        && c.per_hour > 0.0
        && g.control_planes.len() >= 3
    {
        // Never the first control plane's member (clients reach its API server), and never
        // more members down at once than the cluster tolerates: a fault alone breaks no quorum.
        let tolerance = (g.control_planes.len() - 1) / 2;
        let mut down: Vec<(usize, u64)> = Vec::new();
        let accept = |i: usize, at: u64, until: u64| {
            down.retain(|(_, end)| *end > at);
            if down.len() >= tolerance || down.iter().any(|(m, _)| *m == i) {
                return false;
            }
            down.push((i, until));
            true
        };
        let verbs = ("etcd-member-crash", "etcd-member-recover");
        for outage in member_outages(&mut rng, c.per_hour, &c.downtime, g, verbs, accept, &mut out) {
            etcd_out.push(outage);
        }
    }
    if let Some(p) = &f.etcd_partition
        && p.per_hour > 0.0
        && g.control_planes.len() >= 3
    {
        partitions(p, g, &mut etcd_out, &mut out);
    }
    if let Some(c) = &f.controller_restart
        && c.per_hour > 0.0
        && !g.control_planes.is_empty()
    {
        controller_restarts(c, g, &mut out);
    }
    // Stable: faults at the same instant keep their drawing order.
    out.sort_by_key(|f| f.at);
    out
}

/// Restarts of a random control plane's controller-manager: every controller waits out the
/// downtime (a restart during another's downtime extends it).
fn controller_restarts(c: &super::file::ControllerRestartFaults, g: &Generated, out: &mut Vec<Timed>) {
    let mut rng = rng(g.seed, PURPOSE_CONTROLLERS);
    let per_ms = c.per_hour / 3_600_000.0;
    let mut t = 0.0;
    loop {
        t += exponential(&mut rng, per_ms);
        if t >= HORIZON.ms() as f64 {
            break;
        }
        let cp = &g.control_planes[rng.below(g.control_planes.len() as u64) as usize];
        let down = draw_duration(&c.downtime, &mut rng);
        out.push(Timed {
            at: SimDuration::from_ms(t as u64),
            text: format!("controller-manager-restart {cp} {}ms", down.ms()),
        });
    }
}

/// Partitions drawn after the crashes, on the same terms: never the first control plane's
/// member, and never, at any instant of a partition, more members out (crashed or cut off)
/// than the cluster tolerates.
fn partitions(
    p: &super::file::EtcdPartitionFaults,
    g: &Generated,
    etcd_out: &mut Vec<(usize, u64, u64)>,
    out: &mut Vec<Timed>,
) {
    let mut rng = rng(g.seed, PURPOSE_PARTITION);
    let tolerance = (g.control_planes.len() - 1) / 2;
    let mut taken = etcd_out.clone();
    let accept = |i: usize, at: u64, until: u64| {
        let overlapping: Vec<usize> = taken
            .iter()
            // Closed intervals: an outage ending the instant another starts still counts, as
            // the faults of one instant may apply in either order.
            .filter(|(_, from, to)| *from <= until && at <= *to)
            .map(|(m, _, _)| *m)
            .collect();
        if overlapping.len() >= tolerance || overlapping.contains(&i) {
            return false;
        }
        taken.push((i, at, until));
        true
    };
    let verbs = ("etcd-member-partition", "etcd-member-heal");
    let outages = member_outages(&mut rng, p.per_hour, &p.duration, g, verbs, accept, out);
    etcd_out.extend(outages);
}

/// Outages of etcd members past the first control plane's, as a Poisson process over the
/// horizon: each draws its time, its member and its length, in that order, and happens if
/// `accept` says so; each is a `verbs.0 NODE` fault and a `verbs.1 NODE` at its end. Returns
/// (member index past the first, from, until) of those that happen.
fn member_outages(
    rng: &mut kubedrill_sim::rng::SimRng,
    per_hour: f64,
    length: &super::file::DurationDist,
    g: &Generated,
    verbs: (&str, &str),
    mut accept: impl FnMut(usize, u64, u64) -> bool,
    out: &mut Vec<Timed>,
) -> Vec<(usize, u64, u64)> {
    let members = &g.control_planes[1..];
    let per_ms = per_hour / 3_600_000.0;
    let mut happened = Vec::new();
    let mut t = 0.0;
    loop {
        t += exponential(rng, per_ms);
        if t >= HORIZON.ms() as f64 {
            break;
        }
        let at = t as u64;
        let i = rng.below(members.len() as u64) as usize;
        let until = at + draw_duration(length, rng).ms();
        if !accept(i, at, until) {
            continue;
        }
        happened.push((i, at, until));
        out.push(Timed {
            at: SimDuration::from_ms(at),
            text: format!("{} {}", verbs.0, members[i]),
        });
        out.push(Timed {
            at: SimDuration::from_ms(until),
            text: format!("{} {}", verbs.1, members[i]),
        });
    }
    happened
}

/// An exponentially distributed gap (ms) for a rate per ms.
fn exponential(rng: &mut kubedrill_sim::rng::SimRng, rate: f64) -> f64 {
    let u = unit(rng).max(f64::MIN_POSITIVE);
    -u.ln() / rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_seeded_ordered_and_never_double_book_a_node() {
        let text = "apiVersion: kubedrill/v1
kind: StrategyBenchmark
metadata: {name: f}
spec:
  seeds: {from: 1, count: 1}
  cluster:
    pools: [{name: a, nodes: 20}]
    workloads: {count: 1, replicas: 1}
  faults:
    nodeCrash: {perNodeHour: 0.05, downtime: 10m, permanent: 0.2}
    etcdMemberCrash: {perHour: 0.5, downtime: 5m}
  drain: {strategies: [{name: serial}]}
";
        let f = super::super::file::load_str(text, "t.yaml").expect("loads");
        let g = super::super::generate::generate(&f.spec, 5).expect("cluster");
        let a = schedule(&f.spec.faults, &g);
        assert_eq!(a, schedule(&f.spec.faults, &g));
        assert!(a.len() > 10, "{} faults", a.len());
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
        let mut down = std::collections::BTreeSet::new();
        for t in &a {
            let (verb, node) = t.text.split_once(' ').expect("verb node");
            match verb {
                "node-crash" | "etcd-member-crash" | "etcd-member-partition" => {
                    assert!(down.insert(node), "{node} crashed twice: {a:?}")
                }
                _ => assert!(down.remove(node), "{node} recovered without a crash"),
            }
            assert_ne!(node, "cp1");
        }
    }

    #[test]
    fn partitions_leave_the_other_faults_alone_and_never_break_quorum() {
        // Goal: `etcdPartition` cuts members off and heals them, draws from a stream of its
        // own, and with the crashes never takes more members out at once than the cluster
        // tolerates. Method: one seed's schedule with and without the key, checked event by
        // event, on 3 and 5 control planes.
        for (cps, tolerance) in [(3, 1), (5, 2)] {
            let text = |partition: &str| {
                format!(
                    "apiVersion: kubedrill/v1
kind: StrategyBenchmark
metadata: {{name: f}}
spec:
  seeds: {{from: 1, count: 1}}
  cluster:
    controlPlanes: {cps}
    pools: [{{name: a, nodes: 4}}]
    workloads: {{count: 1, replicas: 1}}
  faults:
    etcdMemberCrash: {{perHour: 0.5, downtime: 20m}}
{partition}  drain: {{strategies: [{{name: serial}}]}}
"
                )
            };
            let load = |t: &str| super::super::file::load_str(t, "t.yaml").expect("loads");
            let plain = load(&text(""));
            let cut = load(&text("    etcdPartition: {perHour: 1, duration: 30m}\n"));
            let g = super::super::generate::generate(&plain.spec, 3).expect("cluster");
            let a = schedule(&plain.spec.faults, &g);
            let b = schedule(&cut.spec.faults, &g);
            let partitions = b.iter().filter(|t| t.text.starts_with("etcd-member-partition")).count();
            assert!(partitions > 5, "{partitions} partitions");
            let others: Vec<&Timed> = b
                .iter()
                .filter(|t| !t.text.contains("partition") && !t.text.contains("heal"))
                .collect();
            assert_eq!(others, a.iter().collect::<Vec<_>>(), "the crashes are the same");
            let mut out = std::collections::BTreeSet::new();
            let mut most = 0;
            for t in &b {
                let (verb, node) = t.text.split_once(' ').expect("verb node");
                assert_ne!(node, "cp1");
                if verb == "etcd-member-crash" || verb == "etcd-member-partition" {
                    assert!(out.insert(node), "{node} out twice: {b:?}");
                } else {
                    assert!(out.remove(node), "{node} back without being out");
                }
                most = most.max(out.len());
            }
            assert!(out.is_empty());
            assert_eq!(most, tolerance, "{cps} control planes");
        }
    }
}
