//! Generic HTML forms over the API's request bodies: each field is named by
//! its JSON path (`safety.pregnancy`), the posted strings become a JSON
//! value of the right types, the API handler validates and writes it, and
//! its field errors come back next to the fields with every typed value
//! kept.

use std::collections::HashMap;

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};

use super::layout::{error_page, render, source_links, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::state::AppState;

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
    /// Yes / no / not recorded: a JSON boolean, or left out.
    Tri,
    /// Any of several places, or "none": a JSON array (`[]` for none), or
    /// left out when nothing is ticked (not recorded).
    Sites(Vec<(&'static str, &'static str)>),
}

/// The choices of a yes / no / not recorded field.
pub const TRI: [(&str, &str); 3] = [("", "not recorded"), ("no", "no"), ("yes", "yes")];

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
    /// Must be filled in (an empty value is refused before anything else).
    pub required: bool,
}

/// Shorthand for a field.
pub fn f(path: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        path,
        label,
        kind,
        hint: "",
        required: false,
    }
}

/// Shorthand for a field that must be filled in.
pub fn req(path: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        required: true,
        ..f(path, label, kind)
    }
}

/// A select with no choice made yet: the first option asks for one.
pub fn choose(options: &[(&'static str, &'static str)]) -> Kind {
    let mut o = vec![("", "Choose one")];
    o.extend_from_slice(options);
    Kind::Select(o)
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
    /// Extra class of the field's wrapper (`electro` for the electrical
    /// stimulation fields, shown only for electroacupuncture).
    pub class: String,
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
    /// The patient the form writes about (clinical forms).
    pub banner: Option<super::banner::Banner>,
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
    /// The safety findings of a refused session, once, in words.
    pub notes: Vec<NoteView>,
    /// A hard stop was found: the override box is shown.
    pub hard_stop: bool,
    /// Fields not shown (the override box without a hard stop).
    pub hide: Vec<String>,
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
            Kind::Tri => match raw {
                "yes" => Some(Value::Bool(true)),
                "no" => Some(Value::Bool(false)),
                "" => None,
                _ => {
                    errors.insert(fd.path.to_string(), "must be yes, no or not recorded".to_string());
                    None
                }
            },
            Kind::Sites(_) => {
                let ticked: Vec<&String> = p.get(fd.path).into_iter().flatten().filter(|s| !s.is_empty()).collect();
                if ticked.is_empty() {
                    None
                } else {
                    Some(Value::Array(
                        ticked
                            .into_iter()
                            .filter(|s| *s != "none")
                            .map(|s| Value::String(s.clone()))
                            .collect(),
                    ))
                }
            }
            Kind::Multi(_) => Some(Value::Array(
                p.get(fd.path)
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.clone()))
                    .collect(),
            )),
            _ if raw.is_empty() => {
                if fd.required {
                    let what = match fd.kind {
                        Kind::Select(_) => "must be chosen",
                        _ => "is required",
                    };
                    errors.insert(fd.path.to_string(), what.to_string());
                }
                None
            }
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

/// A safety finding as a form shows it.
#[derive(Debug, Clone)]
pub struct NoteView {
    /// "Hard stop", "Needs a rationale", "Warning", "Note".
    pub kind: String,
    /// CSS class: hard_stop, needs_rationale, warning, info.
    pub class: String,
    /// Why, in plain words.
    pub reason: String,
    /// The points concerned, if any.
    pub points: String,
    /// The sources: (words, link; empty when the source has none).
    pub sources: Vec<(String, String)>,
}

impl NoteView {
    /// From a finding of the rules.
    pub fn of(f: &acumen_domain::Finding) -> NoteView {
        use acumen_domain::Severity::*;
        let (kind, class) = match f.severity {
            HardStop => ("Hard stop", "hard_stop"),
            NeedsRationale => ("Needs a rationale", "needs_rationale"),
            Warning => ("Warning", "warning"),
            Info => ("Note", "info"),
        };
        NoteView {
            kind: kind.into(),
            class: class.into(),
            reason: f.reason.clone(),
            points: f.points.join(", "),
            sources: source_links(f.source),
        }
    }
}

/// A refused form, kept for the GET after the redirect.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    /// What was typed.
    pub posted: Posted,
    /// Messages by field path ("form" for the whole form).
    pub errors: HashMap<String, String>,
    /// Safety findings.
    pub notes: Vec<NoteView>,
    /// A hard stop was found.
    pub hard_stop: bool,
}

/// A stored number as a clinician types it: 8, not 8.0.
pub fn number_words(n: &serde_json::Number) -> String {
    n.as_i64().map_or_else(
        || n.as_f64().map_or_else(|| n.to_string(), |x| x.to_string()),
        |i| i.to_string(),
    )
}

/// The inverse of [`to_json`]: a stored record's data as the values its
/// form shows, for a correction (a date-time shows its day; yes/no items
/// show yes, no or nothing; an empty list of sites shows "none").
pub fn stored_values(fields: &[Field], data: &Value) -> Posted {
    let mut p = Posted::new();
    for fd in fields {
        let v = fd.path.split('.').try_fold(data, |v, k| v.get(k));
        let words: Vec<String> = match (&fd.kind, v) {
            (_, None | Some(Value::Null)) => vec![],
            (Kind::Check, Some(Value::Bool(b))) => {
                if *b {
                    vec!["on".into()]
                } else {
                    vec![]
                }
            }
            (Kind::Tri, Some(Value::Bool(b))) => vec![if *b { "yes" } else { "no" }.into()],
            (Kind::Sites(_), Some(Value::Array(a))) if a.is_empty() => vec!["none".into()],
            (_, Some(Value::Array(a))) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            (Kind::Date, Some(Value::String(d))) => vec![d.chars().take(10).collect()],
            (_, Some(Value::String(w))) => vec![w.clone()],
            (_, Some(Value::Number(n))) => vec![number_words(n)],
            (_, Some(Value::Bool(b))) => vec![b.to_string()],
            (_, Some(Value::Object(_))) => vec![],
        };
        if !words.is_empty() {
            p.insert(fd.path.to_string(), words);
        }
    }
    p
}

/// A rule as a sentence after the field's label: "Severity is required."
fn sentence(label: &str, rule: &str) -> String {
    let rule = rule.trim().trim_end_matches('.');
    let starts_lower = rule.chars().next().is_some_and(char::is_lowercase);
    if starts_lower {
        format!("{label} {rule}.")
    } else {
        format!("{rule}.")
    }
}

/// The field's wrapper class.
fn class_of(path: &str) -> &'static str {
    if path.starts_with("electro.") {
        "electro"
    } else {
        ""
    }
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
                Kind::Multi(o) | Kind::Sites(o) => ("multi", o.clone()),
                Kind::Tri => ("select", TRI.to_vec()),
            };
            FieldView {
                name: fd.path.into(),
                label: fd.label.into(),
                widget: widget.into(),
                // A select that was not posted shows its first option (what a
                // browser would send), not an empty option further down.
                value: match (&fd.kind, p.contains_key(fd.path)) {
                    (Kind::Select(o), false) => o.first().map_or(String::new(), |x| x.0.to_string()),
                    (Kind::Tri, false) => String::new(),
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
                    .map(|(k, v)| {
                        if k == fd.path {
                            sentence(fd.label, v)
                        } else {
                            sentence(&nested_label(fd.label, &k[fd.path.len()..]), v)
                        }
                    })
                    .reduce(|a, b| format!("{a} {b}")),
                class: class_of(fd.path).into(),
            }
        })
        .collect()
}

/// "Points, line 2: code" for `[1].code` under the points field.
fn nested_label(label: &str, rest: &str) -> String {
    let short = label.split([',', ':', '(']).next().unwrap_or(label).trim();
    let mut out = short.to_string();
    let rest = rest.trim_start_matches('.');
    if let Some(r) = rest.strip_prefix('[') {
        let (n, after) = r.split_once(']').unwrap_or((r, ""));
        if let Ok(i) = n.parse::<usize>() {
            out.push_str(&format!(", line {}", i + 1));
        }
        let after = after.trim_start_matches('.');
        if !after.is_empty() {
            out.push_str(&format!(": {}", after.replace('_', " ")));
        }
    } else if !rest.is_empty() {
        out.push_str(&format!(": {}", rest.replace('_', " ")));
    }
    out
}

/// Shows a refusal on the form: the fields with what was typed and their
/// messages, the summary at the top, the findings and the override box.
pub fn apply(page: &mut FormPage, fields: &[Field], r: &Refusal) {
    page.fields = views(fields, &r.posted, &r.errors);
    page.notes = r.notes.clone();
    page.hard_stop = r.hard_stop;
    // A hidden field shows again when the refusal is a hard stop (the
    // override box) or when something was typed in it.
    page.hide
        .retain(|h| !(r.hard_stop && h == "override_reason") && first(&r.posted, h).is_empty());
    let known: Vec<&str> = fields.iter().map(|f| f.path).collect();
    page.errors = r
        .errors
        .iter()
        .map(|(k, v)| {
            let field = fields.iter().find(|f| k == f.path || k.starts_with(f.path));
            let anchor = known
                .iter()
                .find(|p| k.starts_with(**p))
                .map_or("main".to_string(), |p| p.to_string());
            match field {
                Some(f) if k == f.path => (anchor, sentence(f.label, v)),
                Some(f) => (anchor, sentence(&nested_label(f.label, &k[f.path.len()..]), v)),
                None if k == "form" => (anchor, v.clone()),
                None => (anchor, sentence(&k.replace('_', " "), v)),
            }
        })
        .collect();
    page.errors.sort();
}

/// What a refused write says, kept for the form's next GET; anything but
/// a refusal (422) is the error page.
fn refusal(p: &Posted, e: ApiError) -> Result<Refusal, ApiError> {
    let mut r = Refusal {
        posted: p.clone(),
        ..Default::default()
    };
    match e {
        ApiError::Invalid(inv) => {
            for x in inv.errors {
                let key = x.field.trim_start_matches("body").trim_start_matches('.').to_string();
                r.errors
                    .entry(if key.is_empty() { "form".into() } else { key })
                    .or_insert(x.rule);
            }
        }
        ApiError::Safety { code, findings, .. } => {
            r.hard_stop = code == "safety_hard_stop";
            let msg = if r.hard_stop {
                "A safety hard stop applies (see the findings below): change the plan, or, as the practitioner, give a reason to override it."
            } else {
                "This point selection needs a written rationale (see the findings below)."
            };
            r.errors.insert("form".into(), msg.into());
            r.notes = findings.iter().map(NoteView::of).collect();
        }
        other => return Err(other),
    }
    Ok(r)
}

/// A refused write: what was typed and the reasons are kept for the
/// form's own address and the browser is sent there (303), so that going
/// back and forward never resubmits; anything but a refusal is the error
/// page.
pub fn refused(st: &AppState, who: &Authed, action: &str, p: &Posted, e: ApiError) -> Response {
    match refusal(p, e) {
        Ok(r) => {
            st.flash.put(who.user.id, action, r);
            Redirect::to(action).into_response()
        }
        Err(other) => error_page(other),
    }
}

/// A form page: with the refusal its last POST left, if any.
pub fn shown(st: &AppState, who: &Authed, mut page: FormPage, fields: &[Field]) -> Response {
    if let Some(r) = st.flash.take(who.user.id, &page.action) {
        apply(&mut page, fields, &r);
    }
    render(&page)
}
