//! Generic HTML forms over the API's request bodies: each field is named by
//! its JSON path (`safety.pregnancy`), the posted strings become a JSON
//! value of the right types, the API handler validates and writes it, and
//! its field errors come back next to the fields with every typed value
//! kept.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::layout::{render, UserView};
use crate::error::ApiError;

/// The kind of input.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Free text.
    Text,
    /// A longer text.
    Area,
    /// E-mail.
    Email,
    /// A number (decimal).
    Number,
    /// A whole number.
    Integer,
    /// A date.
    Date,
    /// One of several values.
    Select(Vec<(&'static str, &'static str)>),
    /// Yes / no.
    Check,
    /// Any of several values (a JSON array).
    Multi(Vec<(&'static str, &'static str)>),
}

/// A field.
#[derive(Debug, Clone)]
pub struct Field {
    /// JSON path, dot-separated.
    pub path: &'static str,
    /// Label.
    pub label: &'static str,
    /// Kind.
    pub kind: Kind,
    /// Hint under the field.
    pub hint: &'static str,
}

/// Shorthand for a field.
pub fn f(path: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        path,
        label,
        kind,
        hint: "",
    }
}

/// A field as the template shows it.
pub struct FieldView {
    /// Element id and name.
    pub name: String,
    /// Label.
    pub label: String,
    /// input type, or "select", "checkbox", "multi", "textarea".
    pub widget: String,
    /// Typed value.
    pub value: String,
    /// Values ticked (multi).
    pub ticked: Vec<String>,
    /// Options.
    pub options: Vec<(String, String)>,
    /// Hint.
    pub hint: String,
    /// Message.
    pub error: Option<String>,
}

/// A page with one form.
#[derive(Template)]
#[template(path = "pages/form.html")]
pub struct FormPage {
    /// Signed-in user.
    pub user: Option<UserView>,
    /// Demo data.
    pub simulated: bool,
    /// Heading.
    pub title: String,
    /// Where it posts.
    pub action: String,
    /// Button.
    pub submit: String,
    /// Link back.
    pub cancel: String,
    /// Errors (field id, message).
    pub errors: Vec<(String, String)>,
    /// Fields.
    pub fields: Vec<FieldView>,
    /// Extra content shown under the errors (safety findings).
    pub notes: Vec<String>,
    /// A script of this crate to enhance the form (point picker), if any.
    pub script: Option<String>,
}

/// The posted values: path -> all values posted under it.
pub type Posted = HashMap<String, Vec<String>>;

/// Collects posted pairs.
pub fn posted(pairs: Vec<(String, String)>) -> Posted {
    let mut m: Posted = HashMap::new();
    for (k, v) in pairs {
        m.entry(k).or_default().push(v);
    }
    m
}

fn first<'a>(p: &'a Posted, k: &str) -> &'a str {
    p.get(k).and_then(|v| v.first()).map(|s| s.trim()).unwrap_or("")
}

fn put(root: &mut Map<String, Value>, path: &str, v: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(part.to_string(), v);
            return;
        }
        let next = cur.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        match next {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
}

/// The JSON body from the posted strings; a text in a number field is an
/// error naming it. Empty optional fields are left out.
pub fn to_json(fields: &[Field], p: &Posted) -> (Value, HashMap<String, String>) {
    let mut root = Map::new();
    let mut errors = HashMap::new();
    for fd in fields {
        let raw = first(p, fd.path);
        let v = match &fd.kind {
            Kind::Check => Some(Value::Bool(matches!(raw, "on" | "true" | "yes" | "1"))),
            Kind::Multi(_) => Some(Value::Array(
                p.get(fd.path)
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.clone()))
                    .collect(),
            )),
            _ if raw.is_empty() => None,
            Kind::Number => match raw.replace(',', ".").parse::<f64>() {
                Ok(x) if x.is_finite() => Some(serde_json::json!(x)),
                _ => {
                    errors.insert(fd.path.to_string(), "must be a number".to_string());
                    None
                }
            },
            Kind::Integer => match raw.parse::<i64>() {
                Ok(x) => Some(serde_json::json!(x)),
                Err(_) => {
                    errors.insert(fd.path.to_string(), "must be a whole number".to_string());
                    None
                }
            },
            _ => Some(Value::String(raw.to_string())),
        };
        if let Some(v) = v {
            put(&mut root, fd.path, v);
        }
    }
    (Value::Object(root), errors)
}

/// The fields with their typed values and messages.
pub fn views(fields: &[Field], p: &Posted, errors: &HashMap<String, String>) -> Vec<FieldView> {
    fields
        .iter()
        .map(|fd| {
            let (widget, options) = match &fd.kind {
                Kind::Text => ("text", vec![]),
                Kind::Area => ("textarea", vec![]),
                Kind::Email => ("email", vec![]),
                Kind::Number | Kind::Integer => ("text", vec![]),
                Kind::Date => ("date", vec![]),
                Kind::Check => ("checkbox", vec![]),
                Kind::Select(o) => ("select", o.clone()),
                Kind::Multi(o) => ("multi", o.clone()),
            };
            FieldView {
                name: fd.path.into(),
                label: fd.label.into(),
                widget: widget.into(),
                // A select that was not posted shows its first option (what a
                // browser would send), not an empty option further down.
                value: match (&fd.kind, p.contains_key(fd.path)) {
                    (Kind::Select(o), false) => o.first().map_or(String::new(), |x| x.0.to_string()),
                    _ => first(p, fd.path).to_string(),
                },
                ticked: p.get(fd.path).cloned().unwrap_or_default(),
                options: options
                    .into_iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
                hint: fd.hint.into(),
                // Errors name nested paths (`points[0].code`); show them at the field they start with.
                error: errors
                    .iter()
                    .filter(|(k, _)| {
                        *k == fd.path
                            || k.starts_with(&format!("{}[", fd.path))
                            || k.starts_with(&format!("{}.", fd.path))
                    })
                    .map(|(k, v)| if k == fd.path { v.clone() } else { format!("{k}: {v}") })
                    .reduce(|a, b| format!("{a}; {b}")),
            }
        })
        .collect()
}

/// The page again with the messages of a refused write (422), or the
/// error page for anything else.
pub fn refused(mut page: FormPage, fields: &[Field], p: &Posted, e: ApiError) -> Response {
    let mut errors: HashMap<String, String> = HashMap::new();
    match e {
        ApiError::Invalid(inv) => {
            for x in inv.errors {
                let key = x.field.trim_start_matches("body").to_string();
                errors
                    .entry(if key.is_empty() { "form".into() } else { key })
                    .or_insert(x.rule);
            }
        }
        ApiError::Safety { message, findings, .. } => {
            errors.insert("form".into(), message.replace("override_reason", "an override reason"));
            page.notes = findings
                .iter()
                .map(|f| {
                    format!("{:?} {}: {} ({})", f.severity, f.rule_id, f.reason, f.source)
                        .replace("HardStop", "Hard stop")
                        .replace("NeedsRationale", "Needs a rationale")
                })
                .collect();
        }
        other => return super::layout::error_page(other),
    }
    page.fields = views(fields, p, &errors);
    let known: Vec<&str> = fields.iter().map(|f| f.path).collect();
    page.errors = errors
        .iter()
        .map(|(k, v)| {
            let label = fields
                .iter()
                .find(|f| k == f.path || k.starts_with(f.path))
                .map(|f| f.label);
            let anchor = known
                .iter()
                .find(|p| k.starts_with(**p))
                .map_or("main".to_string(), |p| p.to_string());
            match label {
                Some(l) => (anchor, format!("{l}: {v}")),
                None if k == "form" => (anchor, v.clone()),
                None => (anchor, format!("{k}: {v}")),
            }
        })
        .collect();
    page.errors.sort();
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}
