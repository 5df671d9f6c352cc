//! `kubedrill bench FILE`: every strategy on every seed's cluster, then the table, the files
//! and the plots.

use super::file::BenchmarkFile;
use super::report::{Results, Row, SeedRange, ShardSpec};
use super::strategies::Strategy;
use anyhow::Context as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub struct Options {
    pub seeds: Option<(u64, u64)>,
    pub shard: Option<ShardSpec>,
}

/// FNV-1a (64 bit) of a text, as 16 hex digits.
pub fn digest(text: &str) -> String {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// The seed range of a run: `--seeds` or the file's.
pub fn seed_range(f: &BenchmarkFile, flag: Option<(u64, u64)>) -> SeedRange {
    let (from, count) = flag.unwrap_or((f.spec.seeds.from, f.spec.seeds.count));
    SeedRange { from, count }
}

/// Runs the benchmark; `progress` shows a bar (on a terminal only).
pub fn run(f: &BenchmarkFile, text: &str, opts: &Options, progress: bool) -> anyhow::Result<Results> {
    let range = seed_range(f, opts.seeds);
    let seeds = super::shard::seeds_of(range.from, range.count, opts.shard);
    let strategies = Strategy::all(&f.spec);
    let bar = progress_bar(progress, (seeds.len() * strategies.len()) as u64);
    let mut rows = Vec::with_capacity(seeds.len() * strategies.len());
    for seed in &seeds {
        let g = super::generate::generate(&f.spec, *seed)?;
        let faults = super::faults::schedule(&f.spec.faults, &g);
        for s in &strategies {
            if let Some(b) = &bar {
                b.set_message(format!("seed {seed}: {}", s.label()));
            }
            let rec = super::strategies::run(s, &g, &f.spec, &faults)
                .with_context(|| format!("seed {seed}, strategy {}", s.label()))?;
            let m = super::metrics::compute(&g, &rec);
            rows.push(Row::new(
                s.group().name(),
                &s.label(),
                *seed,
                &rec.outcome,
                &m,
                *seed == range.from,
            ));
            if let Some(b) = &bar {
                b.inc(1);
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let order = strategies
        .iter()
        .map(|s| (s.group().name().to_string(), s.label()))
        .collect();
    Ok(Results::new(
        &f.metadata.name,
        &digest(text),
        range,
        opts.shard,
        order,
        rows,
    ))
}

fn progress_bar(on: bool, total: u64) -> Option<indicatif::ProgressBar> {
    if !on || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}  {msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// Writes `results.csv`, `results.json` and the plots into `dir` (created if needed).
pub fn write(dir: &Path, r: &Results) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = vec![
        ("results.csv".to_string(), r.to_csv()),
        ("results.json".to_string(), r.to_json()),
    ];
    files.extend(super::plots::all(r));
    let mut written = Vec::new();
    for (name, body) in files {
        let path = dir.join(&name);
        std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// What goes to stdout.
pub fn render(r: &Results, format: Format) -> String {
    match format {
        Format::Table => r.to_table(),
        Format::Csv => r.to_csv(),
        Format::Json => r.to_json(),
    }
}
