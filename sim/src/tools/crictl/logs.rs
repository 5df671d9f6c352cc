//! The kubelet's container logs on disk, where people look when the API server is down:
//! `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<attempt>.log` in the CRI log format
//! (`<RFC 3339 time> stderr F <line>`), the previous attempt's file kept beside the current
//! one, and `/var/log/containers/<pod>_<namespace>_<container>-<container id>.log` for each
//! (links to the same file on a real node; copies here). The lines are those `crictl logs`
//! prints — the API server's etcd dial errors and fatal line, an etcd member's refusal to
//! start; other containers' files are empty (application output is not modelled).

use super::{Row, fnv, rows, uuid};
use crate::tools::api::NodeApi;

/// Every log file of the node's containers, as (path, contents).
pub(crate) fn files(api: &dyn NodeApi) -> Vec<(String, String)> {
    let epoch = api.cluster().epoch_s;
    let mut out = Vec::new();
    for r in rows(api, api.node(), true) {
        let started = crate::time::SimTime(api.now().ms().saturating_sub(r.age.0));
        let text = r
            .log
            .as_deref()
            .map(|log| cri_lines(log, started, epoch))
            .unwrap_or_default();
        let dir = format!(
            "/var/log/pods/{}_{}_{}/{}",
            r.pod_namespace,
            r.pod,
            uuid(r.pod_uid),
            r.name
        );
        // The kubelet keeps the previous attempt's log for `kubectl logs --previous`.
        if r.attempt > 0 {
            out.push((format!("{dir}/{}.log", r.attempt - 1), text.clone()));
        }
        out.push((format!("{dir}/{}.log", r.attempt), text.clone()));
        out.push((
            format!(
                "/var/log/containers/{}_{}_{}-{}.log",
                r.pod,
                r.pod_namespace,
                r.name,
                container_id(&r)
            ),
            text,
        ));
    }
    out
}

/// The CRI log format: each line of the container's stderr stamped with the time it was
/// written (here, when the container started) and `F` for a full line.
fn cri_lines(log: &str, started: crate::time::SimTime, epoch: u64) -> String {
    let w = started.wall_clock_with(epoch);
    let stamp = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        w.year, w.month, w.day, w.hour, w.minute, w.second, w.nanos
    );
    log.lines()
        .map(|l| {
            let at = klog_stamp(l, w.year).unwrap_or_else(|| stamp.clone());
            format!("{at} stderr F {l}\n")
        })
        .collect()
}

/// The time a klog line carries (`E0429 00:02:30.000060 …`), in the CRI's RFC 3339 form: the
/// runtime stamped the line when the process wrote it.
fn klog_stamp(line: &str, year: i64) -> Option<String> {
    let b = line.as_bytes();
    if b.len() < 21 || !matches!(b[0], b'I' | b'W' | b'E' | b'F') || b[5] != b' ' || b[14] != b'.' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| line.get(r).filter(|d| d.bytes().all(|c| c.is_ascii_digit()));
    let (md, hms, micros) = (digits(1..5)?, line.get(6..14)?, digits(15..21)?);
    Some(format!("{year:04}-{}-{}T{hms}.{micros}000Z", &md[..2], &md[2..]))
}

/// The full 64-hex container ID whose first 13 characters `crictl ps` shows.
fn container_id(r: &Row) -> String {
    let tail: String = (0..4)
        .map(|k| format!("{:016x}", fnv(&[r.pod_uid, k, 0x1095])))
        .collect();
    format!("{}{}", r.id, &tail[..64 - r.id.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_in_the_cri_format() {
        let t = crate::time::SimTime::ZERO + crate::time::SimDuration::from_secs(30);
        assert_eq!(
            cri_lines("started\nF0101 00:00:42.000123       1 x.go:1] fatal", t, 1_704_067_200),
            "2024-01-01T00:00:30.000000000Z stderr F started\n2024-01-01T00:00:42.000123000Z stderr F F0101 00:00:42.000123       1 x.go:1] fatal\n"
        );
    }
}
