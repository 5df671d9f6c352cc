//! Sweeps past one machine: `--shard I/N` runs a deterministic slice of the seeds (every
//! N-th, from the I-th, so slices stay balanced), and `bench merge` puts shard outputs back
//! together into exactly the files one unsharded run writes.

use super::report::{Results, ShardSpec};
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// `I/N` with `0 <= I < N` (`$JOB_COMPLETION_INDEX/N` in an Indexed Job).
pub fn parse_shard(text: &str) -> Result<ShardSpec, String> {
    let bad = || format!("{text:?}: expected I/N with 0 <= I < N (e.g. 0/4)");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let index: u32 = i.trim().parse().map_err(|_| bad())?;
    let count: u32 = n.trim().parse().map_err(|_| bad())?;
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(ShardSpec { index, count })
}

/// `A..B`: seeds A to B, both included.
pub fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{text:?}: expected A..B (seeds A to B, both included; A <= B)");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().trim_start_matches('=').parse().map_err(|_| bad())?;
    if a > b || b == u64::MAX {
        return Err(bad());
    }
    Ok((a, b - a + 1))
}

/// The seeds of a shard: the k-th seed of the range (0-based) belongs to shard k mod N.
pub fn seeds_of(from: u64, count: u64, shard: Option<ShardSpec>) -> Vec<u64> {
    (0..count)
        .filter(|k| shard.is_none_or(|s| k % u64::from(s.count) == u64::from(s.index)))
        .map(|k| from + k)
        .collect()
}

/// Reads `DIR/results.json` of every shard, checks they are the shards of one run (same file,
/// seeds and shard count, every index once) and returns the merged results.
pub fn merge(dirs: &[PathBuf]) -> anyhow::Result<Results> {
    let mut parts = Vec::new();
    for d in dirs {
        let path = d.join("results.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let r: Results = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a kubedrill bench results file", path.display()))?;
        parts.push((path, r));
    }
    let Some((first_path, first)) = parts.first() else {
        anyhow::bail!("no shard directories given");
    };
    let count = first
        .shard
        .with_context(|| format!("{}: not a shard's output (no `shard`)", first_path.display()))?
        .count;
    let mut seen = vec![None::<&Path>; count as usize];
    for (path, r) in &parts {
        let same = r.benchmark == first.benchmark
            && r.file_digest == first.file_digest
            && r.seeds == first.seeds
            && r.strategies == first.strategies
            && r.columns == first.columns;
        anyhow::ensure!(
            same,
            "{} is from another run than {} (benchmark file, seeds or strategies differ)",
            path.display(),
            first_path.display()
        );
        let s = r
            .shard
            .with_context(|| format!("{}: not a shard's output", path.display()))?;
        anyhow::ensure!(
            s.count == count,
            "{}: shard {}/{} of another split than {count}",
            path.display(),
            s.index,
            s.count
        );
        if let Some(other) = seen[s.index as usize] {
            anyhow::bail!(
                "shard {}/{count} given twice: {} and {}",
                s.index,
                other.display(),
                path.display()
            );
        }
        seen[s.index as usize] = Some(path);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| format!("{i}/{count}"))
        .collect();
    anyhow::ensure!(missing.is_empty(), "missing shards: {}", missing.join(", "));
    let rows = parts.iter().flat_map(|(_, r)| r.rows.iter().cloned()).collect();
    Ok(Results::new(
        &first.benchmark,
        &first.file_digest,
        first.seeds,
        None,
        first.strategies.clone(),
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_seeds() {
        let all = seeds_of(10, 11, None);
        let mut union: Vec<u64> = (0..3)
            .flat_map(|i| seeds_of(10, 11, Some(ShardSpec { index: i, count: 3 })))
            .collect();
        union.sort_unstable();
        assert_eq!(union, all);
        assert_eq!(
            seeds_of(10, 11, Some(ShardSpec { index: 1, count: 3 })),
            vec![11, 14, 17, 20]
        );
    }

    #[test]
    fn bad_shards_and_ranges_are_refused() {
        assert!(parse_shard("3/3").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("x").is_err());
        assert_eq!(parse_shard("2/4"), Ok(ShardSpec { index: 2, count: 4 }));
        assert_eq!(parse_seeds("5..9"), Ok((5, 5)));
        assert_eq!(parse_seeds("5..=9"), Ok((5, 5)));
        assert!(parse_seeds("9..5").is_err());
        assert!(parse_seeds("a..b").is_err());
    }
}
