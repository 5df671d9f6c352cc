//! Reading scenario files (SCENARIO-FORMAT.md): YAML text to [`Scenario`], with every error
//! naming the file, the line and column, and what was expected.
//!
//! yaml_serde does the deserializing. Its errors carry a position and a path (`steps[2]`), but
//! the position is that of the enclosing mapping for unknown, duplicate and missing fields, it
//! has none for an empty stream or a second document, and a manifest refused by
//! [`Manifest`]'s own `Deserialize` loses its index. So the text is first walked by
//! `yaml_pos` (libyaml's events with their marks): syntax errors, empty files and extra
//! documents are reported from there, and yaml_serde's errors are then placed more precisely.

use crate::yaml_pos::{Index, Kind, Pos};
use kubedrill_sim::manifest::Manifest;
use kubedrill_sim::runner::ScenarioError;
use kubedrill_sim::scenario::Scenario;
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// A scenario file that cannot be used: exit status 2.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", Position(*.line, *.column))]
pub struct LoadError {
    pub file: String,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    pub message: String,
}

/// `:line:col`, `:line` or nothing.
struct Position(Option<usize>, Option<usize>);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, ":{line}:{column}"),
            (Some(line), None) => write!(f, ":{line}"),
            _ => Ok(()),
        }
    }
}

impl LoadError {
    fn new(file: &str, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message: message.into(),
        }
    }
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = read_text(path, "a scenario file")?;
    load_str(&text, &path.display().to_string())
}

/// A file's text; an unreadable or non-UTF-8 file is a [`LoadError`] (`kind` names the file's
/// kind in the message: "a scenario file").
pub(crate) fn read_text(path: &Path, kind: &str) -> Result<String, LoadError> {
    let file = path.display().to_string();
    let bytes = read_capped(path).map_err(|e| LoadError::new(&file, None, e))?;
    decode(bytes, &file, kind)
}

/// The most a scenario, policy or benchmark file may hold. Real ones are kilobytes; the cap is
/// what keeps `kubedrill run /dev/zero` (or a FIFO fed forever) from eating all memory.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// A file's bytes, refusing one past [`MAX_FILE_BYTES`] before reading it all; the error is
/// the message to show after the file's name.
pub(crate) fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| io_message(&e))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_message(&e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("File too large: more than {} MiB", MAX_FILE_BYTES >> 20));
    }
    Ok(bytes)
}

/// Parses a scenario from the bytes of a file; `file` names it in errors.
pub fn load_bytes(bytes: &[u8], file: &str) -> Result<Scenario, LoadError> {
    let text = decode(bytes.to_vec(), file, "a scenario file")?;
    load_str(&text, file)
}

/// The bytes as UTF-8 text, or where they stop being it.
fn decode(bytes: Vec<u8>, file: &str, kind: &str) -> Result<String, LoadError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Everything before `valid` is UTF-8, so the position can be counted in characters.
        let pos = std::str::from_utf8(bytes.get(..valid).unwrap_or_default())
            .ok()
            .map(|t| Pos::of_offset(t, valid));
        let byte = bytes
            .get(valid)
            .map(|b| format!(" (byte 0x{b:02x})"))
            .unwrap_or_default();
        LoadError::new(file, pos, format!("invalid UTF-8{byte}: {kind} must be UTF-8 text"))
    })
}

/// The io error without Rust's ` (os error N)` suffix: `No such file or directory`.
fn io_message(e: &std::io::Error) -> String {
    let full = e.to_string();
    match full.rfind(" (os error ") {
        Some(i) if full.ends_with(')') => full.get(..i).unwrap_or(&full).to_string(),
        _ => full,
    }
}

/// Parses a scenario from YAML text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, LoadError> {
    load_document(text, file, A_SCENARIO)
}

/// Parses a one-document YAML file into `T` with the scenario loader's checks and positions
/// (the policy files use it too); `what` says what the document should be, for empty files.
pub(crate) fn load_document<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    what: &str,
) -> Result<T, LoadError> {
    // Editors do not count a byte order mark as a column, and libyaml is told the text is
    // UTF-8 (so it would not skip one): drop it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = Index::parse(text).map_err(|e| LoadError::new(file, e.pos, e.message))?;
    let Some(document) = index.documents.first() else {
        let why = if text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file holds only comments"
        };
        return Err(LoadError::new(file, Some(index.end), format!("{why}: expected {what}")));
    };
    if let Some(second) = index.documents.get(1) {
        return Err(LoadError::new(
            file,
            Some(second.start),
            "a second YAML document starts here: a scenario file holds exactly one document",
        ));
    }
    let root = document.root.and_then(|r| index.node(r));
    if let Some(Kind::Scalar { empty: true, .. }) | None = root.map(|n| &n.kind) {
        return Err(LoadError::new(
            file,
            Some(document.start),
            format!("the document is empty: expected {what}"),
        ));
    }
    // yaml_serde refuses a repeated struct field, but a repeated map key (labels, nodeStatus, any
    // manifest field) would silently replace the first: refuse both, as kubectl does.
    if let Some((first, second)) = index.duplicate {
        let key = index.scalar(second).unwrap_or_default();
        let was = index
            .node(first)
            .map(|n| format!(", first written at line {} column {}", n.start.line, n.start.column));
        let message = format!("duplicate key `{key}`{}", was.unwrap_or_default());
        return Err(LoadError::new(
            file,
            index.node(second).map(|n| n.start),
            at_path(&index.path_of(second), &message),
        ));
    }
    yaml_serde::from_str::<T>(text).map_err(|e| deserialize_error(&e, text, &index, file, what))
}

const A_SCENARIO: &str =
    "a scenario (a mapping with apiVersion: kubedrill/v1, kind: Scenario, metadata, cluster, steps)";

/// Turns a yaml_serde error into `path: message` at the most precise position known.
fn deserialize_error(e: &yaml_serde::Error, text: &str, index: &Index, file: &str, what: &str) -> LoadError {
    let mut pos = e.location().map(|l| Pos {
        line: l.line(),
        column: l.column(),
    });
    let mut full = e.to_string();
    // yaml_serde appends the position it also returns from location(); it is printed our way.
    if let Some(p) = pos
        && let Some(head) = full.strip_suffix(&format!(" at line {} column {}", p.line, p.column))
    {
        full = head.to_string();
    }
    // yaml_serde writes `path: message`; a prefix counts as the path only if the document has it,
    // since messages contain colons too.
    let (mut path, message) = match full.split_once(": ") {
        Some((p, m)) if !p.contains(' ') && index.resolve(p).is_some_and(|f| f.complete && f.depth > 0) => {
            (p.to_string(), m.to_string())
        }
        _ => (String::new(), full.clone()),
    };
    let node = index.resolve(if path.is_empty() { "." } else { &path }).map(|f| f.node);
    let field = |prefix: &str| message.strip_prefix(prefix).and_then(|r| r.split('`').next());
    if let (Some(key), Some(map)) = (field("unknown field `"), node) {
        if let Some(k) = index.entry(map, key).and_then(|(k, _)| index.node(k)) {
            pos = Some(k.start);
        }
    } else if path == "workloads" && !message.starts_with("invalid type") {
        // A manifest refused by its own Deserialize: yaml_serde reports the list, not the item.
        if let Some(i) = failing_manifest(text) {
            path = format!("workloads[{i}]");
            pos = locate_in_manifest(index, &path, &message).or(pos);
        }
    } else if message == "unknown anchor"
        && let Some(name) = pos.and_then(|p| alias_at(text, p))
    {
        return LoadError::new(
            file,
            pos,
            at_path(
                &path,
                &format!("unknown anchor: `*{name}` refers to no `&{name}` before it"),
            ),
        );
    }
    LoadError::new(file, pos, at_path(&path, &plain_words(&message, what)))
}

fn at_path(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

/// The index of the first workload [`Manifest`] refuses, found by deserializing each on its own
/// (in order, as yaml_serde did, so the first refused is the one it reported).
fn failing_manifest(text: &str) -> Option<usize> {
    let value: yaml_serde::Value = yaml_serde::from_str(text).ok()?;
    let items = value.get("workloads")?.as_sequence()?;
    items
        .iter()
        .position(|item| Manifest::deserialize(item.clone()).is_err())
}

/// Where in manifest `path` (`workloads[1]`) its error points: the `kind` for a kind the
/// simulator does not know, the `apiVersion` for a kind in the wrong group, the field an API
/// validation message names, else the manifest.
fn locate_in_manifest(index: &Index, path: &str, message: &str) -> Option<Pos> {
    let field = if message.starts_with("unknown manifest kind") {
        Some("kind".to_string())
    } else if message.starts_with("no matches for kind") {
        Some("apiVersion".to_string())
    } else {
        // `Deployment "web" is invalid: spec.template.spec: ...` or `Deployment: metadata.name: ...`
        let after = message
            .split_once(" is invalid: ")
            .map(|(_, r)| r)
            .or_else(|| message.split_once(": ").map(|(_, r)| r));
        after
            .and_then(|r| r.split_once(": "))
            .map(|(p, _)| p.to_string())
            .filter(|p| !p.contains(' ') && p.contains('.'))
    };
    let found = match field {
        Some(f) => index.resolve(&format!("{path}.{f}")),
        None => index.resolve(path),
    }?;
    index.position(&found)
}

/// The alias name written at `pos` (`*name`).
fn alias_at(text: &str, pos: Pos) -> Option<String> {
    let line = text.lines().nth(pos.line.checked_sub(1)?)?;
    let rest: String = line.chars().skip(pos.column.checked_sub(1)?).collect();
    let name: String = rest
        .strip_prefix('*')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// serde's Rust-flavoured words for YAML ones: `unit value` is null, `map` a mapping, `u64` a
/// non-negative integer, `struct ClusterSpec` a mapping.
fn plain_words(message: &str, what: &str) -> String {
    const TYPES: &[(&str, &str)] = &[
        ("u8", "a non-negative integer"),
        ("u16", "a non-negative integer"),
        ("u32", "a non-negative integer"),
        ("u64", "a non-negative integer"),
        ("usize", "a non-negative integer"),
        ("i8", "an integer"),
        ("i16", "an integer"),
        ("i32", "an integer"),
        ("i64", "an integer"),
        ("f64", "a number"),
        ("a map", "a mapping"),
        ("field identifier", "a field name"),
        ("struct Scenario", A_SCENARIO),
    ];
    if let Some(head) = message.strip_suffix("expected struct PolicyFile") {
        return format!("{head}expected {what}");
    }
    let mut m = message
        .replace("invalid type: unit value", "invalid type: null")
        .replace("invalid type: map,", "invalid type: mapping,");
    for (rust, yaml) in TYPES {
        if let Some(head) = m.strip_suffix(&format!("expected {rust}")) {
            return format!("{head}expected {yaml}");
        }
    }
    if let Some(i) = m.rfind("expected struct ") {
        let name = m.get(i + "expected struct ".len()..).unwrap_or_default();
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            m.truncate(i);
            m.push_str("expected a mapping");
        }
    }
    m
}

/// The 1-based line and column of the node at `path` (`steps[3].fault`, `cluster.nodes[1]`,
/// `metadata.name`), or None if the text does not parse or has no such node. A scalar value is
/// pointed at itself; a mapping or sequence value, or an empty one, at its key.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = Index::parse(text).ok()?;
    let found = index.resolve(path).filter(|f| f.complete)?;
    index.position(&found).map(|p| (p.line, p.column))
}

/// A [`ScenarioError`] (found after loading, so it knows only a path) as a [`LoadError`] at the
/// node it names, or the nearest enclosing node that exists, or with no position.
pub fn scenario_error_at(text: &str, file: &str, e: &ScenarioError) -> LoadError {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(index) = Index::parse(text) else {
        return LoadError::new(file, None, at_path(&e.path, &e.message));
    };
    let (path, message) = refine(&index, e);
    let found = index.resolve(&path).filter(|f| f.depth > 0);
    // A workload's error names its field (`spec.replicas: ...`): point at that.
    let in_manifest = path
        .starts_with("workloads[")
        .then(|| locate_in_manifest(&index, &path, &message))
        .flatten();
    let pos = in_manifest.or_else(|| found.and_then(|f| index.position(&f)));
    LoadError::new(file, pos, at_path(&path, &message))
}

/// Some errors carry a finer path than their `path` at the head of their message
/// (`cluster` + `cluster.nodes[1]: name "x" is used twice`), or name a workload by kind and name
/// (`workloads` + `Deployment default/web: ...`): use the finer path, said once.
fn refine(index: &Index, e: &ScenarioError) -> (String, String) {
    if let Some((head, rest)) = e.message.split_once(": ") {
        let finer = head
            .strip_prefix(e.path.as_str())
            .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']));
        if finer && !head.contains(' ') && !e.path.is_empty() {
            return (head.to_string(), rest.to_string());
        }
        if e.path == "workloads"
            && let Some(i) = workload_named(index, head)
        {
            return (format!("workloads[{i}]"), e.message.clone());
        }
    }
    (e.path.clone(), e.message.clone())
}

/// The index of the workload `Kind namespace/name` (namespace `default` when not written).
fn workload_named(index: &Index, head: &str) -> Option<usize> {
    let (kind, name) = head.split_once(' ')?;
    let (namespace, name) = name.split_once('/')?;
    let workloads = index.resolve("workloads").filter(|f| f.complete)?;
    index.items(workloads.node).iter().position(|&item| {
        let field = |path: &[&str]| {
            let mut node = item;
            for key in path {
                node = index.entry(node, key)?.1;
            }
            index.scalar(node)
        };
        field(&["kind"]) == Some(kind)
            && field(&["metadata", "name"]) == Some(name)
            && field(&["metadata", "namespace"]).unwrap_or("default") == namespace
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "\
apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: drain-one
  description: Drain a worker.
seed: 7
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - name: controlplane
      role: control-plane
    - name: node01
      role: worker
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
steps:
  - run: kubectl drain node01 --ignore-daemonsets
    on: controlplane
    expect:
      exit: 0
  - fault: node-crash node01
  - wait: 5m
";

    /// The head of a valid scenario, to which a test appends what it checks.
    const HEAD: &str = "\
apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: x
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - name: controlplane
      role: control-plane
";

    fn err(text: &str) -> LoadError {
        match load_str(text, "s.yaml") {
            Ok(s) => panic!("loaded {s:?}"),
            Err(e) => e,
        }
    }

    fn at(e: &LoadError) -> (Option<usize>, Option<usize>) {
        (e.line, e.column)
    }

    #[test]
    fn valid_scenario_loads() {
        let s = load_str(VALID, "s.yaml").expect("valid");
        assert_eq!(s.metadata.name, "drain-one");
        assert_eq!(s.seed, Some(7));
        assert_eq!(s.cluster.nodes.len(), 2);
        assert_eq!(s.workloads.len(), 1);
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.steps[1].fault.as_deref(), Some("node-crash node01"));
    }

    #[test]
    fn valid_scenario_passes_the_simulator_checks() {
        let s = load_str(VALID, "s.yaml").expect("valid");
        assert_eq!(kubedrill_sim::runner::check(&s), Ok(()));
        assert!(kubedrill_sim::runner::prepare(&s, kubedrill_sim::Seed(1)).is_ok());
    }

    #[test]
    fn check_error_is_placed_in_the_file() {
        let text = VALID.replace("fault: node-crash node01", "fault: explode node01");
        let s = load_str(&text, "s.yaml").expect("loads");
        let e = kubedrill_sim::runner::check(&s).expect_err("unknown fault");
        let l = scenario_error_at(&text, "s.yaml", &e);
        assert_eq!((l.line, l.column), (Some(34), Some(12)));
        assert!(l.message.starts_with("steps[1].fault: "), "{l}");
    }

    #[test]
    fn byte_order_mark_and_explicit_document_start_are_fine() {
        let text = format!("\u{feff}---\n{VALID}...\n");
        assert!(load_str(&text, "s.yaml").is_ok());
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let e = err(&format!("{HEAD}steps:\n  - run: ls\n  - wait: 1s\n    fualt: x\n"));
        assert_eq!(at(&e), (Some(13), Some(5)));
        assert_eq!(
            e.to_string(),
            "s.yaml:13:5: steps[1]: unknown field `fualt`, expected one of `run`, `on`, `fault`, `wait`, `expect`"
        );
    }

    #[test]
    fn unknown_key_in_flow_mapping() {
        let e = err(&format!("{HEAD}steps:\n  - {{wait: 1s, fualt: x}}\n"));
        assert_eq!(at(&e), (Some(11), Some(16)));
        assert!(e.message.starts_with("steps[0]: unknown field `fualt`"), "{e}");
    }

    #[test]
    fn unknown_key_at_top_level() {
        let e = err(&format!("{HEAD}stpes: []\n"));
        assert_eq!(at(&e), (Some(10), Some(1)));
        assert!(
            e.message
                .starts_with("unknown field `stpes`, expected one of `apiVersion`"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_key_points_at_the_second() {
        let e = err(&format!("{HEAD}steps:\n  - run: ls\n    run: pwd\n"));
        assert_eq!(at(&e), (Some(12), Some(5)));
        assert_eq!(
            e.message,
            "steps[0]: duplicate key `run`, first written at line 11 column 5"
        );
        let e = err(&format!(
            "{HEAD}    - name: n\n      role: worker\n      labels:\n        a: b\n        a: c\n"
        ));
        assert_eq!(
            e.to_string(),
            "s.yaml:14:9: cluster.nodes[1].labels: duplicate key `a`, first written at line 13 column 9"
        );
        let e = err(&format!("{HEAD}cluster: {{}}\n"));
        assert_eq!(
            e.to_string(),
            "s.yaml:10:1: duplicate key `cluster`, first written at line 5 column 1"
        );
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let e = err(&format!("{HEAD}seed: seven\n"));
        assert_eq!(
            e.to_string(),
            "s.yaml:10:7: seed: invalid type: string \"seven\", expected a non-negative integer"
        );
        let e = err(&format!("{HEAD}steps: {{run: ls}}\n"));
        assert_eq!(
            e.to_string(),
            "s.yaml:10:8: steps: invalid type: mapping, expected a sequence"
        );
        let e = err(&format!("{HEAD}    - name: n\n      role: master\n"));
        assert_eq!(
            e.to_string(),
            "s.yaml:11:13: cluster.nodes[1].role: unknown variant `master`, expected `control-plane` or `worker`"
        );
    }

    #[test]
    fn empty_value_for_a_mapping() {
        let e = err("apiVersion: kubedrill/v1\nkind: Scenario\nmetadata:\ncluster:\n");
        assert_eq!(e.message, "metadata: missing field `name`");
        assert_eq!(at(&e), (Some(3), Some(10)));
    }

    #[test]
    fn missing_required_field() {
        let e = err("apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {name: x}\n");
        assert_eq!(e.to_string(), "s.yaml:1:1: missing field `cluster`");
        let e = err("apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {name: x}\ncluster:\n  nodes: []\n");
        assert_eq!(e.to_string(), "s.yaml:5:3: cluster: missing field `kubernetesVersion`");
    }

    #[test]
    fn syntax_errors() {
        let e = err(&format!("{HEAD}steps:\n  - run: \"ls\n"));
        assert_eq!(e.line, Some(12));
        assert!(
            e.message.starts_with(
                "YAML syntax error: found unexpected end of stream, while scanning a quoted scalar at line 11 column 10"
            ),
            "{e}"
        );
        let e = err("apiVersion: kubedrill/v1\nkind: Scenario: x\n");
        assert_eq!(
            e.to_string(),
            "s.yaml:2:15: YAML syntax error: mapping values are not allowed in this context"
        );
        let e = err("a: [1, 2\n");
        assert_eq!(e.line, Some(2));
        assert!(
            e.message
                .starts_with("YAML syntax error: did not find expected ',' or ']'"),
            "{e}"
        );
        let e = err("apiVersion: kubedrill/v1\nkind: \u{7}\n");
        assert_eq!(at(&e), (Some(2), Some(7)));
        assert!(
            e.message
                .starts_with("YAML syntax error: control characters are not allowed"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_is_reported_before_a_schema_error() {
        // yaml_serde would stop at the unknown key `a`; the broken flow sequence comes first.
        let e = err("a: [\n");
        assert!(e.message.starts_with("YAML syntax error"), "{e}");
    }

    #[test]
    fn unknown_manifest_kind_names_the_item() {
        let text = format!(
            "{HEAD}workloads:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {{name: p}}\n    spec: {{containers: [{{name: c, image: busybox}}]}}\n  - apiVersion: v1\n    kind: Service\n    metadata: {{name: s}}\n"
        );
        let e = err(&text);
        assert_eq!(at(&e), (Some(16), Some(11)));
        assert!(
            e.message
                .starts_with("workloads[1]: unknown manifest kind \"Service\": "),
            "{e}"
        );
    }

    #[test]
    fn manifest_in_the_wrong_group_points_at_its_api_version() {
        let text = format!("{HEAD}workloads:\n  - apiVersion: v1\n    kind: Deployment\n    metadata: {{name: a}}\n");
        let e = err(&text);
        assert_eq!(
            e.to_string(),
            "s.yaml:11:17: workloads[0]: no matches for kind \"Deployment\" in version \"v1\" (use apiVersion: apps/v1)"
        );
    }

    #[test]
    fn invalid_manifest_points_at_the_field_named() {
        let text = format!(
            "{HEAD}workloads:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      namespace: a\n"
        );
        let e = err(&text);
        assert_eq!(
            e.message,
            "workloads[0]: Deployment: metadata.name: Required value: name is required"
        );
        assert_eq!(at(&e), (Some(13), Some(5)));
    }

    #[test]
    fn empty_files() {
        // Goal: an empty or comment-only file is refused at the place it ends, with line:col
        // like every other error (issue 17).
        for (text, at_end, what) in [
            ("", (1, 1), "the file is empty"),
            ("\n\n", (3, 1), "the file is empty"),
            ("# only a comment\n", (2, 1), "the file holds only comments"),
        ] {
            let e = err(text);
            assert_eq!(at(&e), (Some(at_end.0), Some(at_end.1)), "{text:?}");
            assert!(
                e.to_string().starts_with(&format!(
                    "s.yaml:{}:{}: {what}: expected a scenario",
                    at_end.0, at_end.1
                )),
                "{e}"
            );
        }
        let e = err("# comment\n---\n");
        assert_eq!(at(&e), (Some(2), Some(1)));
        assert!(e.message.starts_with("the document is empty"), "{e}");
    }

    #[test]
    fn not_a_mapping() {
        let e = err("- a\n- b\n");
        assert_eq!(
            e.to_string(),
            format!("s.yaml:1:1: invalid type: sequence, expected {A_SCENARIO}")
        );
    }

    #[test]
    fn several_documents_are_refused() {
        let e = err(&format!("{VALID}---\n{VALID}"));
        assert_eq!(at(&e), (Some(36), Some(1)));
        assert!(e.message.starts_with("a second YAML document starts here"), "{e}");
        // Even an empty one after the separator.
        let e = err(&format!("{VALID}---\n"));
        assert_eq!(e.line, Some(36));
    }

    #[test]
    fn unknown_anchor() {
        let e = err(&format!("{HEAD}steps:\n  - run: *nope\n"));
        assert_eq!(
            e.to_string(),
            "s.yaml:11:10: unknown anchor: `*nope` refers to no `&nope` before it"
        );
    }

    #[test]
    fn missing_file() {
        let e = load(Path::new("/nonexistent/kubedrill/x.yaml")).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "/nonexistent/kubedrill/x.yaml: No such file or directory"
        );
    }

    #[test]
    fn invalid_utf8_file() {
        let dir = std::env::temp_dir().join(format!("kubedrill-loader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("bad.yaml");
        std::fs::write(&path, b"apiVersion: kubedrill/v1\nkind: Sc\xffenario\n").expect("write");
        let e = load(&path).expect_err("not UTF-8");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(at(&e), (Some(2), Some(9)));
        assert!(e.message.starts_with("invalid UTF-8 (byte 0xff)"), "{e}");
    }

    #[test]
    fn load_reads_a_file() {
        let dir = std::env::temp_dir().join(format!("kubedrill-loader-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("ok.yaml");
        std::fs::write(&path, VALID).expect("write");
        let loaded = load(&path);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(loaded.expect("valid").metadata.name, "drain-one");
    }

    #[test]
    fn locate_block_style() {
        assert_eq!(locate(VALID, "apiVersion"), Some((1, 13)));
        assert_eq!(locate(VALID, "metadata.name"), Some((4, 9)));
        assert_eq!(locate(VALID, "metadata"), Some((3, 1)));
        assert_eq!(locate(VALID, "cluster.nodes[1]"), Some((12, 7)));
        assert_eq!(locate(VALID, "cluster.nodes[1].role"), Some((13, 13)));
        assert_eq!(locate(VALID, "workloads[0]"), Some((15, 5)));
        assert_eq!(
            locate(VALID, "workloads[0].spec.template.spec.containers[0].image"),
            Some((28, 22))
        );
        assert_eq!(locate(VALID, "steps[0].expect"), Some((32, 5)));
        assert_eq!(locate(VALID, "steps[1].fault"), Some((34, 12)));
        assert_eq!(locate(VALID, "steps[2]"), Some((35, 5)));
        assert_eq!(locate(VALID, "."), Some((1, 1)));
    }

    #[test]
    fn locate_flow_style() {
        assert_eq!(locate(VALID, "workloads[0].metadata.name"), Some((17, 22)));
        assert_eq!(locate(VALID, "workloads[0].metadata.namespace"), Some((17, 38)));
        assert_eq!(
            locate(VALID, "workloads[0].spec.selector.matchLabels.app"),
            Some((21, 28))
        );
        let text = "steps: [{run: ls}, {fault: node-crash n1}]\nmetadata: {name: web}\n";
        assert_eq!(locate(text, "steps[1].fault"), Some((1, 28)));
        assert_eq!(locate(text, "steps[1]"), Some((1, 20)));
        assert_eq!(locate(text, "metadata.name"), Some((2, 18)));
    }

    #[test]
    fn locate_misses() {
        assert_eq!(locate(VALID, "steps[9]"), None);
        assert_eq!(locate(VALID, "cluster.pools"), None);
        assert_eq!(locate(VALID, "metadata.name.x"), None);
        assert_eq!(locate("a: [", "a"), None);
        assert_eq!(locate("", "a"), None);
    }

    #[test]
    fn locate_keys_with_dots_and_aliases() {
        let text = "labels:\n  app: a\n  app.kubernetes.io/name: b\nbase: &b {x: 1}\nuse: *b\n";
        assert_eq!(locate(text, "labels.app.kubernetes.io/name"), Some((3, 27)));
        assert_eq!(locate(text, "labels.app"), Some((2, 8)));
        assert_eq!(locate(text, "use.x"), Some((4, 14)));
    }

    #[test]
    fn scenario_error_positions() {
        let e = ScenarioError {
            path: "steps[1].fault".into(),
            message: "no node named \"node09\" in the cluster".into(),
        };
        assert_eq!(
            scenario_error_at(VALID, "s.yaml", &e).to_string(),
            "s.yaml:34:12: steps[1].fault: no node named \"node09\" in the cluster"
        );
        // A path below what is written falls back to the nearest node that is.
        let e = ScenarioError {
            path: "steps[0].expect.violations[0]".into(),
            message: "unknown invariant".into(),
        };
        assert_eq!(at(&scenario_error_at(VALID, "s.yaml", &e)), (Some(32), Some(5)));
        // Nothing of the path is written: no position.
        let e = ScenarioError {
            path: "expectViolations[0]".into(),
            message: "m".into(),
        };
        assert_eq!(
            scenario_error_at(VALID, "s.yaml", &e).to_string(),
            "s.yaml: expectViolations[0]: m"
        );
    }

    #[test]
    fn scenario_error_uses_the_finer_path_in_its_message() {
        let e = ScenarioError {
            path: "cluster".into(),
            message: "cluster.nodes[1]: node name \"node01\" is used twice".into(),
        };
        let l = scenario_error_at(VALID, "s.yaml", &e);
        assert_eq!(
            l.to_string(),
            "s.yaml:12:7: cluster.nodes[1]: node name \"node01\" is used twice"
        );
        let e = ScenarioError {
            path: "workloads".into(),
            message: "Deployment default/web: replicas must be >= 0".into(),
        };
        let l = scenario_error_at(VALID, "s.yaml", &e);
        assert_eq!(
            l.to_string(),
            "s.yaml:15:5: workloads[0]: Deployment default/web: replicas must be >= 0"
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        let inputs = [
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]",
            "&a [*a]",
            "? [a, b]\n: c\n",
            "!!binary aGVsbG8=",
            "%YAML 1.1\n%YAML 1.1\n--- a",
            "a: &x b\n<<: *x\n",
            "\t",
            "'",
            "key: |\n  text\n bad",
            "\u{2028}\u{85}\r\n\r",
        ];
        for text in inputs {
            let _ = load_str(text, "s.yaml");
            for path in [
                "",
                ".",
                "a",
                "a[0]",
                "[0]",
                "a.",
                "a[",
                "a[x]",
                "a[99999999999999999999]",
            ] {
                let _ = locate(text, path);
                let _ = scenario_error_at(
                    text,
                    "s.yaml",
                    &ScenarioError {
                        path: path.into(),
                        message: "m: n".into(),
                    },
                );
            }
        }
        let deep = "[".repeat(100_000);
        assert!(load_str(&deep, "s.yaml").is_err());
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(load_str(&deep, "s.yaml").is_err());
        assert_eq!(locate(&deep, "[0][0][0]"), None);
        let nested = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(locate(&nested, "[0][0][0]"), Some((1, 4)));
    }
}
