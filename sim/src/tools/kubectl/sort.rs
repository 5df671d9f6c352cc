//! `--sort-by=JSONPATH`: kubectl's ordering of objects by the first value the path yields
//! (numbers by value, strings that both parse as quantities by quantity, other strings
//! byte-wise, objects without the field first).

use super::jsonpath::{self, JsonPath};
use serde_json::Value;
use std::cmp::Ordering;

/// A parsed `--sort-by`.
pub(crate) struct SortBy {
    field: String,
    path: JsonPath,
}

impl SortBy {
    /// Error: the line kubectl prints.
    pub(crate) fn parse(expr: &str) -> Result<Self, String> {
        let field = jsonpath::relaxed(expr).unwrap_or_else(|_| expr.to_string());
        let path = JsonPath::parse(&field).map_err(|e| format!("error: sorting error: {e}"))?;
        Ok(Self { field, path })
    }

    fn key(&self, o: &Value) -> Result<Option<Value>, String> {
        let sets = self.path.find_results(o, true).map_err(|e| format!("error: {e}"))?;
        Ok(sets
            .into_iter()
            .next()
            .and_then(|s| s.into_iter().next())
            .map(|v| v.into_owned()))
    }

    /// The order to print `objects` in (indexes into it). Error when no object has the field.
    pub(crate) fn order(&self, objects: &[Value]) -> Result<Vec<usize>, String> {
        let keys: Vec<Option<Value>> = objects.iter().map(|o| self.key(o)).collect::<Result<_, _>>()?;
        if !objects.is_empty() && keys.iter().all(Option::is_none) {
            return Err(format!(
                "error: couldn't find any field with path \"{}\" in the list of objects",
                self.field
            ));
        }
        let mut idx: Vec<usize> = (0..objects.len()).collect();
        if let Some(e) = keys.iter().flatten().find_map(unsortable) {
            return Err(e);
        }
        if idx.len() <= 12 {
            // Go's sort.Sort insertion-sorts short inputs, with kubectl's Less as it is
            // (an object without the field is "less" than anything, even another without it).
            for i in 1..idx.len() {
                let mut j = i;
                while j > 0 && less(&keys[idx[j]], &keys[idx[j - 1]]) {
                    idx.swap(j, j - 1);
                    j -= 1;
                }
            }
        } else {
            idx.sort_by(|a, b| cmp_keys(&keys[*a], &keys[*b]));
        }
        Ok(idx)
    }
}

fn unsortable(k: &Value) -> Option<String> {
    match k {
        Value::Bool(_) => Some("error: unsortable type: bool".into()),
        _ => None,
    }
}

fn less(a: &Option<Value>, b: &Option<Value>) -> bool {
    match (a, b) {
        (None, _) => true,
        (_, None) => false,
        (Some(a), Some(b)) => value_cmp(a, b) == Ordering::Less,
    }
}

/// A total order for long lists (missing first, then by value).
fn cmp_keys(a: &Option<Value>, b: &Option<Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => value_cmp(a, b),
    }
}

fn value_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => match (quantity(x), quantity(y)) {
            (Some(qx), Some(qy)) => qx.partial_cmp(&qy).unwrap_or(Ordering::Equal),
            _ => x.cmp(y),
        },
        (Value::Array(x), Value::Array(y)) => {
            for (i, j) in x.iter().zip(y) {
                let o = value_cmp(i, j);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        _ => Ordering::Equal,
    }
}

/// `resource.ParseQuantity` reduced to a number: `100m`, `2`, `1.5Gi`, `3e3`.
pub(crate) fn quantity(s: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (num, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| s.strip_suffix(suffix).map(|n| (n, *scale)))
        .unwrap_or((s, 1.0));
    let digits = num.strip_prefix(['+', '-']).unwrap_or(num);
    let (mantissa, exp) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, e),
        None => (digits, "0"),
    };
    let valid = !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mantissa.chars().filter(|c| *c == '.').count() <= 1
        && mantissa != "."
        && exp
            .strip_prefix(['+', '-'])
            .unwrap_or(exp)
            .chars()
            .all(|c| c.is_ascii_digit())
        && !exp.is_empty();
    if !valid {
        return None;
    }
    num.parse::<f64>().ok().map(|n| n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_like_kubectl() {
        let objs = vec![
            json!({"metadata": {"name": "b"}, "spec": {"cpu": "1"}}),
            json!({"metadata": {"name": "a"}, "spec": {"cpu": "500m"}}),
            json!({"metadata": {"name": "c"}}),
        ];
        let by_name = SortBy::parse(".metadata.name").unwrap();
        assert_eq!(by_name.order(&objs).unwrap(), [1, 0, 2]);
        let by_cpu = SortBy::parse("{.spec.cpu}").unwrap();
        assert_eq!(by_cpu.order(&objs).unwrap(), [2, 1, 0]);
        let err = SortBy::parse(".nope").unwrap().order(&objs).unwrap_err();
        assert_eq!(
            err,
            "error: couldn't find any field with path \"{.nope}\" in the list of objects"
        );
        assert_eq!(quantity("10Gi"), Some(10.0 * 1_073_741_824.0));
        assert_eq!(quantity("web-1"), None);
    }
}
