//! `du`: disk usage of a node's files, from the same sizes `ls -l` shows (snapshots and
//! databases from [`crate::etcd::snapshot_file`]).
//!
//! Usage is in allocated 4 KiB blocks, as on ext4: a directory takes one block, a file its size
//! rounded up, an etcd data dir its directories, its database and a preallocated 64 MB WAL
//! segment. `--apparent-size` (`-b`) counts bytes instead. GNU du's output: a line per
//! directory (post-order), `-a` adds files, `-s` only the operands, `-c` a total.

use crate::model::hostfs::{DataDir, DbBytes, Entry, Found, HostFs, WAL_SEGMENT_BYTES};
use crate::path::normalize;
use crate::shell::CommandOutput;

const BLOCK: u64 = 4096;

#[derive(Clone, Copy, Debug, Default)]
struct Options {
    summarize: bool,
    all: bool,
    human: bool,
    apparent: bool,
    total: bool,
    /// Output unit in bytes (1024 by default, 1 for `-b`, 1 MiB for `-m`).
    unit: u64,
    max_depth: Option<usize>,
}

/// Space a file of `bytes` takes: its size, or its blocks.
fn usage(bytes: u64, o: &Options) -> u64 {
    if o.apparent {
        bytes
    } else {
        bytes.div_ceil(BLOCK) * BLOCK
    }
}

/// GNU du's number: in units, rounded up; `-h` as 4.0K, 9.5M, 62M.
fn show(bytes: u64, o: &Options) -> String {
    if !o.human {
        return bytes.div_ceil(o.unit.max(1)).to_string();
    }
    if bytes < 1024 {
        return bytes.to_string();
    }
    let units = ["K", "M", "G", "T", "P"];
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        let tenths = (value * 10.0).ceil() / 10.0;
        if tenths < 10.0 {
            return format!("{tenths:.1}{}", units[unit]);
        }
    }
    format!("{}{}", value.ceil() as u64, units[unit])
}

pub(crate) fn du(fs: &HostFs, cwd: &str, args: &[String], db_bytes: DbBytes<'_>) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut o = Options {
        unit: 1024,
        ..Options::default()
    };
    let mut paths = Vec::new();
    let mut options_done = false;
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if options_done || a == "-" || !a.starts_with('-') {
            paths.push(a.clone());
            continue;
        }
        let depth = |v: &str, out: &mut CommandOutput| match v.parse::<usize>() {
            Ok(d) => Some(d),
            Err(_) => {
                fail(out, format!("du: invalid maximum depth '{v}'"));
                None
            }
        };
        match a.as_str() {
            "--" => options_done = true,
            "--summarize" => o.summarize = true,
            "--all" => o.all = true,
            "--human-readable" => o.human = true,
            "--apparent-size" => o.apparent = true,
            "--total" => o.total = true,
            "--bytes" => (o.apparent, o.unit) = (true, 1),
            long if long.starts_with("--max-depth=") => match depth(&long["--max-depth=".len()..], &mut out) {
                Some(d) => o.max_depth = Some(d),
                None => return out,
            },
            long if long.starts_with("--") => {
                fail(&mut out, format!("du: unrecognized option '{long}'"));
                return out;
            }
            short => {
                let flags: Vec<char> = short.chars().skip(1).collect();
                for (i, c) in flags.iter().enumerate() {
                    match c {
                        's' => o.summarize = true,
                        'a' => o.all = true,
                        'h' => o.human = true,
                        'c' => o.total = true,
                        'k' => o.unit = 1024,
                        'm' => o.unit = 1 << 20,
                        'b' => (o.apparent, o.unit) = (true, 1),
                        'x' | 'l' | 'L' | 'P' | 'H' | 'D' => {}
                        'd' => {
                            let rest: String = flags[i + 1..].iter().collect();
                            let value = if rest.is_empty() {
                                iter.next().cloned()
                            } else {
                                Some(rest)
                            };
                            let Some(value) = value else {
                                fail(&mut out, "du: option requires an argument -- 'd'".to_string());
                                return out;
                            };
                            match depth(&value, &mut out) {
                                Some(d) => o.max_depth = Some(d),
                                None => return out,
                            }
                            break;
                        }
                        other => {
                            fail(&mut out, format!("du: invalid option -- '{other}'"));
                            return out;
                        }
                    }
                }
            }
        }
    }
    if o.summarize && o.max_depth.is_some_and(|d| d > 0) {
        fail(
            &mut out,
            "du: warning: summarizing conflicts with --max-depth=1".to_string(),
        );
        return out;
    }
    if o.summarize {
        o.max_depth = Some(0);
    }
    if paths.is_empty() {
        paths.push(".".to_string());
    }
    let mut grand = 0;
    for p in &paths {
        let abs = normalize(&if p.starts_with('/') {
            p.clone()
        } else {
            format!("{cwd}/{p}")
        });
        let Some(node) = tree(fs, &abs, db_bytes) else {
            crate::shell::output::stderr(&mut out, format!("du: cannot access '{p}': No such file or directory"));
            out.status = 1;
            continue;
        };
        let mut lines = Vec::new();
        grand += report(&node, p, 0, &o, &mut lines);
        for (size, name) in lines {
            crate::shell::output::stdout(&mut out, format!("{}\t{name}", show(size, &o)));
        }
    }
    if o.total {
        crate::shell::output::stdout(&mut out, format!("{}\ttotal", show(grand, &o)));
    }
    out
}

fn fail(out: &mut CommandOutput, line: String) {
    crate::shell::output::stderr(out, line);
    crate::shell::output::stderr(out, "Try 'du --help' for more information.");
    out.status = 1;
}

/// What is under a path, with sizes: directories and files.
enum Node {
    Dir(Vec<(String, Node)>),
    File(u64),
}

/// The tree at `abs`, with a data dir's synthesised insides; `None` if nothing is there.
fn tree(fs: &HostFs, abs: &str, db_bytes: DbBytes<'_>) -> Option<Node> {
    let wal = || {
        Node::Dir(vec![(
            "0000000000000000-0000000000000000.wal".into(),
            Node::File(WAL_SEGMENT_BYTES),
        )])
    };
    let snap = |dir: &str| Node::Dir(vec![("db".into(), Node::File(db_bytes(dir)))]);
    let member = |dir: &str| Node::Dir(vec![("snap".into(), snap(dir)), ("wal".into(), wal())]);
    match fs.find(abs) {
        Some(Found::Entry(Entry::DataDir(DataDir::Empty))) => Some(Node::Dir(Vec::new())),
        Some(Found::Entry(Entry::DataDir(_))) => Some(Node::Dir(vec![("member".into(), member(abs))])),
        Some(Found::Entry(Entry::Dir)) => Some(directory(fs, abs, db_bytes)),
        Some(Found::Entry(e)) => Some(Node::File(e.size())),
        Some(Found::Db { dir }) => Some(Node::File(db_bytes(&dir))),
        Some(Found::DataSubdir) => {
            if let Some(dir) = abs.strip_suffix("/member") {
                Some(member(dir))
            } else if let Some(dir) = abs.strip_suffix("/member/snap") {
                Some(snap(dir))
            } else {
                Some(wal())
            }
        }
        None if abs == "/" => Some(directory(fs, abs, db_bytes)),
        None => None,
    }
}

fn directory(fs: &HostFs, abs: &str, db_bytes: DbBytes<'_>) -> Node {
    let children = fs
        .children(abs)
        .into_iter()
        .filter_map(|(name, _)| {
            let path = if abs == "/" {
                format!("/{name}")
            } else {
                format!("{abs}/{name}")
            };
            tree(fs, &path, db_bytes).map(|n| (name, n))
        })
        .collect();
    Node::Dir(children)
}

/// The usage of `node` (shown as `shown`), adding its lines in du's order (post-order).
fn report(node: &Node, shown: &str, depth: usize, o: &Options, lines: &mut Vec<(u64, String)>) -> u64 {
    let printed = o.max_depth.is_none_or(|m| depth <= m);
    match node {
        Node::File(bytes) => {
            let size = usage(*bytes, o);
            if depth == 0 || (o.all && printed) {
                lines.push((size, shown.to_string()));
            }
            size
        }
        Node::Dir(children) => {
            let mut total = usage(BLOCK, o);
            for (name, child) in children {
                let path = if shown.ends_with('/') {
                    format!("{shown}{name}")
                } else {
                    format!("{shown}/{name}")
                };
                total += report(child, &path, depth + 1, o, lines);
            }
            if printed {
                lines.push((total, shown.to_string()));
            }
            total
        }
    }
}
