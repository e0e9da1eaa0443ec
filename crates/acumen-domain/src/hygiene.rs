//! Text hygiene for every request body, before it is read into a typed
//! input: each string is trimmed (never a password or token), limited in
//! length, and refused if it carries a control character — except newline,
//! carriage return and tab in the multi-line fields (notes, rationales,
//! descriptions). Every refusal names the field by its JSON path.

use serde_json::Value;

use crate::error::{FieldError, Invalid};

/// Fields that may span lines (a textarea).
pub const MULTI_LINE: [&str; 9] = [
    "note",
    "citation",
    "support",
    "overall_support",
    "rationale",
    "override_reason",
    "description",
    "action",
    "email_body",
];
/// Fields kept exactly as typed (no trimming, no control-character rule).
pub const VERBATIM: [&str; 2] = ["password", "token"];
/// Longest single-line text, in characters.
pub const MAX_LINE: usize = 200;
/// Longest multi-line text, in characters.
pub const MAX_MULTI_LINE: usize = 5_000;

/// Trims and checks every string in `v`; all broken rules at once.
pub fn clean(v: &mut Value) -> Result<(), Invalid> {
    let mut errors = Vec::new();
    walk(v, "", "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid { errors })
    }
}

fn walk(v: &mut Value, path: &str, key: &str, errors: &mut Vec<FieldError>) {
    match v {
        Value::String(s) => {
            if let Some(rule) = check_text(s, key) {
                errors.push(FieldError {
                    field: if path.is_empty() { "body".into() } else { path.into() },
                    rule,
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{path}[{i}]"), key, errors);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(item, &p, k, errors);
            }
        }
        _ => {}
    }
}

/// Trims `s` in place (unless verbatim) and returns the rule it breaks.
fn check_text(s: &mut String, key: &str) -> Option<String> {
    if VERBATIM.contains(&key) {
        return None;
    }
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_string();
    }
    let multi = MULTI_LINE.contains(&key);
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() && !(multi && matches!(c, '\n' | '\r' | '\t')))
    {
        return Some(format!(
            "must not contain control characters (found U+{:04X}){}",
            c as u32,
            if multi {
                ""
            } else {
                "; line breaks and tabs belong in notes only"
            }
        ));
    }
    let max = if multi { MAX_MULTI_LINE } else { MAX_LINE };
    let n = s.chars().count();
    (n > max).then(|| format!("must be at most {max} characters (got {n})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trims_refuses_controls_and_long_text_naming_the_field() {
        let mut v = json!({"given_name": "  Ann ", "password": " keep me ", "note": "line 1\r\nline 2\tend"});
        clean(&mut v).unwrap();
        assert_eq!(
            v,
            json!({"given_name": "Ann", "password": " keep me ", "note": "line 1\r\nline 2\tend"})
        );
        let mut bad = json!({
            "family_name": "Nul\u{0}here",
            "points": [{"code": "LI4"}, {"code": "SP\u{1b}[31m6"}],
            "phone": "1\n2",
            "note": "x".repeat(5_001),
            "safety": {"other": "a".repeat(201)},
        });
        let e = clean(&mut bad).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["family_name", "note", "phone", "points[1].code", "safety.other"]
        );
        assert!(e.errors[0].rule.contains("U+0000"));
        assert!(e.errors[1].rule.contains("at most 5000 characters (got 5001)"));
        assert!(e.errors[3].rule.contains("U+001B"));
        assert!(e.errors[4].rule.contains("at most 200"));
    }
}
