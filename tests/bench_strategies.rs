//! Strategy benchmarks (`kubedrill bench FILE`): determinism of the files, shards merged into
//! exactly one run's output, the Indexed Job, and metrics that move the way the strategies
//! say they should; and the sweep bench's report (`bench --workload drain|upgrade`). Small
//! clusters only: the 5,000-node figures come from release runs.

use kubedrill::bench::file;
use kubedrill::bench::metrics::M;
use kubedrill::bench::report::{Results, Row};
use kubedrill::bench::run::{self, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

const SMALL: &str = "apiVersion: kubedrill/v1
kind: StrategyBenchmark
metadata: {name: small}
spec:
  seeds: {from: 1, count: 3}
  cluster:
    pools: [{name: general, nodes: {uniform: [5, 7]}}]
    workloads:
      count: 4
      replicas: {choice: [2, 3, 5]}
      pdb: {none: 1, maxUnavailable1: 2, minAvailable1: 1}
  faults:
    nodeCrash: {perNodeHour: 0.2, downtime: 3m}
  drain:
    strategies:
      - {name: serial}
      - {name: batch-3, batch: 3}
  upgrade:
    strategies:
      - {name: in-place, type: InPlace}
      - {name: in-place-50pct, type: InPlace, batch: 50%}
      - {name: surge-2, type: Surge, maxSurge: 2}
      - {name: blue-green, type: BlueGreen, batch: 2}
      - {name: policy-surge, policy: policies/surge-1-0.yaml}
      - name: policy-inline
        policy:
          apiVersion: kubedrill/v1
          kind: UpgradePolicy
          metadata: {name: inline}
          spec: {target: {version: next-minor}, workers: {strategy: InPlace, maxUnavailable: 50%}}
  restore:
    incidents: [quorumLoss, memberDiskLoss]
    strategies:
      - {name: hourly, snapshotEvery: 1h, recovery: restoreBackup}
      - {name: survivor, snapshotEvery: 1h, recovery: restoreFromSurvivor}
      - {name: replace, snapshotEvery: 1h, recovery: replaceMember}
";

fn kubedrill(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubedrill"))
        .args(args)
        .output()
        .expect("kubedrill runs")
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The benchmark file in `dir`, with the policy it names beside it.
fn write_file(dir: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("policies")).expect("policies dir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/surge-1-0.yaml"),
        dir.join("policies/surge-1-0.yaml"),
    )
    .expect("policy copied");
    let path = dir.join("bench.yaml");
    std::fs::write(&path, text).expect("written");
    path
}

/// Every file of a directory, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("file"),
            )
        })
        .collect();
    out.sort();
    out
}

fn run_cli(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "bench",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let o = kubedrill(&args);
    assert!(
        o.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

#[test]
fn the_same_file_and_seeds_give_byte_identical_files_and_nothing_extra_when_piped() {
    // Goal: determinism of everything written. Method: two runs into two directories.
    let dir = temp();
    let file = write_file(dir.path(), SMALL);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let first = run_cli(&file, &a, &["--format", "csv"]);
    run_cli(&file, &b, &["--format", "csv"]);
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa, fb, "two runs wrote different bytes");
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "results.csv",
        "results.json",
        "availability-upgrade.svg",
        "rto.svg",
        "rpo.svg",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    // stdout is the CSV file; stderr has no progress bar (not a terminal).
    let csv = std::fs::read_to_string(a.join("results.csv")).expect("csv");
    assert_eq!(String::from_utf8_lossy(&first.stdout), csv);
    assert!(
        first.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    // 14 strategies (2 drain, 6 upgrade, 3 restore x 2 incidents) x 3 seeds, then 5 stats each.
    let lines = csv.lines().count();
    assert_eq!(lines, 1 + 14 * 3 + 14 * 5, "{csv}");
    let svg = std::fs::read_to_string(a.join("availability-upgrade.svg")).expect("svg");
    assert!(
        svg.starts_with("<svg") && svg.contains("surge-2") && svg.contains("<polyline"),
        "{svg:.300}"
    );
}

#[test]
fn shards_merged_are_one_run_byte_for_byte_and_incomplete_sets_are_refused() {
    let dir = temp();
    let file = write_file(dir.path(), SMALL);
    let whole = dir.path().join("whole");
    run_cli(&file, &whole, &["--seeds", "2..6"]);
    let shards: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("shard-{i}"))).collect();
    for (i, d) in shards.iter().enumerate() {
        run_cli(&file, d, &["--seeds", "2..6", "--shard", &format!("{i}/3")]);
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["bench", "merge"];
    args.extend(shards.iter().rev().map(|p| p.to_str().expect("utf-8")));
    args.extend(["--out", merged.to_str().expect("utf-8")]);
    let o = kubedrill(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        files(&whole),
        files(&merged),
        "the merge differs from the unsharded run"
    );
    // A shard's own output says it is one.
    let part: Results =
        serde_json::from_slice(&std::fs::read(shards[1].join("results.json")).expect("json")).expect("parses");
    assert_eq!(part.rows.iter().map(|r| r.seed).min(), Some(3));
    assert!(part.shard.is_some());
    // Two of three shards, or one twice, do not merge.
    for dirs in [vec![&shards[0], &shards[1]], vec![&shards[0], &shards[0], &shards[1]]] {
        let mut args = vec!["bench", "merge"];
        args.extend(dirs.iter().map(|p| p.to_str().expect("utf-8")));
        args.extend(["--out", merged.to_str().expect("utf-8")]);
        let o = kubedrill(&args);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("missing shards: 2/3") || err.contains("given twice"),
            "{err}"
        );
    }
}

#[test]
fn emit_job_prints_an_indexed_job_and_the_config_map_holding_the_file() {
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::ConfigMap;
    let dir = temp();
    let file = write_file(dir.path(), SMALL);
    let o = kubedrill(&[
        "bench",
        file.to_str().expect("utf-8"),
        "--emit-job",
        "--shards",
        "4",
        "--image",
        "example.org/kubedrill:test",
        "--seeds",
        "1..400",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    let docs: Vec<&str> = text.split("---\n").collect();
    let cm: ConfigMap = yaml_serde::from_str(docs[0]).expect("a ConfigMap");
    // The policy file the benchmark names travels inline: the file in the ConfigMap loads on
    // its own, with the same strategies.
    let shipped = cm.data.expect("data")["benchmark.yaml"].clone();
    assert!(
        !shipped.contains("policies/surge-1-0.yaml") && shipped.contains("kind: UpgradePolicy"),
        "{shipped}"
    );
    let alone = temp();
    let reloaded = file::load_str_in(&shipped, "shipped.yaml", alone.path()).expect("loads without the policy file");
    let original = file::load_str_in(SMALL, "bench.yaml", dir.path()).expect("loads");
    let names = |f: &file::BenchmarkFile| {
        let u = f.spec.upgrade.as_ref().expect("upgrade");
        u.strategies
            .iter()
            .map(|s| (s.name.clone(), s.policy_file.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&reloaded), names(&original));
    let job: Job = yaml_serde::from_str(docs[2]).expect("a Job");
    let spec = job.spec.expect("spec");
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    assert_eq!((spec.completions, spec.parallelism), (Some(4), Some(4)));
    let pod = spec.template.spec.expect("pod");
    let args = pod.containers[0].args.clone().expect("args").join(" ");
    assert!(
        args.contains("--shard $(JOB_COMPLETION_INDEX)/4") && args.contains("--seeds 1..400"),
        "{args}"
    );
    let mounts: Vec<String> = pod.volumes.expect("volumes").iter().map(|v| v.name.clone()).collect();
    assert_eq!(mounts, ["benchmark", "results"]);
}

#[test]
fn bad_files_and_flags_exit_2_naming_the_place() {
    let dir = temp();
    let file = write_file(dir.path(), &SMALL.replace("batch: 3}", "batch: 0}"));
    let o = kubedrill(&["bench", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bench.yaml:") && err.contains("at least 1"), "{err}");
    let good = write_file(dir.path(), SMALL);
    for (flag, value, says) in [("--shard", "3/3", "0 <= I < N"), ("--seeds", "9..2", "A <= B")] {
        let o = kubedrill(&["bench", good.to_str().expect("utf-8"), flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(says));
    }
}

/// A benchmark file of `seeds` seeds from 1 on one pool of `workers` workers, with
/// `workloads` and then `rest` (indented as keys of `spec`).
fn bench_text(name: &str, seeds: u32, workers: &str, workloads: &str, rest: &str) -> String {
    format!(
        "apiVersion: kubedrill/v1\nkind: StrategyBenchmark\nmetadata: {{name: {name}}}\nspec:\n  seeds: {{from: 1, count: {seeds}}}\n  cluster:\n    pools: [{{name: general, nodes: {workers}}}]\n    workloads: {workloads}\n{rest}"
    )
}

/// Runs a benchmark file's text in process, every seed, every strategy.
fn run_text(text: &str) -> Results {
    let f = file::load_str(text, "inline.yaml").expect("loads");
    let opts = Options {
        seeds: None,
        shard: None,
    };
    run::run(&f, text, &opts, false).expect("runs")
}

fn rows_of<'a>(r: &'a Results, strategy: &str) -> Vec<&'a Row> {
    r.rows.iter().filter(|row| row.strategy == strategy).collect()
}

fn mean(r: &Results, strategy: &str, m: M) -> f64 {
    let v: Vec<f64> = rows_of(r, strategy).iter().filter_map(|row| row.get(m)).collect();
    assert!(!v.is_empty(), "{strategy} has no {m:?}");
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn the_metrics_move_the_way_the_strategies_say() {
    // Goal: each metric reflects what its strategy does. Method: one in-process run of the
    // small file (faults off, so differences are the strategies'), then properties per row.
    // (Every workload under a budget: a workload without one may lose all its replicas at once.)
    let text = SMALL
        .replace("nodeCrash: {perNodeHour: 0.2, downtime: 3m}", "{}")
        .replace(
            "pdb: {none: 1, maxUnavailable1: 2, minAvailable1: 1}",
            "pdb: {maxUnavailable1: 2, minAvailable1: 1}",
        );
    let f = file::load_str(&text, "small.yaml").expect("loads");
    let r = run::run(
        &f,
        &text,
        &Options {
            seeds: None,
            shard: None,
        },
        false,
    )
    .expect("runs");
    assert!(
        r.rows.iter().all(|row| row.outcome == "done"),
        "{:?}",
        r.rows.iter().map(|r| &r.outcome).collect::<Vec<_>>()
    );
    // Parallel drains finish sooner; nobody pays for extra machines in place.
    assert!(mean(&r, "batch-3", M::Makespan) < mean(&r, "serial", M::Makespan));
    assert_eq!(mean(&r, "in-place", M::ExtraNodeHours), 0.0);
    assert!(mean(&r, "surge-2", M::ExtraNodeHours) > 0.0);
    // The UpgradePolicy strategies ran through the policy driver: a surge pays for machines,
    // an in-place one does not.
    assert!(mean(&r, "policy-surge", M::ExtraNodeHours) > 0.0);
    assert_eq!(mean(&r, "policy-inline", M::ExtraNodeHours), 0.0);
    assert!(mean(&r, "blue-green", M::ExtraNodeHours) > mean(&r, "surge-2", M::ExtraNodeHours) * 0.5);
    // Blue-green cordons the whole blue pool first: each replica moves at most once.
    assert!(
        rows_of(&r, "blue-green")
            .iter()
            .all(|row| row.get(M::DisruptionsMax) == Some(1.0))
    );
    // Budgets respected: no workload under its floor, no overrides, no skew.
    for row in r.rows.iter().filter(|row| row.group != "restore") {
        assert_eq!(row.get(M::AvailabilityMin), Some(1.0), "{row:?}");
        assert_eq!(row.get(M::PdbOverrides), Some(0.0));
        assert_eq!(row.get(M::SkewViolations), Some(0.0));
        assert_eq!(row.get(M::CordonedAtEnd), Some(0.0));
        assert!(
            row.get(M::Waiting).unwrap_or(0.0) + row.get(M::Working).unwrap_or(0.0)
                - row.get(M::Makespan).unwrap_or(0.0)
                < 0.01
        );
    }
    // Restores: a survivor's snapshot loses nothing; an hourly backup loses up to an hour
    // (plus the upload); replacing one member keeps the API up, but a quorum loss stops it.
    for row in rows_of(&r, "survivor/quorumLoss") {
        assert_eq!((row.get(M::Rpo), row.get(M::RevisionsLost)), (Some(0.0), Some(0.0)));
        assert!(
            row.get(M::Rto).unwrap_or(0.0) >= 60.0,
            "detection alone is 60 s: {row:?}"
        );
    }
    for row in rows_of(&r, "hourly/quorumLoss") {
        let rpo = row.get(M::Rpo).unwrap_or(-1.0);
        assert!(rpo > 0.0 && rpo <= 3630.0, "{row:?}");
        assert!(row.get(M::RevisionsLost).unwrap_or(0.0) > 0.0);
        // The incident leaves one member; restoring the backup stops that one too.
        assert_eq!(row.get(M::MinMembers), Some(0.0));
        assert!(row.get(M::NoQuorum).unwrap_or(0.0) > 0.0);
    }
    for row in rows_of(&r, "replace/memberDiskLoss") {
        assert_eq!(
            (row.get(M::Rto), row.get(M::Rpo), row.get(M::ApiUnavailable)),
            (Some(0.0), Some(0.0), Some(0.0))
        );
        assert!(row.get(M::Recovered).unwrap_or(0.0) > 60.0);
    }
    // Under quorum loss, replacing members falls back to the backup: the same as restoring it.
    assert_eq!(
        mean(&r, "replace/quorumLoss", M::Rpo),
        mean(&r, "hourly/quorumLoss", M::Rpo)
    );
}

#[test]
fn a_budget_that_allows_nothing_times_out_and_the_drain_option_decides() {
    // Goal: drain options change the outcome. Method: every workload under minAvailable: all;
    // skipNode leaves the nodes as they were, forceDelete overrides the budgets.
    let text = SMALL
        .replace("pdb: {none: 1, maxUnavailable1: 2, minAvailable1: 1}", "pdb: {minAvailableAll: 1}")
        .replace("nodeCrash: {perNodeHour: 0.2, downtime: 3m}", "{}")
        .replace(
            "      - {name: serial}\n      - {name: batch-3, batch: 3}",
            "      - {name: skip, drain: {timeout: 1m, onTimeout: skipNode}}\n      - {name: force, drain: {timeout: 1m, onTimeout: forceDelete}}\n      - {name: fail, drain: {timeout: 1m, onTimeout: fail}}",
        );
    let text = text[..text.find("  upgrade:").expect("upgrade")].to_string();
    let f = file::load_str(&text, "deadlock.yaml").expect("loads");
    let r = run::run(
        &f,
        &text,
        &Options {
            seeds: Some((1, 1)),
            shard: None,
        },
        false,
    )
    .expect("runs");
    let skip = rows_of(&r, "skip")[0];
    assert_eq!(skip.outcome, "done");
    assert_eq!(skip.get(M::PdbOverrides), Some(0.0));
    assert!(skip.get(M::PdbBlocked).unwrap_or(0.0) >= 60.0, "{skip:?}");
    let force = rows_of(&r, "force")[0];
    assert!(force.get(M::PdbOverrides).unwrap_or(0.0) > 0.0, "{force:?}");
    assert!(
        force.get(M::AvailabilityMin).unwrap_or(1.0) < 1.0,
        "forced deletions take workloads below their floor"
    );
    let fail = rows_of(&r, "fail")[0];
    assert!(fail.outcome.contains("timed out"), "{}", fail.outcome);
}

/// `bench --workload drain|upgrade` times each part over `--rounds` runs and ends with the
/// ratio to the bare loop; the work is the same in every round (deterministic), so one trace
/// count is printed.
#[test]
fn the_sweep_bench_reports_the_median_of_its_rounds_and_ends_with_the_ratio() {
    for workload in ["drain", "upgrade"] {
        let o = kubedrill(&[
            "bench",
            "--workload",
            workload,
            "--workers",
            "4",
            "--pods",
            "60",
            "--rounds",
            "3",
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{workload}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("cluster: 7 nodes, 60 pods, built in ") && lines[0].ends_with("(median of 3)"),
            "{workload}: {out}"
        );
        assert!(
            lines[1].contains(" commands in ") && lines[1].contains("(median of 3; "),
            "{workload}: {out}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("trace events: ")).count(),
            1,
            "{out}"
        );
        let last = lines.last().expect("output");
        let ratio = last
            .strip_prefix("ratio to the bare loop: ")
            .and_then(|r| r.strip_suffix('x'));
        assert!(
            ratio.is_some_and(|r| r.parse::<f64>().is_ok_and(|x| x > 0.0)),
            "{workload}: {last}"
        );
    }
    let o = kubedrill(&["bench", "--workload", "drain", "--rounds", "0"]);
    assert_eq!(o.status.code(), Some(2), "--rounds 0 is refused");
    let o = kubedrill(&["bench", "--workload", "policy", "--rounds", "3"]);
    assert_eq!(o.status.code(), Some(2), "--rounds is not for the policy workload");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--rounds goes with --workload drain or upgrade"));
}

/// A policy's soaks are waiting, not working: the same in-place policy with a 5-minute soak
/// after each node waits five minutes per node more (3 control planes, 4 workers), and works
/// no longer. (No budgets here, so no drain waits on one.)
#[test]
fn a_policys_soaks_count_as_waiting_in_the_makespan_split() {
    let r = run_text(&bench_text(
        "soaks",
        1,
        "{uniform: [4, 4]}",
        "{count: 2, replicas: {choice: [2]}, pdb: {none: 1}}",
        "  upgrade:
    strategies:
      - name: no-soak
        policy: {apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {name: a}, spec: {target: {version: next-minor}}}
      - name: soak-5m
        policy: {apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {name: b}, spec: {target: {version: next-minor}, soakAfterEachNode: 5m}}
",
    ));
    assert!(r.rows.iter().all(|row| row.outcome == "done"), "{:?}", r.rows);
    let waited = mean(&r, "soak-5m", M::Waiting) - mean(&r, "no-soak", M::Waiting);
    assert!(
        (waited - 7.0 * 300.0).abs() < 1.0,
        "seven nodes soaked 5m each: {waited} s more waiting"
    );
    let worked = mean(&r, "soak-5m", M::Working) - mean(&r, "no-soak", M::Working);
    assert!(worked.abs() < 120.0, "the soak is not work: {worked} s more working");
}

/// A policy's `kubectl drain` blocked by a budget is waiting, as a built-in strategy's
/// `wait pdb` steps are: the time some drain had a refused eviction pending, counted once
/// however many nodes were blocked, so never more than the budget-blocked node-seconds.
#[test]
fn a_policys_drain_blocked_by_a_budget_counts_as_waiting() {
    let r = run_text(&bench_text(
        "blocked",
        3,
        "{uniform: [4, 6]}",
        "{count: 6, replicas: {choice: [2, 3]}, pdb: {maxUnavailable1: 1}}",
        "  upgrade:
    strategies:
      - name: in-place
        policy: {apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {name: a}, spec: {target: {version: next-minor}}}
",
    ));
    let rows = rows_of(&r, "in-place");
    assert!(rows.iter().all(|row| row.outcome == "done"), "{rows:?}");
    let get = |row: &Row, m: M| row.get(m).expect("a value");
    assert!(
        rows.iter().any(|row| get(row, M::Waiting) > 0.0),
        "some drain waited on a budget: {rows:?}"
    );
    for row in rows {
        assert!(get(row, M::Waiting) <= get(row, M::PdbBlocked) + 0.001, "{row:?}");
        assert!(
            (get(row, M::Waiting) + get(row, M::Working) - get(row, M::Makespan)).abs() < 0.01,
            "{row:?}"
        );
    }
}

/// `nodeProvision` applies to a policy's machines as to the built-in strategies': each new
/// machine joins that long after it was asked for, the policy waits for it (waiting, not
/// working), and it is billed from the request.
#[test]
fn a_policys_machines_take_node_provision_to_join_and_are_billed_from_the_request() {
    let run_with = |provision: &str| {
        let r = run_text(&bench_text(
            "provisioning",
            1,
            "{uniform: [4, 4]}",
            "{count: 2, replicas: {choice: [2]}, pdb: {none: 1}}",
            &format!(
                "  timings: {{nodeProvision: {provision}}}
  upgrade:
    strategies:
      - name: surge
        policy: {{apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {{name: s}}, spec: {{target: {{version: next-minor}}, workers: {{strategy: Surge, maxSurge: 1, maxUnavailable: 0}}}}}}
"
            ),
        ));
        assert!(r.rows.iter().all(|row| row.outcome == "done"), "{:?}", r.rows);
        (
            mean(&r, "surge", M::Waiting),
            mean(&r, "surge", M::Working),
            mean(&r, "surge", M::ExtraNodeHours),
        )
    };
    let (wait_0, work_0, extra_0) = run_with("0s");
    let (wait_5, work_5, extra_5) = run_with("5m");
    // Four workers, one new machine each, five minutes apiece.
    assert!(
        (wait_5 - wait_0 - 4.0 * 300.0).abs() < 1.0,
        "waiting {wait_0} -> {wait_5}"
    );
    assert!((work_5 - work_0).abs() < 60.0, "working {work_0} -> {work_5}");
    assert!(
        extra_5 - extra_0 >= 4.0 * 300.0 / 3600.0 - 0.01,
        "extra node-hours {extra_0} -> {extra_5}"
    );
}

/// `capacityShortage`: on a seed that faces one, the cloud gives at most `surgeAvailable`
/// machines beyond the cluster's. A surge makes no more than that at once, and fails with
/// none; a blue-green pool larger than that is not started; a surge policy is refused its
/// machine and aborts. In place needs no machine and is not touched.
#[test]
fn a_capacity_shortage_caps_surges_and_stops_what_needs_more_machines() {
    let run_with = |available: u32| {
        run_text(&bench_text(
            "shortage",
            1,
            "{uniform: [4, 4]}",
            "{count: 2, replicas: {choice: [2]}, pdb: {none: 1}}",
            &format!(
                "  faults: {{capacityShortage: {{p: 1, surgeAvailable: {available}}}}}
  upgrade:
    strategies:
      - {{name: in-place, type: InPlace}}
      - {{name: surge-2, type: Surge, maxSurge: 2}}
      - {{name: blue-green, type: BlueGreen, batch: 2}}
      - name: policy-surge
        policy: {{apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {{name: s}}, spec: {{target: {{version: next-minor}}, workers: {{strategy: Surge, maxSurge: 1, maxUnavailable: 0}}}}}}
"
            ),
        ))
    };
    let outcome = |r: &Results, s: &str| rows_of(r, s)[0].outcome.clone();
    let one = run_with(1);
    assert_eq!(outcome(&one, "in-place"), "done");
    assert_eq!(
        outcome(&one, "surge-2"),
        "done",
        "a surge of 2 goes one machine at a time"
    );
    assert!(mean(&one, "surge-2", M::ExtraNodeHours) > 0.0, "it made its machines");
    assert!(
        outcome(&one, "blue-green").contains("no capacity"),
        "{}",
        outcome(&one, "blue-green")
    );
    assert_eq!(outcome(&one, "policy-surge"), "done", "one machine at a time is enough");
    let none = run_with(0);
    assert_eq!(outcome(&none, "in-place"), "done");
    for s in ["surge-2", "blue-green", "policy-surge"] {
        assert!(outcome(&none, s).contains("no capacity"), "{s}: {}", outcome(&none, s));
    }
    // With room for the whole green pool, blue-green goes ahead.
    let plenty = run_with(100);
    assert_eq!(outcome(&plenty, "blue-green"), "done");
}

/// `badImage`: a machine that never joins. A surge or blue-green waits for it (ten minutes)
/// and fails saying so; a surge policy waits for it to be Ready and aborts; in place makes no
/// machine. With `p: 0` every machine joins.
#[test]
fn a_bad_image_stops_what_waits_for_a_new_machine() {
    let run_with = |p: &str| {
        run_text(&bench_text(
            "bad-image",
            1,
            "{uniform: [3, 3]}",
            "{count: 2, replicas: {choice: [2]}, pdb: {none: 1}}",
            &format!(
                "  faults: {{badImage: {{p: {p}}}}}
  upgrade:
    strategies:
      - {{name: in-place, type: InPlace}}
      - {{name: surge, type: Surge, maxSurge: 1}}
      - {{name: blue-green, type: BlueGreen}}
      - name: policy-surge
        policy: {{apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata: {{name: s}}, spec: {{target: {{version: next-minor}}, workers: {{strategy: Surge, maxSurge: 1, maxUnavailable: 0}}}}}}
"
            ),
        ))
    };
    let outcome = |r: &Results, s: &str| rows_of(r, s)[0].outcome.clone();
    let bad = run_with("1");
    assert_eq!(outcome(&bad, "in-place"), "done");
    for s in ["surge", "blue-green"] {
        assert!(
            outcome(&bad, s).contains("did not join within 10m0s (bad image)"),
            "{s}: {}",
            outcome(&bad, s)
        );
    }
    assert!(
        outcome(&bad, "policy-surge").contains("is not Ready"),
        "{}",
        outcome(&bad, "policy-surge")
    );
    let good = run_with("0");
    for s in ["in-place", "surge", "blue-green", "policy-surge"] {
        assert_eq!(outcome(&good, s), "done", "{s}");
    }
}

/// Serial drains of `seeds` seeds, 6 workers and 3 Deployments of 2 replicas, on `cps`
/// control planes, under `faults`.
fn serial_drains(name: &str, seeds: u32, cps: u32, faults: &str) -> String {
    let rest = format!("  faults: {faults}\n  drain:\n    strategies: [{{name: serial}}]\n");
    bench_text(name, seeds, "6", "{count: 3, replicas: 2}", &rest)
        .replace("  cluster:\n", &format!("  cluster:\n    controlPlanes: {cps}\n"))
}

#[test]
fn etcd_partitions_show_in_the_healthy_member_count() {
    // Goal: `spec.faults.etcdPartition` cuts members off during the run, and the safety
    // counters see it: fewer members healthy, yet never fewer than a quorum (faults alone
    // never break it). Method: serial drains of the same seeds with frequent partitions and
    // with none.
    let text = |faults: &str| serial_drains("partitions", 3, 3, faults);
    let calm = run_text(&text("{}"));
    let cut = run_text(&text("{etcdPartition: {perHour: 60, duration: 2m}}"));
    for row in rows_of(&calm, "serial") {
        assert_eq!(row.get(M::MinMembers), Some(3.0), "{row:?}");
    }
    for row in rows_of(&cut, "serial") {
        assert_eq!(row.get(M::MinMembers), Some(2.0), "a member cut off: {row:?}");
        assert_eq!(row.get(M::NoQuorum), Some(0.0), "{row:?}");
        assert_eq!(
            row.get(M::ApiUnavailable),
            Some(0.0),
            "cp1's API server keeps serving: {row:?}"
        );
    }
}

#[test]
fn controller_restarts_delay_the_replacements() {
    // Goal: `spec.faults.controllerRestart` pauses the controllers, so an evicted replica is
    // replaced later and replicas stay unavailable longer. Method: serial drains of the same
    // seeds with frequent two-minute restarts and with none, on one control plane (with
    // standbys a restart costs the 15 s lease at most: see the next test).
    let text = |faults: &str| serial_drains("restarts", 3, 1, faults);
    let calm = run_text(&text("{}"));
    let restarts = run_text(&text("{controllerRestart: {perHour: 60, downtime: 2m}}"));
    let (before, after) = (
        mean(&calm, "serial", M::PodUnavailable),
        mean(&restarts, "serial", M::PodUnavailable),
    );
    assert!(after > before * 5.0, "pod-unavailable seconds {before} -> {after}");
    for row in rows_of(&restarts, "serial") {
        assert_eq!(row.outcome, "done", "{row:?}");
    }
}

#[test]
fn only_the_leaders_restart_hands_the_lease_on() {
    // Goal: a controller-manager restart pauses the controllers only when the restarted one
    // leads, and each such restart is one leader election. Method: the same restart times
    // (one random stream, drawn alike for any number of control planes; rare enough that
    // restarts seldom overlap) on 1 and on 3 control planes: on one, every restart is the
    // leader's; on three, most hit a standby, and a leader's costs the 15 s lease only.
    let text = |cps: u32| serial_drains("leader", 6, cps, "{controllerRestart: {perHour: 20}}");
    let (single, ha) = (run_text(&text(1)), run_text(&text(3)));
    let elections = |r: &Results| -> f64 {
        rows_of(r, "serial")
            .iter()
            .filter_map(|row| row.get(M::LeaderElections))
            .sum()
    };
    let (one, three) = (elections(&single), elections(&ha));
    assert!(one >= 3.0, "every seed restarts its only controller-manager: {one}");
    // About one restart in three hits the leader (18 elections against 4 when written).
    assert!(
        three * 2.0 < one,
        "a standby's restart elects nobody: {three} against {one}"
    );
    let unavailable = |r: &Results| mean(r, "serial", M::PodUnavailable);
    assert!(
        unavailable(&ha) < unavailable(&single),
        "fewer pauses, fewer replica-seconds lost: {} vs {}",
        unavailable(&ha),
        unavailable(&single)
    );
}

/// `machine:` gives the new nodes of a surge or blue-green another size than the pool's. Green
/// machines that hold no pod but kube-proxy (`maxPods: 1`) leave the evicted replicas Pending,
/// so the drains wait on their budgets until they time out; the pool's own size, or a bigger
/// one, finishes. InPlace makes no machine and refuses the key.
#[test]
fn a_surge_or_blue_green_can_move_a_pool_to_another_machine() {
    let run_with = |machine: &str| {
        run_text(&bench_text(
            "machine",
            1,
            "{uniform: [3, 3]}",
            "{count: 2, replicas: {choice: [2]}, pdb: {maxUnavailable1: 1}}",
            &format!(
                "  upgrade:
    strategies:
      - {{name: surge, type: Surge, maxSurge: 1, drain: {{timeout: 10m, onTimeout: fail}}{machine}}}
      - {{name: blue-green, type: BlueGreen, drain: {{timeout: 10m, onTimeout: fail}}{machine}}}
"
            ),
        ))
    };
    let outcome = |r: &Results, s: &str| rows_of(r, s)[0].outcome.clone();
    for machine in ["", ", machine: {cpu: 16, memoryGi: 64}"] {
        let r = run_with(machine);
        assert_eq!(outcome(&r, "surge"), "done", "{machine}");
        assert_eq!(outcome(&r, "blue-green"), "done", "{machine}");
    }
    let tiny = run_with(", machine: {maxPods: 1}");
    for s in ["surge", "blue-green"] {
        assert!(outcome(&tiny, s).contains("timed out"), "{s}: {}", outcome(&tiny, s));
    }
    let refused = file::load_str(
        &bench_text(
            "machine",
            1,
            "3",
            "{count: 1, replicas: 2}",
            "  upgrade:\n    strategies:\n      - {name: in-place, type: InPlace, machine: {cpu: 8}}\n",
        ),
        "inline.yaml",
    )
    .expect_err("InPlace makes no machine");
    assert!(
        refused
            .to_string()
            .contains("spec.upgrade.strategies[0].machine: InPlace keeps its machines"),
        "{refused}"
    );
}

/// `controlPlanes: {strategy: Replace}`: Cluster API's KubeadmControlPlane roll. Adding first
/// (maxSurge 1) pays for a fourth machine and keeps four etcd members while it lasts (never
/// fewer than three healthy); removing first (maxSurge 0) pays nothing and goes down to two.
/// Both run a v1.31 kubelet beside v1.30 API servers for a while: the skew counter shows it,
/// where the in-place roll never does, and so does a roll that joins with kubeadm's
/// ControlPlaneKubeletLocalMode gate on (Cluster API from v1.31). Removing first is refused
/// below three control planes.
#[test]
fn control_planes_can_be_replaced_instead_of_upgraded_in_place() {
    let text = |cps: u32| {
        bench_text(
            "cp-replace",
            2,
            "4",
            "{count: 3, replicas: 2}",
            "  upgrade:
    strategies:
      - {name: in-place, type: InPlace}
      - {name: add-first, type: InPlace, controlPlanes: {strategy: Replace}}
      - {name: remove-first, type: InPlace, controlPlanes: {strategy: Replace, maxSurge: 0}}
      - {name: capi, type: InPlace, controlPlanes: {strategy: Replace, kubeletLocalMode: true}}
",
        )
        .replace("  cluster:\n", &format!("  cluster:\n    controlPlanes: {cps}\n"))
    };
    let r = run_text(&text(3));
    for s in ["in-place", "add-first", "remove-first"] {
        for row in rows_of(&r, s) {
            assert_eq!(row.outcome, "done", "{s}: {row:?}");
        }
    }
    assert_eq!(mean(&r, "in-place", M::SkewViolations), 0.0);
    assert!(mean(&r, "add-first", M::SkewViolations) > 0.0);
    assert!(mean(&r, "remove-first", M::SkewViolations) > 0.0);
    // Cluster API's joins at v1.31 turn on ControlPlaneKubeletLocalMode: no skew.
    assert_eq!(mean(&r, "capi", M::SkewViolations), 0.0);
    assert!(mean(&r, "add-first", M::ExtraNodeHours) > 0.0, "a fourth machine");
    assert_eq!(mean(&r, "remove-first", M::ExtraNodeHours), 0.0);
    assert_eq!(mean(&r, "add-first", M::MinMembers), 3.0);
    assert_eq!(mean(&r, "remove-first", M::MinMembers), 2.0);
    let single = run_text(&text(1));
    assert_eq!(rows_of(&single, "add-first")[0].outcome, "done");
    let refused = &rows_of(&single, "remove-first")[0].outcome;
    assert!(refused.contains("needs at least 3"), "{refused}");
    let bad =
        file::load_str(&text(3).replace("maxSurge: 0}", "maxSurge: 2}"), "inline.yaml").expect_err("one at a time");
    assert!(bad.to_string().contains("controlPlanes.maxSurge"), "{bad}");
    let bad = file::load_str(
        &text(3).replace(
            "{strategy: Replace, kubeletLocalMode: true}",
            "{strategy: InPlace, kubeletLocalMode: true}",
        ),
        "inline.yaml",
    )
    .expect_err("only joins");
    assert!(
        bad.to_string()
            .contains("controlPlanes.kubeletLocalMode: applies to the control planes a Replace roll joins"),
        "{bad}"
    );
}
