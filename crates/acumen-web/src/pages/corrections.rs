//! The correction pages of a visit's records, reached from the chart:
//! `/sessions/{id}/edit`, `/outcomes/{id}/edit` and
//! `/adverse-events/{id}/edit` (the form it was recorded with, filled in
//! with what is stored; saved as a new version through the same service
//! as the API, a session through the safety rules again),
//! `…/void` (why, then the record is kept and left out of every figure)
//! and `POST /sessions/{id}/move` (a button per other active course of the
//! patient). Every form carries the version it shows (`?v=`): a form
//! saved after someone else's correction is refused, never merged.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::Value;

use acumen_domain::{AdverseEventInput, OutcomeInput, SessionInput};
use acumen_store::Record;

use super::banner::banner;
use super::diary::outcome_fields;
use super::form::{number_words, posted, req, shown, stored_values, Field, Kind, Posted};
use super::forms::{page, staff, submit, version_of, with_banner, Version};
use super::layout::error_page;
use super::session_forms::{adverse_fields, day, points_from_lines, session_fields, session_page};
use crate::access::{record_key, Pid};
use crate::auth::Authed;
use crate::service::corrections::{self as fix, Visit};
use crate::state::AppState;

/// The address of a record's pages.
fn base(what: Visit, public: &str) -> String {
    match what {
        Visit::Session => format!("/sessions/{public}"),
        Visit::Outcome => format!("/outcomes/{public}"),
        Visit::AdverseEvent => format!("/adverse-events/{public}"),
    }
}

/// The caller (staff) and the record a correction page shows.
async fn opened(
    st: &AppState,
    who: &Option<Authed>,
    here: &str,
    what: Visit,
    id: i64,
) -> Result<(Authed, Record), Response> {
    let who = staff(who, here)?;
    let r = fix::changeable(st, &who, what, id).await.map_err(error_page)?;
    Ok((who, r))
}

/// As [`opened`], for a form posted with the version it showed (`?v=N`).
async fn posted_at(
    st: &AppState,
    who: &Option<Authed>,
    here: &str,
    what: Visit,
    (id, version): (i64, Option<i64>),
) -> Result<(Authed, Record, i64), Response> {
    let (who, r) = opened(st, who, here, what, id).await?;
    let version = version_of(version)?;
    Ok((who, r, version))
}

/// The chart of the record's patient.
fn chart_of(r: &Record) -> String {
    format!("/patients/{}", r.patient_public_id.clone().unwrap_or_default())
}

/// A session's point objects as the form's lines ("LR3 bilateral 10 oblique").
fn point_lines(data: &Value) -> String {
    let word = |p: &Value, k: &str| match p.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => number_words(n),
        _ => String::new(),
    };
    let lines: Vec<String> = data
        .get("points")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let mut parts = vec![word(p, "code"), word(p, "side")];
            let (depth, angle) = (word(p, "depth_mm"), word(p, "angle"));
            if !depth.is_empty() {
                parts.push(depth);
                if !angle.is_empty() {
                    parts.push(angle);
                }
            }
            parts.retain(|w| !w.is_empty());
            parts.join(" ")
        })
        .collect();
    lines.join("\n")
}

/// The stored session as its form's values.
fn session_values(data: &Value) -> Posted {
    let mut p = stored_values(&session_fields(), data);
    p.insert("points".into(), vec![point_lines(data)]);
    // An override belongs to the check it answered: a correction is checked anew.
    p.remove("override_reason");
    p
}

/// `GET /sessions/{id}/edit`
pub async fn edit_session(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/sessions/{public}/edit");
    let (who, s) = match opened(&st, &who, &here, Visit::Session, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut b = match banner(&st, &who, s.patient_id.unwrap_or(crate::access::NO_RECORD)).await {
        Ok(b) => b,
        Err(e) => return error_page(e),
    };
    b.href = format!("{}#h-course-{}", b.href, s.parent_public_id.clone().unwrap_or_default());
    let title = format!("Correct session {} of {}", number(&s.data), day(&s.data));
    let action = format!("{here}?v={}", s.version);
    let pg = session_page(&st, &who, (&title, action), b, &session_values(&s.data));
    shown(&st, &who, pg, &session_fields())
}

fn number(data: &Value) -> String {
    data.get("number").map(|n| n.to_string()).unwrap_or_default()
}

/// `POST /sessions/{id}/edit?v=N`
pub async fn update_session(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/sessions/{public}/edit");
    let (who, s, version) = match posted_at(&st, &who, &here, Visit::Session, (id, q.v)).await {
        Ok(x) => x,
        Err(r) => return r,
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
            async move { fix::correct_session(&st2, &who2, id, version, b).await }
        },
        |_| chart_of(&s),
        &format!("{here}?v={version}"),
    )
    .await
}

/// The form of an outcome or an adverse event, and its title.
fn visit_form(what: Visit, data: &Value) -> (Vec<Field>, String) {
    match what {
        Visit::Outcome => (
            outcome_fields(),
            format!(
                "Correct the outcome of {}",
                data.get("date").and_then(Value::as_str).unwrap_or("")
            ),
        ),
        _ => (
            adverse_fields(),
            format!(
                "Correct the adverse event of {}",
                data.get("onset").and_then(Value::as_str).unwrap_or("")
            ),
        ),
    }
}

async fn edit_visit(st: AppState, who: Option<Authed>, what: Visit, id: i64, public: String) -> Response {
    let here = format!("{}/edit", base(what, &public));
    let (who, r) = match opened(&st, &who, &here, what, id).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let (fields, title) = visit_form(what, &r.data);
    let values = stored_values(&fields, &r.data);
    let action = format!("{here}?v={}", r.version);
    let pg = page(&st, &who, &title, action, chart_of(&r), &fields, &values);
    with_banner(&st, &who, r.patient_id.unwrap_or(crate::access::NO_RECORD), pg, &fields).await
}

async fn update_visit(
    st: AppState,
    who: Option<Authed>,
    (what, id, public): (Visit, i64, String),
    version: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Response {
    let here = format!("{}/edit", base(what, &public));
    let (who, r, version) = match posted_at(&st, &who, &here, what, (id, version)).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let (fields, _) = visit_form(what, &r.data);
    let p = posted(pairs);
    let action = format!("{here}?v={version}");
    let to = chart_of(&r);
    if what == Visit::Outcome {
        // Who reported it does not change with a correction.
        let source = r.data.get("source").cloned().unwrap_or(Value::Null);
        let keep = |v: &mut Value| {
            v["source"] = source;
            Ok(())
        };
        let (st2, who2) = (st.clone(), who.clone());
        let call = |b: OutcomeInput| async move { fix::correct_outcome(&st2, &who2, id, version, b).await };
        submit(&st, &who, &fields, &p, keep, call, |_| to, &action).await
    } else {
        let (st2, who2) = (st.clone(), who.clone());
        let call = |b: AdverseEventInput| async move { fix::correct_adverse(&st2, &who2, id, version, b).await };
        submit(&st, &who, &fields, &p, |_| Ok(()), call, |_| to, &action).await
    }
}

/// `GET /outcomes/{id}/edit`
pub async fn edit_outcome(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    edit_visit(st, who, Visit::Outcome, id, public).await
}

/// `POST /outcomes/{id}/edit?v=N`
pub async fn update_outcome(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    update_visit(st, who, (Visit::Outcome, id, public), q.v, pairs).await
}

/// `GET /adverse-events/{id}/edit`
pub async fn edit_adverse(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    edit_visit(st, who, Visit::AdverseEvent, id, public).await
}

/// `POST /adverse-events/{id}/edit?v=N`
pub async fn update_adverse(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    update_visit(st, who, (Visit::AdverseEvent, id, public), q.v, pairs).await
}

fn void_fields() -> Vec<Field> {
    vec![Field {
        hint: "The record is kept with all its versions and the audit log names you; it is left out of every list and figure. This cannot be undone: record it anew if it was right after all.",
        ..req("reason", "Reason for voiding", Kind::Area)
    }]
}

/// What a void form posts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidForm {
    reason: String,
}

/// What the void page says it voids.
fn void_title(what: Visit, data: &Value) -> String {
    let text = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    match what {
        Visit::Session => format!("Void session {} of {}", number(data), day(data)),
        Visit::Outcome => format!("Void the outcome of {}", text("date")),
        Visit::AdverseEvent => format!("Void the adverse event of {}", text("onset")),
    }
}

async fn void_form(st: AppState, who: Option<Authed>, what: Visit, id: i64, public: String) -> Response {
    let here = format!("{}/void", base(what, &public));
    let (who, r) = match opened(&st, &who, &here, what, id).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let fields = void_fields();
    let action = format!("{here}?v={}", r.version);
    let mut pg = page(
        &st,
        &who,
        &void_title(what, &r.data),
        action,
        chart_of(&r),
        &fields,
        &Posted::new(),
    );
    pg.submit = "Void this record".into();
    with_banner(&st, &who, r.patient_id.unwrap_or(crate::access::NO_RECORD), pg, &fields).await
}

async fn void_post(
    st: AppState,
    who: Option<Authed>,
    (what, id, public): (Visit, i64, String),
    version: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Response {
    let here = format!("{}/void", base(what, &public));
    let (who, r, version) = match posted_at(&st, &who, &here, what, (id, version)).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let p = posted(pairs);
    let now = crate::api::corrections::now_rfc3339();
    let (st2, who2) = (st.clone(), who.clone());
    let call = |b: VoidForm| async move { fix::void(&st2, &who2, what, id, version, &b.reason, &now).await };
    let action = format!("{here}?v={version}");
    submit(
        &st,
        &who,
        &void_fields(),
        &p,
        |_| Ok(()),
        call,
        |_| chart_of(&r),
        &action,
    )
    .await
}

macro_rules! void_routes {
    ($get:ident, $post:ident, $what:expr, $doc:literal) => {
        #[doc = concat!("`GET ", $doc, "/{id}/void`")]
        pub async fn $get(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
            void_form(st, who, $what, id, public).await
        }

        #[doc = concat!("`POST ", $doc, "/{id}/void?v=N`")]
        pub async fn $post(
            State(st): State<AppState>,
            who: Option<Authed>,
            Pid(id, public): Pid,
            Query(q): Query<Version>,
            Form(pairs): Form<Vec<(String, String)>>,
        ) -> Response {
            void_post(st, who, ($what, id, public), q.v, pairs).await
        }
    };
}

void_routes!(void_session_form, void_session, Visit::Session, "/sessions");
void_routes!(void_outcome_form, void_outcome, Visit::Outcome, "/outcomes");
void_routes!(void_adverse_form, void_adverse, Visit::AdverseEvent, "/adverse-events");

/// What a move button posts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveForm {
    course_id: String,
}

/// `POST /sessions/{id}/move?v=N`: the chart's "Move to …" button.
pub async fn move_session(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
    Form(f): Form<MoveForm>,
) -> Response {
    let who = match staff(&who, &format!("/sessions/{public}/move")) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let version = match version_of(q.v) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let to = record_key(&st, &who, &f.course_id).await;
    match fix::move_session(&st, &who, id, version, to).await {
        Ok(s) => Redirect::to(&format!("{}#h-course-{}", chart_of(&s), f.course_id)).into_response(),
        Err(e) => error_page(e),
    }
}
