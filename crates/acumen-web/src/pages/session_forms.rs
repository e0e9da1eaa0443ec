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
use acumen_store::Record;

use super::banner::{banner, Banner};
use super::form::{choose, f, posted, req, shown, Field, FormPage, Kind, Posted};
use super::forms::{page, staff, submit};
use super::layout::error_page;
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::records::{self as rec};
use crate::service::records::{course as visible_course, session as visible_session};
use crate::state::AppState;

pub(crate) fn session_fields() -> Vec<Field> {
    vec![
        req("at", "Date", Kind::Date),
        req("number", "Session number", Kind::Integer),
        Field {
            hint: "e.g. \"LR3 bilateral\" or \"GB21 left 8 oblique\"; LV3, St36 or Ren12 are read as the WHO codes; type a code, pinyin or region in the picker to add one",
            ..req("points", "Points, one per line: code, side, depth in mm, angle", Kind::Area)
        },
        req(
            "stimulation",
            "Stimulation",
            Kind::Select(vec![("manual", "manual needling"), ("electrical", "electroacupuncture")]),
        ),
        f("electro.frequency_hz", "Electroacupuncture: frequency (Hz)", Kind::Number),
        f("electro.waveform", "Electroacupuncture: waveform", Kind::Text),
        f("retention_min", "Retention (minutes)", Kind::Number),
        f("deqi_sought", "De qi sought", Kind::Check),
        f("skin_check", "Skin check of feet and hands at this visit", Kind::Multi(vec![("none", "done, nothing found"), ("ulcer", "ulcer"), ("fissure", "fissure"), ("oedema", "oedema")])),
        f("rationale", "Rationale for the point selection", Kind::Area),
        f("override_reason", "Override the hard stop: your reason (practitioners)", Kind::Area),
        f("note", "Note", Kind::Area),
    ]
}

pub(crate) fn adverse_fields() -> Vec<Field> {
    use acumen_domain::{AE_TYPE_WORDS, CAUSALITY_WORDS, OUTCOME_WORDS};
    vec![
        req("type", "What happened", choose(&AE_TYPE_WORDS)),
        f("description", "Description", Kind::Area),
        req(
            "severity",
            "Severity",
            choose(&[("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]),
        ),
        Field {
            hint: "1 mild, 2 moderate, 3 severe, 4 life-threatening, 5 death",
            ..req("ctcae_grade", "CTCAE grade (1-5)", Kind::Integer)
        },
        f("serious", "Serious adverse event", Kind::Check),
        Field {
            hint: "How likely the acupuncture caused it",
            ..req("causality", "Causality", choose(&CAUSALITY_WORDS))
        },
        f("action", "Action taken", Kind::Text),
        req("outcome", "Outcome", choose(&OUTCOME_WORDS)),
        req("onset", "Onset", Kind::Date),
        f("resolved", "Resolved", Kind::Date),
    ]
}

/// Parses the point lines into the API's point objects.
pub(crate) fn points_from_lines(v: &mut Value) -> Result<(), (String, String)> {
    let text = v.get("points").and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let tokens: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .collect();
        // The code may be written in parts ("Liv 3", "ex le 10"): the
        // longest start of the line that names a point is the code.
        let parts = (1..=tokens.len().min(3))
            .rev()
            .find(|k| acumen_knowledge::aliases::resolve(&tokens[..*k].join(" ")).is_some())
            .unwrap_or(1);
        let code = tokens[..parts.min(tokens.len())].join(" ");
        let mut it = tokens.into_iter().skip(parts);
        let side = match it.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("both") | Some("b") => "bilateral".to_string(),
            Some("l") => "left".to_string(),
            Some("r") => "right".to_string(),
            Some(other) => other.to_string(),
        };
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

/// The session form (new, or a correction) with the point picker and the
/// live findings; the override box shows only with a hard stop.
pub(crate) fn session_page(
    st: &AppState,
    who: &Authed,
    (title, action): (&str, String),
    banner: Banner,
    p: &Posted,
) -> FormPage {
    let mut pg = page(st, who, title, action, banner.href.clone(), &session_fields(), p);
    pg.banner = Some(banner);
    pg.hide = vec!["override_reason".into()];
    pg.script = Some("/static/session.js".into());
    pg
}

/// A course that takes sessions, and its patient's banner.
async fn open_course(st: &AppState, who: &Authed, course: i64) -> Result<(Record, Banner), ApiError> {
    let c = visible_course(st, who, course).await?;
    crate::service::sessions::open_course(&c)?;
    let b = banner(st, who, c.patient_id.ok_or(ApiError::NotFound)?).await?;
    Ok((c, b))
}

/// `GET /courses/{id}/sessions/new`
pub async fn new_session(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/courses/{public}/sessions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (_, banner) = match open_course(&st, &who, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let next = st
        .store
        .children(&who.actor(), "session", id)
        .await
        .map(|s| {
            s.iter()
                .filter_map(|r| r.data.get("number").and_then(Value::as_u64))
                .max()
                .unwrap_or(0)
                + 1
        })
        .unwrap_or(1);
    let mut p = Posted::new();
    p.insert("at".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("number".into(), vec![next.to_string()]);
    p.insert("retention_min".into(), vec!["20".into()]);
    shown(
        &st,
        &who,
        session_page(&st, &who, ("New session", here.clone()), banner, &p),
        &session_fields(),
    )
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
    let patient = match visible_course(&st, &who, id).await {
        Ok(c) => c.patient_public_id.unwrap_or_default(),
        Err(e) => return error_page(e),
    };
    let p = posted(pairs);
    submit::<SessionInput, _, _, _>(
        &st,
        &who,
        &session_fields(),
        &p,
        points_from_lines,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { crate::service::sessions::add_session(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        &here,
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
    let session = match visible_session(&st, &who, id).await {
        Ok(s) => s,
        Err(e) => return error_page(e),
    };
    let b = match banner(&st, &who, session.patient_id.unwrap_or(crate::access::NO_RECORD)).await {
        Ok(b) => b,
        Err(e) => return error_page(e),
    };
    let mut p = Posted::new();
    p.insert("onset".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    let fields = adverse_fields();
    let title = format!(
        "Adverse event after session {} on {}",
        session.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
        day(&session.data)
    );
    let mut pg = page(&st, &who, &title, here, b.href.clone(), &fields, &p);
    pg.banner = Some(b);
    shown(&st, &who, pg, &fields)
}

/// The day of a stored session.
pub(crate) fn day(s: &Value) -> String {
    s.get("at")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(10)
        .collect()
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
    submit::<AdverseEventInput, _, _, _>(
        &st,
        &who,
        &adverse_fields(),
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::add_adverse(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        &here,
    )
    .await
}
