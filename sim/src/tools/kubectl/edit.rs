//! `kubectl edit`: the object as YAML through an editor, written back if it changed. The
//! simulator has no terminal editor to open; what works is what scripts do: an editor
//! command that edits the file in place (`KUBE_EDITOR="sed -i 's/replicas: 2/replicas: 3/'"`).

use super::flags::{self, Kind, flag};
use super::target::{self, Selection};
use super::{Local, fail, stdout, usage_error};
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

/// Splits an editor command line as the shell would (single and double quotes).
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ' | '\t') => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    Some(words)
}

/// The `s/OLD/NEW/[g]` commands of a `sed -i` editor (literal text, as the node's sed).
fn sed_script(editor: &str) -> Option<Vec<(String, String, bool)>> {
    let words = split_words(editor)?;
    let (cmd, rest) = words.split_first()?;
    if cmd != "sed" {
        return None;
    }
    let mut scripts = Vec::new();
    let mut i = 0;
    let mut in_place = false;
    while i < rest.len() {
        match rest[i].as_str() {
            "-i" => in_place = true,
            "-e" => {
                i += 1;
                scripts.push(rest.get(i)?.clone());
            }
            w if w.starts_with('-') => {}
            w => scripts.push(w.to_string()),
        }
        i += 1;
    }
    if !in_place {
        return None;
    }
    let mut out = Vec::new();
    for script in scripts {
        for part in script.split(';').filter(|p| !p.trim().is_empty()) {
            let part = part.trim();
            let body = part.strip_prefix('s')?;
            let delim = body.chars().next()?;
            let pieces: Vec<&str> = body[delim.len_utf8()..].split(delim).collect();
            if pieces.len() < 2 {
                return None;
            }
            let global = pieces.get(2).is_some_and(|f| f.contains('g'));
            out.push((pieces[0].to_string(), pieces[1].to_string(), global));
        }
    }
    Some(out)
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("output", Some('o'), Kind::Str),
        flag("filename", Some('f'), Kind::Array),
        flag("save-config", None, Kind::Bool),
        flag("validate", None, Kind::StrOpt("true")),
        flag("windows-line-endings", None, Kind::Bool),
        flag("subresource", None, Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "edit", &e),
    };
    let sel = Selection {
        ns: p.str("namespace").unwrap_or("default"),
        all_ns: false,
        selector: None,
        all: false,
    };
    let targets = match target::resolve(api, &p.positional, &sel) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let Some(editor) = local.editor.clone() else {
        return fail(
            "kubedrill: `kubectl edit` opens an editor on the object's YAML, and this prompt has none; set KUBE_EDITOR to an in-place edit (KUBE_EDITOR=\"sed -i 's/OLD/NEW/'\" kubectl edit …) or use kubectl patch, scale or set",
        );
    };
    let Some(script) = sed_script(&editor) else {
        return fail(format!(
            "kubedrill: the editor {editor:?} needs a terminal; in a script use KUBE_EDITOR=\"sed -i 's/OLD/NEW/'\""
        ));
    };
    let mut out = CommandOutput::default();
    for t in &targets {
        let current = match target::fetch(api, t) {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let before = super::yaml_out::to_yaml(&current);
        let mut text = before.clone();
        for (old, new, global) in &script {
            text = if *global {
                text.replace(old.as_str(), new)
            } else {
                text.lines()
                    .map(|l| l.replacen(old.as_str(), new, 1))
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n"
            };
        }
        if text == before {
            stdout(&mut out, "Edit cancelled, no changes made.");
            continue;
        }
        let edited = match super::changes::yaml_value(&text) {
            Ok(v) => v,
            Err(e) => {
                return fail(format!(
                    "error: edit cancelled, the edited file does not parse: error converting YAML to JSON: yaml: {e}"
                ));
            }
        };
        match api.update(edited) {
            Ok(_) => stdout(&mut out, format!("{} edited", t.display())),
            Err(e) => {
                let mut o = fail(format!(
                    "error: {} \"{}\" could not be patched: {}",
                    t.res.kind_group(),
                    t.name,
                    e.message
                ));
                o.chunks.splice(0..0, out.chunks.drain(..));
                return o;
            }
        }
    }
    out
}
