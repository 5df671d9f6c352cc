//! A generated fault schedule made concrete for one cluster: `(time, kind, target)` entries
//! become timed simulator faults (`node-crash a2` now, `node-recover a2` five minutes later)
//! and the two provisioning faults the drive answers itself (no capacity, a machine that never
//! joins).
//!
//! Targets are indices reduced modulo what exists: workers in name order for node faults, the
//! control planes after the first for etcd member faults (clients reach the first control
//! plane's API server, which talks to its own member, so losing it is an outage of the whole
//! API rather than a fault a policy can route around). Entries that would overlap another on
//! the same node are dropped, and so are etcd faults that would take down more members at once
//! than the cluster tolerates: a fault schedule alone never breaks quorum, so a quorum loss is
//! always the policy's doing.

use kubedrill_sim::scenario::generate::{Case, FaultKind};
use kubedrill_sim::time::{SimDuration, SimTime};

/// One fault the drive applies, at a time relative to the policy's start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub at: SimDuration,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    faults: Vec<Timed>,
    bad_replacements: Vec<SimDuration>,
    no_capacity: Vec<(SimDuration, SimDuration)>,
    /// What each applied entry is, for people: `at +12m0s: node-crash a02 for 5m0s`.
    pub described: Vec<String>,
    base: SimTime,
    next: usize,
    used_bad: usize,
}

impl Schedule {
    /// Simulator faults (`node-crash a2`, `node-recover a2`) at times after the start, in time
    /// order: a strategy benchmark's fault schedule.
    pub fn from_timed(faults: impl IntoIterator<Item = (SimDuration, String)>) -> Self {
        let mut faults: Vec<Timed> = faults.into_iter().map(|(at, text)| Timed { at, text }).collect();
        faults.sort_by_key(|f| f.at);
        Self {
            faults,
            ..Self::default()
        }
    }

    /// The case's schedule on its cluster.
    pub fn from_case(case: &Case) -> Self {
        let workers: Vec<String> = case.pool_nodes().into_iter().flat_map(|(_, n)| n).collect();
        let members: Vec<String> = case.control_plane_names().into_iter().skip(1).collect();
        let tolerance = (usize::from(case.control_planes) - 1) / 2;
        let mut s = Self::default();
        let mut busy: Vec<(String, u32, u32)> = Vec::new();
        let mut etcd_down: Vec<(u32, u32)> = Vec::new();
        for f in &case.faults {
            let at = f.at_s;
            let pick = |list: &[String]| (!list.is_empty()).then(|| list[f.target as usize % list.len()].clone());
            match f.kind {
                FaultKind::NodeCrash { down_s } | FaultKind::NodeReboot { down_s } => {
                    let Some(node) = pick(&workers) else { continue };
                    if overlaps(&busy, &node, at, at + down_s) {
                        continue;
                    }
                    busy.push((node.clone(), at, at + down_s));
                    let down = SimDuration::from_secs(u64::from(down_s));
                    if let FaultKind::NodeCrash { .. } = f.kind {
                        s.push(at, format!("node-crash {node}"));
                        s.push(at + down_s, format!("node-recover {node}"));
                        s.describe(at, format!("node-crash {node} for {down}"));
                    } else {
                        s.push(at, format!("node-reboot {node} {down}"));
                        s.describe(at, format!("node-reboot {node} (down {down})"));
                    }
                }
                FaultKind::EtcdMemberCrash { down_s } => {
                    let Some(node) = pick(&members) else { continue };
                    let concurrent = etcd_down.iter().filter(|(a, b)| *a < at + down_s && at < *b).count();
                    if concurrent >= tolerance || overlaps(&busy, &node, at, at + down_s) {
                        continue;
                    }
                    busy.push((node.clone(), at, at + down_s));
                    etcd_down.push((at, at + down_s));
                    s.push(at, format!("etcd-member-crash {node}"));
                    s.push(at + down_s, format!("etcd-member-recover {node}"));
                    let down = SimDuration::from_secs(u64::from(down_s));
                    s.describe(at, format!("etcd-member-crash {node} for {down}"));
                }
                FaultKind::BadReplacement => {
                    s.bad_replacements.push(SimDuration::from_secs(u64::from(at)));
                    s.describe(at, "bad-replacement: the next machine provisioned never joins".into());
                }
                FaultKind::NoCapacity { for_s } => {
                    let from = SimDuration::from_secs(u64::from(at));
                    let to = SimDuration::from_secs(u64::from(at + for_s));
                    s.no_capacity.push((from, to));
                    s.describe(
                        at,
                        format!("no-capacity for {}", SimDuration::from_secs(u64::from(for_s))),
                    );
                }
            }
        }
        // Stable: entries at the same time keep their order (a crash before its own recovery).
        s.faults.sort_by_key(|f| f.at);
        s.bad_replacements.sort();
        s
    }

    fn push(&mut self, at_s: u32, text: String) {
        self.faults.push(Timed {
            at: SimDuration::from_secs(u64::from(at_s)),
            text,
        });
    }

    fn describe(&mut self, at_s: u32, what: String) {
        self.described
            .push(format!("at +{}: {what}", SimDuration::from_secs(u64::from(at_s))));
    }

    /// The same schedule with its times counted from `t0`.
    pub fn starting_at(mut self, t0: SimTime) -> Self {
        self.base = t0;
        self.next = 0;
        self.used_bad = 0;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.faults.is_empty() && self.bad_replacements.is_empty() && self.no_capacity.is_empty()
    }

    /// When the next simulator fault is due.
    pub fn next_at(&self) -> Option<SimTime> {
        self.faults.get(self.next).map(|f| self.base + f.at)
    }

    /// The next fault due at or before `now`, taken off the schedule.
    pub fn pop_due(&mut self, now: SimTime) -> Option<String> {
        let f = self.faults.get(self.next)?;
        if self.base + f.at > now {
            return None;
        }
        self.next += 1;
        Some(f.text.clone())
    }

    /// When the last simulator fault is due (recoveries included).
    pub fn last_at(&self) -> Option<SimTime> {
        self.faults.last().map(|f| self.base + f.at)
    }

    pub fn no_capacity_at(&self, now: SimTime) -> bool {
        self.no_capacity
            .iter()
            .any(|(from, to)| self.base + *from <= now && now < self.base + *to)
    }

    /// Whether the machine provisioned now is a bad one (each bad replacement hits once).
    pub fn take_bad_replacement(&mut self, now: SimTime) -> bool {
        match self.bad_replacements.get(self.used_bad) {
            Some(at) if self.base + *at <= now => {
                self.used_bad += 1;
                true
            }
            _ => false,
        }
    }
}

fn overlaps(busy: &[(String, u32, u32)], node: &str, from: u32, to: u32) -> bool {
    busy.iter().any(|(n, a, b)| n == node && *a <= to && from <= *b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubedrill_sim::scenario::generate::{FaultSpec, Pool};

    fn case(cps: u8, faults: Vec<FaultSpec>) -> Case {
        Case {
            seed: 1,
            from_minor: 30,
            control_planes: cps,
            pools: vec![Pool { nodes: 3, cpus: 4 }],
            workloads: Vec::new(),
            faults,
        }
    }

    #[test]
    fn node_crash_comes_back_and_targets_wrap() {
        let s = Schedule::from_case(&case(
            1,
            vec![FaultSpec {
                at_s: 60,
                kind: FaultKind::NodeCrash { down_s: 300 },
                target: 4,
            }],
        ))
        .starting_at(SimTime(1000));
        assert_eq!(s.next_at(), Some(SimTime(61_000)));
        let texts: Vec<&str> = s.faults.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["node-crash a02", "node-recover a02"]);
    }

    #[test]
    fn etcd_faults_never_exceed_the_tolerance() {
        // Goal: a schedule alone never breaks quorum. Method: two overlapping member crashes on
        // 3 control planes (tolerance 1) keep only the first; on 1 control plane none is kept.
        let two = vec![
            FaultSpec {
                at_s: 0,
                kind: FaultKind::EtcdMemberCrash { down_s: 300 },
                target: 0,
            },
            FaultSpec {
                at_s: 100,
                kind: FaultKind::EtcdMemberCrash { down_s: 300 },
                target: 1,
            },
        ];
        let s = Schedule::from_case(&case(3, two.clone()));
        let texts: Vec<&str> = s.faults.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["etcd-member-crash cp2", "etcd-member-recover cp2"]);
        assert!(Schedule::from_case(&case(1, two)).faults.is_empty());
    }

    #[test]
    fn provisioning_faults_are_answered_in_time() {
        let mut s = Schedule::from_case(&case(
            1,
            vec![
                FaultSpec {
                    at_s: 10,
                    kind: FaultKind::BadReplacement,
                    target: 0,
                },
                FaultSpec {
                    at_s: 100,
                    kind: FaultKind::NoCapacity { for_s: 600 },
                    target: 0,
                },
            ],
        ))
        .starting_at(SimTime(0));
        assert!(!s.take_bad_replacement(SimTime(5_000)));
        assert!(s.take_bad_replacement(SimTime(10_000)));
        assert!(!s.take_bad_replacement(SimTime(20_000)));
        assert!(!s.no_capacity_at(SimTime(99_000)));
        assert!(s.no_capacity_at(SimTime(100_000)));
        assert!(!s.no_capacity_at(SimTime(700_000)));
    }
}
