//! R source literals: strings (ASCII only, every other character as a
//! `\u` escape, so the script reads the same in any locale), numbers at
//! full precision, and Acumen's JSON as nested `list(...)` / `c(...)`.

use serde_json::Value;

/// An R string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (' '..='~').contains(&c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{{{:x}}}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A double in the shortest form that reads back to the same value.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "NA".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Inf" } else { "-Inf" }.into()
    } else if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:?}")
    }
}

fn scalar(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "NA".into(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Number(n) => number(n.as_f64()?),
        // Acumen's JSON writes infinities as strings.
        Value::String(s) if s == "Inf" || s == "-Inf" => s.clone(),
        Value::String(s) => string(s),
        _ => return None,
    })
}

/// Acumen's JSON as an R value: objects become named lists, arrays of
/// scalars vectors (`c(...)`, `NA` for null), arrays of equal-length
/// numeric arrays matrices (`rbind`, one row per inner array, as the JSON
/// writes a matrix), other arrays unnamed lists.
pub fn value(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{} = {}", name(k), value(v))).collect();
            format!("list({})", items.join(", "))
        }
        Value::Array(a) => {
            if let Some(items) = a.iter().map(scalar).collect::<Option<Vec<_>>>() {
                if items.is_empty() {
                    return "c()".into();
                }
                if a.iter().all(Value::is_null) {
                    return format!("rep(NA, {})", a.len());
                }
                return format!("c({})", items.join(", "));
            }
            let rows: Option<Vec<&Vec<Value>>> = a.iter().map(Value::as_array).collect();
            if let Some(rows) = rows {
                let n = rows.first().map_or(0, |r| r.len());
                let numeric = rows
                    .iter()
                    .all(|r| r.len() == n && r.iter().all(|x| x.is_number() || x.is_null() || x.is_string()));
                if numeric && n > 0 {
                    let inner: Vec<String> = rows.iter().map(|r| value(&Value::Array(r.to_vec()))).collect();
                    return format!("rbind({})", inner.join(", "));
                }
            }
            format!("list({})", a.iter().map(value).collect::<Vec<_>>().join(", "))
        }
        v => scalar(v).unwrap_or_else(|| "NULL".into()),
    }
}

/// A list element name: bare where R allows it, else back-quoted.
pub fn name(k: &str) -> String {
    let bare = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '.')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if bare && !RESERVED.contains(&k) {
        k.into()
    } else {
        format!("`{}`", k.replace('\\', "\\\\").replace('`', "\\`"))
    }
}

const RESERVED: [&str; 14] = [
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_read_back_in_r_terms() {
        assert_eq!(string("Lu \"2020\"\n"), r#""Lu \"2020\"\n""#);
        assert_eq!(string("Müller"), r#""M\u00fcller""#);
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(-2.5e-300), "-2.5e-300");
        assert_eq!(number(f64::NAN), "NA");
        assert_eq!(
            value(&json!({"b": [1.5, null], "vb": [[1, 2], [3, 4]], "if": "Inf", "x": [null]})),
            "list(b = c(1.5, NA), `if` = Inf, vb = rbind(c(1, 2), c(3, 4)), x = rep(NA, 1))"
        );
        assert_eq!(value(&json!([{"row": 2}])), "list(list(row = 2))");
    }
}
