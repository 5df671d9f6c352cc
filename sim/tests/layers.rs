//! The sim crate's layers, checked on its source (the tree is the architecture).
//!
//! `runner → host → {engine, tools} → {model, shell} → etcd → release → leaf files`:
//! every `crate::…` path a file names must point to its own layer or one below it; a tool never
//! names the engine (`Sim`), the host glue or another tool (shared cobra behaviour and the API
//! seam excepted); and no import cycle crosses a folder. The checks read the files as text, so
//! they also run on a module nobody has wired in yet.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The leaf files: vocabulary every layer may use.
const LEAF: &[&str] = &[
    "time",
    "rng",
    "trace",
    "invariant",
    "path",
    "gotext",
    "tabwriter",
    "semver",
    "errors",
    "cow_vec",
    "memo",
];

/// What a top-level module of `sim/src` may import (besides itself): the leaf files and every
/// layer below it.
fn allowed(layer: &str) -> Vec<&'static str> {
    let with = |below: &[&'static str]| LEAF.iter().chain(below).copied().collect::<Vec<_>>();
    match layer {
        "rng" | "path" | "gotext" | "tabwriter" | "semver" | "errors" | "cow_vec" | "memo" => Vec::new(),
        "time" => vec!["gotext", "errors"],
        "trace" | "invariant" => vec!["time", "cow_vec"],
        "release" | "shell" => with(&[]),
        "etcd" => with(&["release"]),
        "model" => with(&["release", "etcd"]),
        "scenario" => with(&["release", "etcd", "model"]),
        "tools" | "engine" => with(&["release", "etcd", "model", "shell", "scenario"]),
        "host" => with(&["release", "etcd", "model", "shell", "scenario", "engine", "tools"]),
        "runner" => with(&[
            "release", "etcd", "model", "shell", "scenario", "engine", "tools", "host",
        ]),
        other => panic!("sim/src/{other} is in no layer: add it to tests/layers.rs"),
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read sim/src")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `tools/kubectl/get.rs` → ["tools", "kubectl", "get"].
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without comment lines (doc comments may name anything) and without its
/// `#[cfg(test)]` part: tests may build a whole simulator to test one tool.
fn code(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Files that are compiled only for tests: `tests.rs`, and modules declared under
/// `#[cfg(test)]` in their parent (`tools/fake_api.rs`).
fn test_only(file: &Path) -> bool {
    let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    if stem == "tests" {
        return true;
    }
    let Some(dir) = file.parent() else { return false };
    let parent = [dir.join("mod.rs"), dir.with_extension("rs"), dir.join("lib.rs")];
    parent
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .any(|text| {
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            lines
                .windows(2)
                .any(|w| w[0] == "#[cfg(test)]" && w[1].ends_with(&format!("mod {stem};")))
        })
}

/// Every `crate::a::b` path named in the code, as its segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let boundary_ok = i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let path: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        if boundary_ok {
            out.push(path.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect());
        }
        rest = after;
    }
    out
}

struct Source {
    module: Vec<String>,
    code: String,
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .filter(|f| !f.ends_with("lib.rs") && !test_only(f))
        .map(|f| Source {
            module: module_path(&f),
            code: code(&std::fs::read_to_string(&f).expect("read source")),
        })
        .collect()
}

/// Every rule broken, one line each (empty when the layout holds).
fn violations(sources: &[Source]) -> Vec<String> {
    let mut bad = Vec::new();
    for s in sources {
        let layer = s.module[0].as_str();
        let name = s.module.join("/");
        for path in crate_paths(&s.code) {
            let Some(target) = path.first() else { continue };
            if target == layer {
                if layer == "tools" {
                    bad.extend(tool_to_tool(&s.module, &path));
                }
                continue;
            }
            if !allowed(layer).contains(&target.as_str()) {
                bad.push(format!(
                    "{name} imports crate::{}, which is not below {layer}",
                    path.join("::")
                ));
            }
        }
        if layer == "tools" && names_sim(&s.code) {
            bad.push(format!("{name} names Sim: tools go through KubeApi/NodeApi"));
        }
    }
    bad.extend(folder_cycles(sources));
    bad
}

/// A tool may use the seams (`tools::api`) and cobra's shared behaviour, never another tool.
fn tool_to_tool(module: &[String], path: &[String]) -> Option<String> {
    let own = module.get(1)?;
    let other = path.get(1)?;
    if other == own || other == "api" || other == "cobra" {
        return None;
    }
    Some(format!(
        "{} imports another tool: crate::{}",
        module.join("/"),
        path.join("::")
    ))
}

fn names_sim(code: &str) -> bool {
    code.match_indices("Sim").any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + 3..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// Cycles between top-level folders (a folder importing one that imports it back).
fn folder_cycles(sources: &[Source]) -> Vec<String> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        for path in crate_paths(&s.code) {
            if let Some(t) = path.first()
                && *t != s.module[0]
            {
                edges.entry(s.module[0].clone()).or_default().insert(t.clone());
            }
        }
    }
    let mut bad = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            if reaches(&edges, to, from) {
                bad.push(format!("import cycle between folders: {from} → {to} → … → {from}"));
            }
        }
    }
    bad
}

fn reaches(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(edges.get(&n).into_iter().flatten().cloned());
        }
    }
    false
}

#[test]
fn imports_point_down_the_layers() {
    let bad = violations(&sources());
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn a_forbidden_import_is_caught() {
    // The checker itself: a tool that reaches into the engine, one that imports another tool,
    // a model file that imports a tool (and so closes a cycle), and a tool naming Sim.
    let fake = |module: &str, code: &str| Source {
        module: module.split('/').map(str::to_string).collect(),
        code: code.to_string(),
    };
    let sources = vec![
        fake("tools/kubectl/drain", "use crate::engine::Sim;"),
        fake("tools/crictl", "fn f() { crate::tools::kubectl::run(); }"),
        fake("model/objects", "use crate::tools::api::KubeApi;"),
        fake("tools/kubeadm/cmd", "fn f(s: &mut Sim) {}"),
        fake("engine/restore", "use crate::model::Pod;"),
    ];
    let bad = violations(&sources);
    assert!(
        bad.iter()
            .any(|b| b.contains("tools/kubectl/drain imports crate::engine::Sim")),
        "{bad:?}"
    );
    assert!(bad.iter().any(|b| b.contains("imports another tool")), "{bad:?}");
    assert!(
        bad.iter().any(|b| b.contains("model/objects imports crate::tools")),
        "{bad:?}"
    );
    assert!(bad.iter().any(|b| b.contains("tools/kubeadm/cmd names Sim")), "{bad:?}");
    assert!(
        bad.iter().any(|b| b.starts_with("import cycle between folders")),
        "{bad:?}"
    );
    assert!(!bad.iter().any(|b| b.starts_with("engine/restore")), "{bad:?}");
}

#[test]
fn the_sim_crate_pulls_in_no_io_crate() {
    // sans-IO: no async runtime, no etcd client, no process or filesystem crate as a normal
    // dependency of the simulator.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).expect("read sim/Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .unwrap_or_default();
    for banned in ["tokio", "etcd-client", "tempfile", "libc", "hyper", "axum", "reqwest"] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(banned)),
            "sim depends on {banned}"
        );
    }
}
