//! How Go's `fmt` prints the values of an unstructured Kubernetes object (what kubectl's
//! printers hold after decoding JSON: `map[string]interface {}`, `[]interface {}`, `string`,
//! `int64`, `float64`, `bool`, nil). jsonpath, custom-columns and go-template output, and
//! their error messages, all go through here.

use serde_json::Value;

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` uses for a float64: shortest digits,
/// exponent form below 1e-4 or from 1e6 on (`fmt.Println(1000000.0)` prints `1e+06`).
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, as Go's -1 precision does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace(['.', '-'], "");
    // %g with the shortest precision decides with precision 6: %e when exp < -4 || exp >= 6.
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let neg = if f < 0.0 { "-" } else { "" };
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{neg}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{neg}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{neg}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}

/// A JSON number as Go holds it after decoding into unstructured form: an `int64` when it
/// is integral, a `float64` otherwise.
pub(crate) fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    go_float(n.as_f64().unwrap_or_default())
}

/// `fmt.Sprint(v)` / `%v`: `map[a:1 b:x]`, `[a b]`, `<nil>`.
pub(crate) fn sprint(v: &Value) -> String {
    let mut s = String::new();
    write_v(v, &mut s);
    s
}

fn write_v(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(item, out);
            }
            out.push(']');
        }
    }
}

/// `%#v`: Go syntax, as kubectl dumps the object its jsonpath failed on.
pub(crate) fn go_syntax(v: &Value) -> String {
    let mut s = String::new();
    write_sharp(v, &mut s, true);
    s
}

fn write_sharp(v: &Value, out: &mut String, top: bool) {
    match v {
        Value::Null => out.push_str("interface {}(nil)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(a) => {
            out.push_str("[]interface {}{");
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp(item, out, false);
            }
            out.push('}');
        }
        Value::Object(m) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push(':');
                write_sharp(item, out, false);
            }
            out.push('}');
        }
    }
    let _ = top;
}

/// Go's `strconv.Quote` for the characters Kubernetes objects hold.
pub(crate) fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => q.push_str(&format!("\\x{:02x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The Go type a decoded JSON value has, as error messages name it.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `encoding/json.Marshal`: compact, keys sorted, `<`, `>` and `&` escaped as Go does.
pub(crate) fn json_compact(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(123456789.0), "1.23456789e+08");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(-2.25), "-2.25");
    }

    #[test]
    fn maps_and_slices_print_as_fmt_does() {
        let v = json!({"b": [1, "x"], "a": {"c": true}, "n": null});
        assert_eq!(sprint(&v), "map[a:map[c:true] b:[1 x] n:<nil>]");
        assert_eq!(
            go_syntax(&v),
            "map[string]interface {}{\"a\":map[string]interface {}{\"c\":true}, \"b\":[]interface {}{1, \"x\"}, \"n\":interface {}(nil)}"
        );
        assert_eq!(json_compact(&json!({"a": "<b>"})), "{\"a\":\"\\u003cb\\u003e\"}");
    }
}
