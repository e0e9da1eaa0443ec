//! Forms that write: outcome entry (staff) and the patient's pain diary.
//! A refused form comes back with every typed value in place and each
//! message next to its field; the records are validated by the same
//! domain rules and written by the same store calls as the JSON API.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde_json::{json, Value};

use acumen_domain::{OutcomeInput, Validate};
use acumen_plot::{chart_svg, Chart, Join, RefLine};
use acumen_store::Placement;

use crate::auth::Authed;
use crate::error::ApiError;
use crate::pages::{error_page, render, to_login, UserView};
use crate::records::visible;
use crate::AppState;

/// One form field as shown.
pub struct FieldView {
    /// Name (also the element id).
    pub name: String,
    /// Label.
    pub label: String,
    /// Input type (text, number, date) when there are no options.
    pub kind: String,
    /// Value as typed.
    pub value: String,
    /// Options (value, words) for a select.
    pub options: Vec<(String, String)>,
    /// Message next to the field.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/outcome_form.html")]
struct OutcomeForm {
    user: Option<UserView>,
    simulated: bool,
    name: String,
    course_id: i64,
    patient_id: i64,
    errors: Vec<(String, String)>,
    fields: Vec<FieldView>,
}

fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn outcome_fields(values: &HashMap<String, String>, errors: &HashMap<String, String>) -> Vec<FieldView> {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let spec: Vec<(&str, &str, &str, Vec<(String, String)>, String)> = vec![
        (
            "instrument",
            "Measure",
            "",
            opts(&[
                ("nrs_average", "Average pain, 0-10 (NRS)"),
                ("nrs_worst", "Worst pain, 0-10 (NRS)"),
                ("sleep_interference", "Sleep interference, 0-10"),
                ("pgic", "Global impression of change (PGIC, 1-7)"),
            ]),
            "nrs_average".into(),
        ),
        ("value", "Value", "number", vec![], String::new()),
        (
            "recall",
            "Recall period (NRS)",
            "",
            opts(&[
                ("24h", "last 24 hours"),
                ("7d", "last 7 days"),
                ("", "not applicable (PGIC)"),
            ]),
            "24h".into(),
        ),
        (
            "timepoint",
            "When",
            "",
            opts(&[
                ("session", "at a session"),
                ("baseline", "baseline, before session 1"),
                ("follow_up", "follow-up"),
            ]),
            "session".into(),
        ),
        ("session_number", "Session number", "number", vec![], String::new()),
        ("date", "Date", "date", vec![], today),
    ];
    spec.into_iter()
        .map(|(name, label, kind, options, default)| FieldView {
            name: name.into(),
            label: label.into(),
            kind: if kind.is_empty() { "text".into() } else { kind.into() },
            value: values.get(name).cloned().unwrap_or(default),
            options,
            error: errors.get(name).cloned(),
        })
        .collect()
}

async fn course_of(st: &AppState, who: &Authed, course_id: i64) -> Result<(i64, String), ApiError> {
    let course = visible(st, who, "course", course_id).await?;
    let pid = course.patient_id.ok_or(ApiError::NotFound)?;
    let p = st.store.record(&who.actor(), "patient", pid).await?;
    let name = format!(
        "{} {}",
        p.data.get("given_name").and_then(Value::as_str).unwrap_or(""),
        p.data.get("family_name").and_then(Value::as_str).unwrap_or("")
    );
    Ok((pid, name))
}

/// `GET /courses/{id}/outcomes/new`
pub async fn outcome_form(State(st): State<AppState>, who: Option<Authed>, Path(id): Path<i64>) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/courses/{id}/outcomes/new"));
    };
    if !who.is_staff() {
        return error_page(ApiError::Forbidden("staff only".into()));
    }
    match course_of(&st, &who, id).await {
        Ok((patient_id, name)) => render(&OutcomeForm {
            user: Some(UserView::of(&who)),
            simulated: st.demo,
            name,
            course_id: id,
            patient_id,
            errors: vec![],
            fields: outcome_fields(&HashMap::new(), &HashMap::new()),
        }),
        Err(e) => error_page(e),
    }
}

/// Builds the outcome from the typed strings; a value that is not a number
/// is a field error, not a lost form.
fn outcome_from(f: &HashMap<String, String>, source: &str) -> Result<OutcomeInput, HashMap<String, String>> {
    let mut errors = HashMap::new();
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let value = match get("value").replace(',', ".").parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            errors.insert("value".into(), "must be a number".into());
            f64::NAN
        }
    };
    let session_number = match get("session_number") {
        s if s.is_empty() => None,
        s => match s.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.insert("session_number".into(), "must be a whole number".into());
                None
            }
        },
    };
    let recall = Some(get("recall")).filter(|r| !r.is_empty());
    let input = OutcomeInput {
        instrument: get("instrument"),
        recall,
        value,
        timepoint: get("timepoint"),
        session_number,
        date: get("date"),
        source: source.into(),
    };
    if !errors.is_empty() {
        // Report the domain's messages for the other fields too.
        if let Err(inv) = input.clone().validate() {
            for e in inv.errors {
                errors.entry(e.field).or_insert(e.rule);
            }
        }
        return Err(errors);
    }
    Ok(input)
}

/// `POST /courses/{id}/outcomes/new`
pub async fn outcome_submit(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/courses/{id}/outcomes/new"));
    };
    if !who.is_staff() {
        return error_page(ApiError::Forbidden("staff only".into()));
    }
    let (patient_id, name) = match course_of(&st, &who, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let validated = outcome_from(&f, "clinician").and_then(|o| {
        o.validate()
            .map_err(|inv| inv.errors.into_iter().map(|e| (e.field, e.rule)).collect())
    });
    match validated {
        Ok(v) => {
            let at = Placement {
                patient_id: Some(patient_id),
                parent_id: Some(id),
            };
            match st
                .store
                .insert_record(&who.actor(), "outcome", at, json!(v), None)
                .await
            {
                Ok(_) => Redirect::to(&format!("/patients/{patient_id}")).into_response(),
                Err(e) => error_page(e.into()),
            }
        }
        Err(errors) => {
            let fields = outcome_fields(&f, &errors);
            let list = fields
                .iter()
                .filter_map(|x| x.error.as_ref().map(|e| (x.name.clone(), format!("{}: {e}", x.label))))
                .collect();
            let page = OutcomeForm {
                user: Some(UserView::of(&who)),
                simulated: st.demo,
                name,
                course_id: id,
                patient_id,
                errors: list,
                fields,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

/// A tap scale of the diary.
pub struct ScaleView {
    /// Field name.
    pub name: String,
    /// Question.
    pub label: String,
    /// (value, words).
    pub values: Vec<(String, String)>,
    /// Chosen value.
    pub chosen: String,
    /// Anchors in words.
    pub hint: String,
}

#[derive(Template)]
#[template(path = "pages/diary.html")]
struct Diary {
    user: Option<UserView>,
    simulated: bool,
    saved: Option<String>,
    errors: Vec<String>,
    has_course: bool,
    scales: Vec<ScaleView>,
    chart: String,
}

const DIARY: [(&str, &str, u8, u8, &str); 4] = [
    (
        "nrs_average",
        "Your average pain in the last 24 hours",
        0,
        10,
        "0 = no pain, 10 = worst pain imaginable",
    ),
    (
        "nrs_worst",
        "Your worst pain in the last 24 hours",
        0,
        10,
        "0 = no pain, 10 = worst pain imaginable",
    ),
    (
        "sleep_interference",
        "How much pain disturbed your sleep last night",
        0,
        10,
        "0 = not at all, 10 = could not sleep",
    ),
    (
        "pgic",
        "Since treatment began, your condition is",
        1,
        7,
        "1 = very much improved, 4 = no change, 7 = very much worse",
    ),
];

fn scales(chosen: &HashMap<String, String>) -> Vec<ScaleView> {
    DIARY
        .iter()
        .map(|(name, label, lo, hi, hint)| ScaleView {
            name: name.to_string(),
            label: label.to_string(),
            values: (*lo..=*hi).map(|v| (v.to_string(), v.to_string())).collect(),
            chosen: chosen.get(*name).cloned().unwrap_or_default(),
            hint: hint.to_string(),
        })
        .collect()
}

/// The patient's latest active course, if any.
async fn active_course(st: &AppState, who: &Authed) -> Result<Option<(i64, i64)>, ApiError> {
    let Some(pid) = who.user.patient_id else {
        return Ok(None);
    };
    let courses = st.store.children(&who.actor(), "course", pid).await?;
    Ok(courses
        .iter()
        .rev()
        .find(|c| c.data.get("status").and_then(Value::as_str) == Some("active"))
        .map(|c| (pid, c.id)))
}

async fn diary_page(
    st: &AppState,
    who: &Authed,
    saved: Option<String>,
    errors: Vec<String>,
    chosen: &HashMap<String, String>,
) -> Result<Diary, ApiError> {
    let course = active_course(st, who).await?;
    let mut chart = String::new();
    if let Some((_, cid)) = course {
        let outcomes = st.store.children(&who.actor(), "outcome", cid).await?;
        let mut by_day: Vec<(time::Date, f64)> = outcomes
            .iter()
            .filter(|o| o.data.get("instrument").and_then(Value::as_str) == Some("nrs_average"))
            .filter_map(|o| {
                let d = acumen_domain::plan::day_of(o.data.get("date")?.as_str()?)?;
                Some((d, o.data.get("value")?.as_f64()?))
            })
            .collect();
        by_day.sort_by_key(|x| x.0);
        let first = by_day.first().map(|x| x.0);
        let points: Vec<(f64, f64)> = by_day
            .iter()
            .map(|(d, v)| (first.map_or(0.0, |f| (*d - f).whole_days() as f64), *v))
            .collect();
        let base = points.first().map(|p| p.1);
        chart = chart_svg(&Chart {
            title: "Your average pain by day since your first entry".into(),
            points,
            band: vec![],
            join: Join::Lines,
            marks: vec![],
            refs: base
                .map(|b| {
                    vec![RefLine {
                        y: b,
                        label: format!("start {b}"),
                        dashed: true,
                    }]
                })
                .unwrap_or_default(),
            y_range: (0.0, 10.0),
            xlab: "Days since your first entry".into(),
            ylab: "Pain (0-10)".into(),
        });
    }
    Ok(Diary {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        saved,
        errors,
        has_course: course.is_some(),
        scales: scales(chosen),
        chart,
    })
}

/// `GET /diary`
pub async fn diary(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let Some(who) = who else { return to_login("/diary") };
    if who.user.role != "patient" {
        return error_page(ApiError::Forbidden("the diary is for patients".into()));
    }
    match diary_page(&st, &who, None, vec![], &HashMap::new()).await {
        Ok(d) => render(&d),
        Err(e) => error_page(e),
    }
}

/// `POST /diary`: one outcome per answered scale, dated today.
pub async fn diary_submit(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = who else { return to_login("/diary") };
    if who.user.role != "patient" {
        return error_page(ApiError::Forbidden("the diary is for patients".into()));
    }
    let course = match active_course(&st, &who).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/diary").into_response(),
        Err(e) => return error_page(e),
    };
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for (name, label, ..) in DIARY {
        let Some(v) = f.get(name).filter(|v| !v.is_empty()) else {
            continue;
        };
        let mut m = HashMap::new();
        m.insert("instrument".to_string(), name.to_string());
        m.insert("value".to_string(), v.clone());
        m.insert(
            "recall".to_string(),
            if name == "pgic" { String::new() } else { "24h".into() },
        );
        m.insert("timepoint".to_string(), "follow_up".into());
        m.insert("date".to_string(), today.clone());
        match outcome_from(&m, "patient").and_then(|o| {
            o.validate()
                .map_err(|i| i.errors.into_iter().map(|e| (e.field, e.rule)).collect())
        }) {
            Ok(o) => valid.push(o),
            Err(e) => errors.extend(e.into_values().map(|r| format!("{label}: {r}"))),
        }
    }
    if valid.is_empty() && errors.is_empty() {
        errors.push("Tap at least one answer.".into());
    }
    if !errors.is_empty() {
        return match diary_page(&st, &who, None, errors, &f).await {
            Ok(d) => (StatusCode::UNPROCESSABLE_ENTITY, render(&d)).into_response(),
            Err(e) => error_page(e),
        };
    }
    let at = Placement {
        patient_id: Some(course.0),
        parent_id: Some(course.1),
    };
    for o in &valid {
        if let Err(e) = st
            .store
            .insert_record(&who.actor(), "outcome", at, json!(o), None)
            .await
        {
            return error_page(e.into());
        }
    }
    match diary_page(
        &st,
        &who,
        Some(format!(
            "Saved {} answer{} for {today}.",
            valid.len(),
            if valid.len() == 1 { "" } else { "s" }
        )),
        vec![],
        &HashMap::new(),
    )
    .await
    {
        Ok(d) => render(&d),
        Err(e) => error_page(e),
    }
}
