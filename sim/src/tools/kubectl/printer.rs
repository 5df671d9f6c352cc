//! kubectl's `-o` printers for whole objects: `json`, `yaml`, `name`, `jsonpath` (and
//! `-file`, `-as-json`), `custom-columns` (and `-file`), `go-template` (and `-file`,
//! `template`, `templatefile`). The human-readable tables live with `get`.

use super::gotemplate::GoTemplate;
use super::jsonpath::{self, JsonPath};
use super::{Local, gofmt};
use crate::shell::{Chunk, CommandOutput, Stream};
use crate::tabwriter::render;
use serde_json::Value;

/// What `-o` asked for.
pub(crate) enum Format {
    /// The default table, or `wide`.
    Table {
        wide: bool,
    },
    Name,
    Json,
    Yaml,
    JsonPath {
        template: String,
        path: JsonPath,
        as_json: bool,
    },
    Columns(Vec<(String, JsonPath)>),
    GoTemplate {
        template: String,
        tmpl: GoTemplate,
    },
}

pub(crate) const ALLOWED: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

impl Format {
    pub(crate) fn is_table(&self) -> bool {
        matches!(self, Self::Table { .. })
    }

    /// Parses `-o VALUE` (with `--template` for a bare `-o jsonpath|go-template`). The error is
    /// the whole line kubectl prints.
    pub(crate) fn parse(spec: &str, template_flag: Option<&str>, local: &Local) -> Result<Self, String> {
        let (name, arg) = match spec.split_once('=') {
            Some((n, a)) => (n, Some(a.to_string())),
            None => (spec, template_flag.map(str::to_string)),
        };
        let read = |path: &str| -> Result<String, String> {
            local.read(path).ok_or_else(|| {
                format!("error: error reading --template {path}, open {path}: no such file or directory")
            })
        };
        let need = |arg: Option<String>| arg.filter(|a| !a.is_empty());
        match name {
            "" => Ok(Self::Table { wide: false }),
            "wide" => Ok(Self::Table { wide: true }),
            "name" => Ok(Self::Name),
            "json" => Ok(Self::Json),
            "yaml" => Ok(Self::Yaml),
            "jsonpath" | "jsonpath-as-json" | "jsonpath-file" => {
                let arg = need(arg).ok_or("error: template format specified but no template given")?;
                let template = if name == "jsonpath-file" { read(&arg)? } else { arg };
                let path =
                    JsonPath::parse(&template).map_err(|e| format!("error: error parsing jsonpath {template}, {e}"))?;
                Ok(Self::JsonPath {
                    template,
                    path,
                    as_json: name == "jsonpath-as-json",
                })
            }
            "go-template" | "template" | "go-template-file" | "templatefile" => {
                let arg = need(arg).ok_or("error: template format specified but no template given")?;
                let template = if name.ends_with("file") { read(&arg)? } else { arg };
                let tmpl = GoTemplate::parse(&template)
                    .map_err(|e| format!("error: error parsing template {template}, template: output:1: {e}"))?;
                Ok(Self::GoTemplate { template, tmpl })
            }
            "custom-columns" => {
                let arg = need(arg).ok_or("error: custom-columns format specified but no custom columns given")?;
                let mut cols = Vec::new();
                for part in arg.split(',') {
                    let (header, expr) = part.split_once(':').ok_or_else(|| {
                        format!("error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
                    })?;
                    cols.push((header.to_string(), column_path(expr)?));
                }
                Ok(Self::Columns(cols))
            }
            "custom-columns-file" => {
                let arg = need(arg).ok_or("error: custom-columns format specified but no custom columns given")?;
                let text = read(&arg)?;
                let mut lines = text.lines();
                let missing = |what: &str| {
                    format!(
                        "error: invalid template, missing {what} line. Expected format is one line of space separated headers, one line of space separated column specs."
                    )
                };
                let headers: Vec<&str> = lines
                    .next()
                    .ok_or_else(|| missing("header"))?
                    .split_whitespace()
                    .collect();
                let specs: Vec<&str> = lines
                    .next()
                    .ok_or_else(|| missing("spec"))?
                    .split_whitespace()
                    .collect();
                if headers.len() != specs.len() {
                    return Err(format!(
                        "error: number of headers ({}) and field specifications ({}) don't match",
                        headers.len(),
                        specs.len()
                    ));
                }
                let mut cols = Vec::new();
                for (h, s) in headers.iter().zip(specs) {
                    cols.push((h.to_string(), column_path(s)?));
                }
                Ok(Self::Columns(cols))
            }
            other => Err(format!(
                "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: {ALLOWED}"
            )),
        }
    }
}

fn column_path(expr: &str) -> Result<JsonPath, String> {
    let relaxed = jsonpath::relaxed(expr).map_err(|e| format!("error: {e}"))?;
    JsonPath::parse(&relaxed).map_err(|e| format!("error: error parsing jsonpath {relaxed}, {e}"))
}

/// The List kubectl prints several objects as.
pub(crate) fn list_of(items: Vec<Value>) -> Value {
    // `json!` would serialize a copy of every item.
    let mut list = serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}});
    list["items"] = Value::Array(items);
    list
}

/// Text without a trailing newline, as jsonpath and go-template leave it.
pub(crate) fn write_raw(out: &mut CommandOutput, stream: Stream, text: String) {
    if !text.is_empty() {
        out.chunks.push(Chunk { stream, text });
    }
}

/// Prints `doc` (one object, or a List) with a non-table format. `Err` is kubectl's error
/// text; what was printed before it stays printed.
pub(crate) fn print(out: &mut CommandOutput, format: &Format, doc: &Value, no_headers: bool) -> Result<(), String> {
    match format {
        Format::Table { .. } => {}
        Format::Name => {
            let items: Vec<&Value> = match doc.get("items").and_then(Value::as_array) {
                Some(items) if doc["kind"] == "List" => items.iter().collect(),
                _ => vec![doc],
            };
            for o in items {
                write_raw(out, Stream::Stdout, format!("{}\n", name_of(o)));
            }
        }
        Format::Json => write_raw(out, Stream::Stdout, format!("{}\n", json_text(doc))),
        Format::Yaml => write_raw(out, Stream::Stdout, super::yaml_out::to_yaml(doc)),
        Format::JsonPath {
            template,
            path,
            as_json,
        } => {
            let text = if *as_json {
                let sets = path
                    .find_results(doc, true)
                    .map_err(|e| jsonpath_error(template, doc, &e))?;
                let all: Vec<Value> = sets.into_iter().flatten().map(|v| v.into_owned()).collect();
                format!("{}\n", json_text(&Value::Array(all)))
            } else {
                path.execute(doc, true).map_err(|e| jsonpath_error(template, doc, &e))?
            };
            write_raw(out, Stream::Stdout, text);
        }
        Format::GoTemplate { template, tmpl } => {
            let text = tmpl
                .execute(doc)
                .map_err(|e| format!("error: error executing template \"{template}\": template: output:1: {e}"))?;
            write_raw(out, Stream::Stdout, text);
        }
        Format::Columns(cols) => {
            let items: Vec<&Value> = match doc.get("items").and_then(Value::as_array) {
                Some(items) if doc["kind"] == "List" => items.iter().collect(),
                _ => vec![doc],
            };
            let mut rows = Vec::new();
            if !no_headers {
                rows.push(cols.iter().map(|(h, _)| h.clone()).collect());
            }
            for o in items {
                rows.push(column_cells(cols, o)?);
            }
            for l in render(&rows, 6) {
                write_raw(out, Stream::Stdout, format!("{}\n", l.trim_end_matches(' ')));
            }
        }
    }
    Ok(())
}

fn column_cells(cols: &[(String, JsonPath)], o: &Value) -> Result<Vec<String>, String> {
    let mut row = Vec::new();
    for (_, path) in cols {
        let sets = path.find_results(o, true).map_err(|e| format!("error: {e}"))?;
        let mut values: Vec<String> = Vec::new();
        if sets.first().is_none_or(|s| s.is_empty()) {
            values.push("<none>".into());
        }
        for set in sets {
            for v in set {
                values.push(gofmt::sprint(&v));
            }
        }
        row.push(values.join(","));
    }
    Ok(row)
}

fn jsonpath_error(template: &str, doc: &Value, e: &str) -> String {
    format!(
        "error: error executing jsonpath {}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n",
        gofmt::quote(template),
        gofmt::go_syntax(doc)
    )
}

/// `kind.group/name`, as `-o name` prints an object.
pub(crate) fn name_of(o: &Value) -> String {
    let kind = o["kind"].as_str().unwrap_or_default().to_ascii_lowercase();
    let group = o["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map(|(g, _)| g)
        .unwrap_or("");
    let name = o["metadata"]["name"].as_str().unwrap_or_default();
    if group.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}.{group}/{name}")
    }
}

/// kubectl indents JSON by four spaces.
pub(crate) fn json_text(v: &Value) -> String {
    use serde::Serialize as _;
    let mut buf = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buf, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}
