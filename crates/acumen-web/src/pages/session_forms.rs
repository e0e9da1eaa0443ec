//! The session forms: a session with the point picker and live safety
//! findings (`/courses/{id}/sessions/new`), and an adverse event of a session
//! (`/sessions/{id}/adverse-events/new`). They call the same service
//! functions as the JSON API, so the safety rules, the override policy and
//! the audit are the same.

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde_json::Value;

use acumen_domain::{AdverseEventInput, SessionInput};

use super::form::{f, posted, Field, FormPage, Kind, Posted};
use super::forms::{page, staff, submit};
use super::layout::{error_page, render};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::records::{self as rec};
use crate::service::records::{course as visible_course, session as visible_session};
use crate::state::AppState;

fn session_fields() -> Vec<Field> {
    vec![
        f("at", "Date", Kind::Date),
        f("number", "Session number", Kind::Integer),
        Field {
            path: "points",
            label: "Points, one per line: code, side, depth in mm, angle",
            kind: Kind::Area,
            hint: "e.g. \"LI4 bilateral\" or \"GB21 left 8 oblique\"; type a code, pinyin or region in the picker to add one",
        },
        f("stimulation", "Stimulation", Kind::Select(vec![("manual", "manual"), ("electrical", "electrical")])),
        f("electro.frequency_hz", "Electrical: frequency (Hz)", Kind::Number),
        f("electro.waveform", "Electrical: waveform", Kind::Text),
        f("retention_min", "Retention (minutes)", Kind::Number),
        f("deqi_sought", "De qi sought", Kind::Check),
        f("skin_check", "Skin check of feet and hands at this visit", Kind::Multi(vec![("none", "done, nothing found"), ("ulcer", "ulcer"), ("fissure", "fissure"), ("oedema", "oedema")])),
        f("rationale", "Rationale for the point selection", Kind::Area),
        f("override_reason", "Override a hard stop: reason (practitioners)", Kind::Area),
        f("note", "Note", Kind::Area),
    ]
}

fn adverse_fields() -> Vec<Field> {
    let types: Vec<(&str, &str)> = acumen_domain::AE_TYPES.iter().map(|t| (*t, *t)).collect();
    vec![
        f("type", "Type", Kind::Select(types)),
        f("description", "Description", Kind::Area),
        f(
            "severity",
            "Severity",
            Kind::Select(vec![("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")]),
        ),
        f("ctcae_grade", "CTCAE grade (1-5)", Kind::Integer),
        f("serious", "Serious adverse event", Kind::Check),
        f(
            "causality",
            "Causality",
            Kind::Select(vec![
                ("unrelated", "unrelated"),
                ("unlikely", "unlikely"),
                ("possible", "possible"),
                ("probable", "probable"),
                ("definite", "definite"),
            ]),
        ),
        f("action", "Action taken", Kind::Text),
        f(
            "outcome",
            "Outcome",
            Kind::Select(vec![
                ("recovered", "recovered"),
                ("recovering", "recovering"),
                ("not_recovered", "not recovered"),
                ("sequelae", "sequelae"),
                ("fatal", "fatal"),
                ("unknown", "unknown"),
            ]),
        ),
        f("onset", "Onset", Kind::Date),
        f("resolved", "Resolved", Kind::Date),
    ]
}

/// Parses the point lines into the API's point objects.
fn points_from_lines(v: &mut Value) -> Result<(), (String, String)> {
    let text = v.get("points").and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut it = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty());
        let code = it.next().unwrap_or("").to_string();
        let side = it.next().unwrap_or("bilateral").to_string();
        let mut p = serde_json::json!({"code": code, "side": side});
        if let Some(d) = it.next() {
            let depth: f64 = d
                .trim_end_matches("mm")
                .parse()
                .map_err(|_| (format!("points[{i}].depth_mm"), format!("'{d}' must be a depth in mm")))?;
            p["depth_mm"] = serde_json::json!(depth);
        }
        if let Some(a) = it.next() {
            p["angle"] = serde_json::json!(a);
        }
        out.push(p);
    }
    v["points"] = Value::Array(out);
    if v.get("stimulation").and_then(Value::as_str) != Some("electrical") {
        if let Some(m) = v.as_object_mut() {
            m.remove("electro");
        }
    }
    Ok(())
}

fn session_page(st: &AppState, who: &Authed, course: &str, patient: &str, p: &Posted) -> FormPage {
    let mut pg = page(
        st,
        who,
        "New session",
        format!("/courses/{course}/sessions/new"),
        format!("/patients/{patient}"),
        &session_fields(),
        p,
    );
    pg.script = Some("/static/session.js".into());
    pg
}

/// The public id of a course's patient.
async fn patient_of(st: &AppState, who: &Authed, course: i64) -> Result<String, ApiError> {
    visible_course(st, who, course)
        .await?
        .patient_public_id
        .ok_or(ApiError::NotFound)
}

/// `GET /courses/{id}/sessions/new`
pub async fn new_session(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/courses/{public}/sessions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match patient_of(&st, &who, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e),
    };
    let next = st
        .store
        .children(&who.actor(), "session", id)
        .await
        .map(|s| s.len() + 1)
        .unwrap_or(1);
    let mut p = Posted::new();
    p.insert("at".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("number".into(), vec![next.to_string()]);
    p.insert("retention_min".into(), vec!["20".into()]);
    render(&session_page(&st, &who, &public, &patient, &p))
}

/// `POST /courses/{id}/sessions/new`
pub async fn create_session(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/courses/{public}/sessions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match patient_of(&st, &who, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e),
    };
    let p = posted(pairs);
    let fields = session_fields();
    submit::<SessionInput, _, _>(
        &fields,
        &p,
        points_from_lines,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { crate::service::sessions::add_session(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        session_page(&st, &who, &public, &patient, &p),
    )
    .await
}

/// `GET /sessions/{id}/adverse-events/new`
pub async fn new_adverse(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/sessions/{public}/adverse-events/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match visible_session(&st, &who, id).await {
        Ok(s) => s.patient_public_id.clone().unwrap_or_default(),
        Err(e) => return error_page(e),
    };
    let mut p = Posted::new();
    p.insert("onset".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("ctcae_grade".into(), vec!["1".into()]);
    render(&page(
        &st,
        &who,
        "New adverse event",
        here,
        format!("/patients/{patient}"),
        &adverse_fields(),
        &p,
    ))
}

/// `POST /sessions/{id}/adverse-events/new`
pub async fn create_adverse(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/sessions/{public}/adverse-events/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match visible_session(&st, &who, id).await {
        Ok(s) => s.patient_public_id.clone().unwrap_or_default(),
        Err(e) => return error_page(e),
    };
    let p = posted(pairs);
    let fields = adverse_fields();
    submit::<AdverseEventInput, _, _>(
        &fields,
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::add_adverse(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        page(
            &st,
            &who,
            "New adverse event",
            here.clone(),
            format!("/patients/{patient}"),
            &fields,
            &p,
        ),
    )
    .await
}
