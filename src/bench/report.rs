//! Results: one row per strategy × seed, the summary per strategy (mean, p50, p95, max of each
//! metric), and their three forms — a table for people, `results.csv` and `results.json`.
//!
//! Both files are functions of the rows alone, and every number is rounded to its column's
//! decimals before it is written, so the same file and seeds give the same bytes, and a
//! merge of shards (which reads the rows back from JSON) writes what one run would have.

use super::metrics::{COLUMNS, M, Metrics};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One strategy on one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub group: String,
    pub strategy: String,
    pub seed: u64,
    pub outcome: String,
    /// In [`COLUMNS`] order, rounded.
    pub values: Vec<Option<f64>>,
    /// Share of replicas Ready over time (minutes, share), for the availability plot: kept
    /// for the first seed of the range only (the one plotted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<(f64, f64)>,
}

impl Row {
    /// A row; `keep_series` for the seed the availability plot shows.
    pub fn new(group: &str, strategy: &str, seed: u64, outcome: &str, m: &Metrics, keep_series: bool) -> Self {
        Self {
            group: group.to_string(),
            strategy: strategy.to_string(),
            seed,
            outcome: outcome.to_string(),
            values: m
                .values
                .iter()
                .zip(COLUMNS)
                .map(|(v, c)| v.map(|x| round(x, c.decimals)))
                .collect(),
            series: if keep_series {
                m.series.iter().map(|(t, s)| (round(*t, 3), round(*s, 4))).collect()
            } else {
                Vec::new()
            },
        }
    }

    pub fn get(&self, m: M) -> Option<f64> {
        self.values.get(m as usize).copied().flatten()
    }
}

fn round(x: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    let r = (x * f).round() / f;
    // No negative zero in the files.
    if r == 0.0 { 0.0 } else { r }
}

/// The statistics of the summary, in order.
pub const STATS: [&str; 5] = ["mean", "p50", "p95", "max", "min"];

/// One strategy's summary: for each stat, each column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub group: String,
    pub strategy: String,
    pub runs: u32,
    /// Runs whose strategy finished (`done`).
    pub done: u32,
    /// `stats[i][c]`: stat `STATS[i]` of column `c`.
    pub stats: Vec<Vec<Option<f64>>>,
}

/// The summary of `rows` for each strategy of `order`.
pub fn summarize(order: &[(String, String)], rows: &[Row]) -> Vec<Summary> {
    order
        .iter()
        .map(|(group, strategy)| {
            let mine: Vec<&Row> = rows
                .iter()
                .filter(|r| r.strategy == *strategy && r.group == *group)
                .collect();
            let stats = STATS
                .iter()
                .map(|stat| {
                    (0..COLUMNS.len())
                        .map(|c| {
                            let mut v: Vec<f64> = mine.iter().filter_map(|r| r.values[c]).collect();
                            v.sort_by(f64::total_cmp);
                            stat_of(stat, &v).map(|x| round(x, COLUMNS[c].decimals.max(1)))
                        })
                        .collect()
                })
                .collect();
            Summary {
                group: group.clone(),
                strategy: strategy.clone(),
                runs: mine.len() as u32,
                done: mine.iter().filter(|r| r.outcome == "done").count() as u32,
                stats,
            }
        })
        .collect()
}

/// A statistic of sorted values (nearest rank for the quantiles).
fn stat_of(stat: &str, v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Some(match stat {
        "mean" => v.iter().sum::<f64>() / v.len() as f64,
        "p50" => rank(0.5),
        "p95" => rank(0.95),
        "min" => v[0],
        _ => v[v.len() - 1],
    })
}

impl Summary {
    pub fn stat(&self, stat: &str, m: M) -> Option<f64> {
        let i = STATS.iter().position(|s| *s == stat)?;
        self.stats[i][m as usize]
    }
}

/// What `results.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub benchmark: String,
    /// FNV-1a of the benchmark file's text: shards of different files do not merge.
    pub file_digest: String,
    pub seeds: SeedRange,
    /// `{index, count}` for a shard's output; absent for a whole run (and a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardSpec>,
    /// (group, strategy) in the file's order.
    pub strategies: Vec<(String, String)>,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub summary: Vec<Summary>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub from: u64,
    pub count: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl Results {
    /// Rows sorted in the file's strategy order, then by seed; the summary recomputed.
    pub fn new(
        benchmark: &str,
        file_digest: &str,
        seeds: SeedRange,
        shard: Option<ShardSpec>,
        strategies: Vec<(String, String)>,
        mut rows: Vec<Row>,
    ) -> Self {
        let pos = |r: &Row| {
            strategies
                .iter()
                .position(|(g, s)| *g == r.group && *s == r.strategy)
                .unwrap_or(usize::MAX)
        };
        rows.sort_by(|a, b| pos(a).cmp(&pos(b)).then(a.seed.cmp(&b.seed)));
        let summary = summarize(&strategies, &rows);
        Self {
            benchmark: benchmark.to_string(),
            file_digest: file_digest.to_string(),
            seeds,
            shard,
            strategies,
            columns: COLUMNS.iter().map(|c| c.name.to_string()).collect(),
            rows,
            summary,
        }
    }

    /// Pretty at the top, one row (and one summary) per line: readable, diffable, and not
    /// one number per line.
    pub fn to_json(&self) -> String {
        let j = |v: &dyn erased::Json| v.json();
        let mut s = String::from("{\n");
        let _ = writeln!(s, "  \"benchmark\": {},", j(&self.benchmark));
        let _ = writeln!(s, "  \"file_digest\": {},", j(&self.file_digest));
        let _ = writeln!(s, "  \"seeds\": {},", j(&self.seeds));
        if let Some(shard) = &self.shard {
            let _ = writeln!(s, "  \"shard\": {},", j(shard));
        }
        let _ = writeln!(s, "  \"strategies\": {},", j(&self.strategies));
        let _ = writeln!(s, "  \"columns\": {},", j(&self.columns));
        for (key, items, last) in [
            ("rows", self.rows.iter().map(|r| j(r)).collect::<Vec<_>>(), false),
            ("summary", self.summary.iter().map(|r| j(r)).collect::<Vec<_>>(), true),
        ] {
            let _ = writeln!(s, "  \"{key}\": [");
            let n = items.len();
            for (i, item) in items.into_iter().enumerate() {
                let _ = writeln!(s, "    {item}{}", if i + 1 < n { "," } else { "" });
            }
            let _ = writeln!(s, "  ]{}", if last { "" } else { "," });
        }
        s.push_str("}\n");
        s
    }

    /// `group,strategy,seed,stat,outcome,<metrics>`: the runs (`stat` = `run`), then each
    /// strategy's summary rows (no seed; `outcome` = `done N/M`).
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let mut header = vec!["group", "strategy", "seed", "stat", "outcome"];
        header.extend(COLUMNS.iter().map(|c| c.name));
        let _ = w.write_record(&header);
        let cell = |v: Option<f64>, c: usize| v.map(|x| format!("{x:.*}", COLUMNS[c].decimals)).unwrap_or_default();
        for r in &self.rows {
            let mut rec = vec![
                r.group.clone(),
                r.strategy.clone(),
                r.seed.to_string(),
                "run".into(),
                r.outcome.clone(),
            ];
            rec.extend(r.values.iter().enumerate().map(|(c, v)| cell(*v, c)));
            let _ = w.write_record(&rec);
        }
        for s in &self.summary {
            for (i, stat) in STATS.iter().enumerate() {
                let mut rec = vec![
                    s.group.clone(),
                    s.strategy.clone(),
                    String::new(),
                    stat.to_string(),
                    format!("done {}/{}", s.done, s.runs),
                ];
                rec.extend(s.stats[i].iter().enumerate().map(|(c, v)| {
                    v.map(|x| format!("{x:.*}", COLUMNS[c].decimals.max(1)))
                        .unwrap_or_default()
                }));
                let _ = w.write_record(&rec);
            }
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// One table per group, one row per strategy, with the first strategy as the baseline.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        for group in ["drain", "upgrade", "restore"] {
            let mine: Vec<&Summary> = self.summary.iter().filter(|s| s.group == group).collect();
            if mine.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "{group} strategies ({} seeds from {}):",
                self.seeds.count, self.seeds.from
            );
            out.push_str(&table(group, &mine).to_string());
            out.push('\n');
        }
        out
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_else(|| "-".to_string())
}

/// `p50 / p95 / max` of a column.
fn spread(s: &Summary, m: M, decimals: usize) -> String {
    format!(
        "{} / {} / {}",
        num(s.stat("p50", m), decimals),
        num(s.stat("p95", m), decimals),
        num(s.stat("max", m), decimals)
    )
}

/// `1.00x` against the baseline's value.
fn ratio(v: Option<f64>, base: Option<f64>) -> String {
    match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}x", v / b),
        (Some(0.0), Some(_)) => "1.00x".to_string(),
        _ => "-".to_string(),
    }
}

fn table(group: &str, rows: &[&Summary]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::ASCII_MARKDOWN);
    let base = rows[0];
    if group == "restore" {
        t.set_header(vec![
            "strategy/incident",
            "done",
            "RPO s p50/p95/max",
            "revisions lost p50",
            "RTO s p50/p95/max",
            "recovered s p50",
            "API down s mean",
            "RTO vs first (p50)",
        ]);
        for s in rows {
            t.add_row(vec![
                s.strategy.clone(),
                format!("{}/{}", s.done, s.runs),
                spread(s, M::Rpo, 0),
                num(s.stat("p50", M::RevisionsLost), 0),
                spread(s, M::Rto, 0),
                num(s.stat("p50", M::Recovered), 0),
                num(s.stat("mean", M::ApiUnavailable), 0),
                ratio(s.stat("p50", M::Rto), base.stat("p50", M::Rto)),
            ]);
        }
        return t;
    }
    t.set_header(vec![
        "strategy",
        "done",
        "makespan s p50/p95/max",
        "waiting/working s p50",
        "max unavail (pods)",
        "pod-unavail s mean",
        "avail min (floor)",
        "PDB blocked s / overrides",
        "extra node-h mean",
        "disruptions/pod",
        "skew / no-quorum s / min members / elections cm, etcd",
        "vs first: makespan, pod-unavail",
    ]);
    for s in rows {
        t.add_row(vec![
            s.strategy.clone(),
            format!("{}/{}", s.done, s.runs),
            spread(s, M::Makespan, 0),
            format!(
                "{} / {}",
                num(s.stat("p50", M::Waiting), 0),
                num(s.stat("p50", M::Working), 0)
            ),
            num(s.stat("max", M::MaxUnavailable), 0),
            num(s.stat("mean", M::PodUnavailable), 0),
            num(s.stat("mean", M::AvailabilityMin), 4),
            format!(
                "{} / {}",
                num(s.stat("mean", M::PdbBlocked), 0),
                num(s.stat("max", M::PdbOverrides), 0)
            ),
            num(s.stat("mean", M::ExtraNodeHours), 2),
            format!(
                "{} (max {})",
                num(s.stat("mean", M::DisruptionsMean), 2),
                num(s.stat("max", M::DisruptionsMax), 0)
            ),
            format!(
                "{} / {} / {} / {}, {}",
                num(s.stat("max", M::SkewViolations), 0),
                num(s.stat("max", M::NoQuorum), 0),
                num(s.stat("min", M::MinMembers), 0),
                num(s.stat("max", M::LeaderElections), 0),
                num(s.stat("max", M::EtcdElections), 0)
            ),
            format!(
                "{}, {}",
                ratio(s.stat("p50", M::Makespan), base.stat("p50", M::Makespan)),
                ratio(s.stat("mean", M::PodUnavailable), base.stat("mean", M::PodUnavailable))
            ),
        ]);
    }
    t
}

/// One-line JSON of any serializable value (object-safe, for the writer above).
mod erased {
    pub(super) trait Json {
        fn json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}
