//! What every page shares: the signed-in user as the layout shows it,
//! rendering, the login redirect, error pages, the static files, and the
//! few words the pages write about a patient.

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::Value;

use acumen_store::Record;

use crate::auth::Authed;
use crate::error::ApiError;
/// The signed-in user as the layout shows it.
pub struct UserView {
    /// Display name.
    pub name: String,
    /// Clinic staff (admin, practitioner).
    pub staff: bool,
    /// A patient using the portal.
    pub patient: bool,
    /// An admin.
    pub admin: bool,
}

impl UserView {
    /// From the authenticated caller.
    pub fn of(who: &Authed) -> Self {
        UserView {
            name: who.user.name.clone(),
            staff: who.is_staff(),
            patient: who.role() == acumen_domain::Role::Patient,
            admin: who.role() == acumen_domain::Role::Admin,
        }
    }
}

/// Renders a template, or a plain 500 page (logged) if it fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Where an anonymous visitor goes.
pub fn to_login(next: &str) -> Response {
    let next: String = next
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/?=&-_".contains(*c))
        .collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// An error page for a page request (not JSON).
pub fn error_page(e: ApiError) -> Response {
    let closed;
    let (status, text) = match &e {
        ApiError::Closed(m) => {
            closed = format!("{}{}.", m[..1].to_uppercase(), &m[1..]);
            (axum::http::StatusCode::CONFLICT, closed.as_str())
        }
        ApiError::NotFound => (axum::http::StatusCode::NOT_FOUND, "Not found."),
        ApiError::Forbidden(_) => (axum::http::StatusCode::FORBIDDEN, "You may not see this page."),
        ApiError::Busy => (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "An analysis of yours is still running; wait for it to finish.",
        ),
        ApiError::Overloaded => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy with other analyses; try again in a minute.",
        ),
        _ => return e.into_response(),
    };
    (status, Html(format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{text}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"main\"><h1>{text}</h1><p><a href=\"/\">Back</a></p></main></body></html>"))).into_response()
}

/// `GET /static/session.js`: the point picker and live safety findings.
pub async fn session_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/session.js"),
    )
        .into_response()
}

/// `GET /static/app.css` (vendored; no CDN).
pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// A source text ("Label (https://...); Other (https://...)") as its parts:
/// each link with the words before it, and any words without a link (with
/// an empty link).
pub fn source_links(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    let tidy = |t: &str| t.trim().trim_matches(|c: char| c == ';' || c == ',').trim().to_string();
    while let Some(i) = rest.find("(http") {
        let Some(j) = rest[i..].find(')') else { break };
        let label = tidy(&rest[..i]);
        let url = rest[i + 1..i + j].trim().to_string();
        out.push((if label.is_empty() { url.clone() } else { label }, url));
        rest = &rest[i + j + 1..];
    }
    let last = tidy(rest);
    if !last.is_empty() {
        out.push((last, String::new()));
    }
    out
}

/// A text field of a JSON object ("" when absent).
pub fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// "Given Family".
pub fn patient_name(p: &Record) -> String {
    format!("{} {}", text(&p.data, "given_name"), text(&p.data, "family_name"))
}

/// Risk factors of a stored safety profile, in words.
pub fn safety_words(s: &Value) -> Vec<String> {
    stored_profile(s).flags()
}

/// A stored safety profile (an unreadable one reads as nothing recorded,
/// so that the forms ask for every item rather than show it as "no").
pub fn stored_profile(s: &Value) -> acumen_domain::SafetyProfile {
    serde_json::from_value(s.clone()).unwrap_or_default()
}
