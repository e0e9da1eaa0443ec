//! Outcome entry (staff, on the generic form over the API handler) and the
//! patient's pain diary (tap scales; each answer is checked first, then
//! written through the same API handler).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde_json::Value;

use acumen_domain::{OutcomeInput, Validate};
use acumen_plot::{chart_svg, Chart, Join};

use super::form::{f, posted, req, Field, FormPage, Kind, Posted};
use super::forms::{page, staff, submit};
use super::layout::{error_page, render, to_login, UserView};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::records::add_outcome;
use crate::state::AppState;

pub(crate) fn outcome_fields() -> Vec<Field> {
    vec![
        f(
            "instrument",
            "Measure",
            Kind::Select(vec![
                ("nrs_average", "Average pain, 0-10 (NRS)"),
                ("nrs_worst", "Worst pain, 0-10 (NRS)"),
                ("sleep_interference", "Sleep interference, 0-10"),
                ("pgic", "Global impression of change (PGIC, 1-7)"),
            ]),
        ),
        req("value", "Value", Kind::Number),
        f(
            "recall",
            "Recall period (NRS)",
            Kind::Select(vec![
                ("24h", "last 24 hours"),
                ("7d", "last 7 days"),
                ("", "not applicable (PGIC)"),
            ]),
        ),
        f(
            "timepoint",
            "When",
            Kind::Select(vec![
                ("session", "at a session"),
                ("baseline", "baseline, before session 1"),
                ("follow_up", "follow-up"),
            ]),
        ),
        f("session_number", "Session number", Kind::Integer),
        req("date", "Date", Kind::Date),
    ]
}

/// The public id and name of a course's patient.
async fn course_of(st: &AppState, who: &Authed, course_id: i64) -> Result<(String, String), ApiError> {
    let p = crate::service::day::course_patient(st, who, course_id).await?;
    Ok((p.public_id.clone(), super::layout::patient_name(&p)))
}

fn outcome_page(st: &AppState, who: &Authed, course: &str, patient: (String, String), p: &Posted) -> FormPage {
    let fields = outcome_fields();
    let mut pg = page(
        st,
        who,
        &format!("New outcome for {}", patient.1),
        format!("/courses/{course}/outcomes/new"),
        format!("/patients/{}", patient.0),
        &fields,
        p,
    );
    pg.submit = "Save outcome".into();
    pg
}

/// `GET /courses/{id}/outcomes/new`
pub async fn outcome_form(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let who = match staff(&who, &format!("/courses/{public}/outcomes/new")) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let mut p = Posted::new();
    p.insert("date".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    let pid = match crate::service::day::course_patient(&st, &who, id).await {
        Ok(patient) => patient,
        Err(e) => return error_page(e),
    };
    let pg = outcome_page(
        &st,
        &who,
        &public,
        (pid.public_id.clone(), super::layout::patient_name(&pid)),
        &p,
    );
    super::forms::with_banner(&st, &who, pid.id, pg, &outcome_fields()).await
}

/// `POST /courses/{id}/outcomes/new`: through the same service as the API.
pub async fn outcome_submit(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match staff(&who, &format!("/courses/{public}/outcomes/new")) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match course_of(&st, &who, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let (p, fields) = (posted(pairs), outcome_fields());
    let to = format!("/patients/{}", patient.0);
    let here = format!("/courses/{public}/outcomes/new");
    let (st2, who2) = (st.clone(), who.clone());
    submit::<OutcomeInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        |v| {
            v["source"] = Value::String("clinician".into());
            Ok(())
        },
        |b| async move { add_outcome(&st2, &who2, None, id, b).await },
        |_| to,
        &here,
    )
    .await
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
    /// The active course in words, with its progress.
    course: String,
    /// Earlier courses in words.
    past: Vec<String>,
    /// Today's entry exists (the form corrects it).
    corrects: bool,
    scales: Vec<ScaleView>,
    chart: String,
    /// What the clinic asks now (as a follow-up link would): (n, when, open until).
    asked: Vec<(usize, String, String)>,
}

pub(crate) const DIARY: [(&str, &str, u8, u8, &str); 4] = [
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

pub(crate) fn scales(chosen: &HashMap<String, String>) -> Vec<ScaleView> {
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

async fn diary_page(
    st: &AppState,
    who: &Authed,
    saved: Option<String>,
    errors: Vec<String>,
    chosen: &HashMap<String, String>,
) -> Result<Diary, ApiError> {
    let course = crate::service::day::my_diary(st, who).await?;
    let courses = crate::service::day::my_courses(st, who).await?;
    let asked = crate::service::portal::asked(st, who, time::OffsetDateTime::now_utc())
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, a)| {
            let until = a.open_until.map(|d| d.to_string()).unwrap_or_default();
            (n, a.timepoint.words(), until)
        })
        .collect();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let describe = |c: &acumen_store::Record| {
        let status = c.data.get("status").and_then(Value::as_str).unwrap_or("active");
        let end = c
            .data
            .get("end")
            .and_then(Value::as_str)
            .map(|e| format!(" to {e}"))
            .unwrap_or_default();
        format!("{}{end} ({status})", super::banner::course_words(&c.data))
    };
    let active = course.as_ref().and_then(|(id, _)| courses.iter().find(|c| c.id == *id));
    let past: Vec<String> = courses
        .iter()
        .filter(|c| Some(c.id) != active.map(|a| a.id))
        .rev()
        .map(describe)
        .collect();
    let mut chosen = chosen.clone();
    let mut corrects = false;
    if let Some((_, outcomes)) = &course {
        // Today's answers are shown, so the entry can be corrected.
        for o in outcomes.iter().filter(|o| {
            o.data.get("date").and_then(Value::as_str) == Some(today.as_str())
                && o.data.get("source").and_then(Value::as_str) == Some("patient")
        }) {
            if let (Some(i), Some(v)) = (
                o.data.get("instrument").and_then(Value::as_str),
                o.data.get("value").and_then(Value::as_f64),
            ) {
                corrects = true;
                chosen.entry(i.to_string()).or_insert_with(|| format!("{v}"));
            }
        }
    }
    let course_line = match active {
        Some(c) => {
            let planned = c
                .data
                .get("planned_sessions")
                .map(|v| v.to_string())
                .unwrap_or_default();
            format!("{}, {planned} sessions planned.", describe(c))
        }
        None => String::new(),
    };
    let chosen = &chosen;
    let mut chart = String::new();
    if let Some((_, outcomes)) = &course {
        // The patient's own answers, one point per entry (a day's entry is
        // corrected, not added to), dated on the axis.
        let mut entries: Vec<(time::Date, f64)> = outcomes
            .iter()
            .filter(|o| o.data.get("instrument").and_then(Value::as_str) == Some("nrs_average"))
            .filter(|o| o.data.get("source").and_then(Value::as_str) == Some("patient"))
            .filter_map(|o| {
                let d = acumen_domain::plan::day_of(o.data.get("date")?.as_str()?)?;
                Some((d, o.data.get("value")?.as_f64()?))
            })
            .collect();
        entries.sort_by_key(|x| x.0);
        entries.dedup_by_key(|x| x.0);
        let first = entries.first().map(|x| x.0);
        let points: Vec<(f64, f64)> = entries
            .iter()
            .map(|(d, v)| (first.map_or(0.0, |f| (*d - f).whole_days() as f64), *v))
            .collect();
        // At most six dated ticks: the first day, the last, and evenly between.
        let span = points.last().map_or(0.0, |p| p.0);
        let x_labels: Vec<(f64, String)> = match first {
            Some(f) => {
                let n = (span as i64).clamp(0, 5);
                let fmt = time::macros::format_description!("[day] [month repr:short]");
                (0..=n)
                    .map(|i| {
                        let x = if n == 0 {
                            0.0
                        } else {
                            (span * i as f64 / n as f64).round()
                        };
                        let day = f + time::Duration::days(x as i64);
                        (x, day.format(&fmt).unwrap_or_default())
                    })
                    .collect()
            }
            None => vec![],
        };
        if !points.is_empty() {
            chart = chart_svg(&Chart {
                title: "Your average pain on each day you answered".into(),
                points,
                band: vec![],
                join: Join::Lines,
                marks: vec![],
                refs: vec![],
                y_range: (0.0, 10.0),
                xlab: "Day".into(),
                ylab: "Pain (0-10)".into(),
                x_labels,
            });
        }
    }
    Ok(Diary {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        saved,
        errors,
        has_course: course.is_some(),
        course: course_line,
        past,
        corrects,
        scales: scales(chosen),
        chart,
        asked,
    })
}

/// `GET /diary`
pub async fn diary(
    State(st): State<AppState>,
    who: Option<Authed>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let Some(who) = who else { return to_login("/diary") };
    if who.role() != acumen_domain::Role::Patient {
        return error_page(ApiError::Forbidden("the diary is for patients".into()));
    }
    // After a save (post/redirect/get): how many answers were kept.
    let saved = q.get("saved").and_then(|n| n.parse::<usize>().ok()).map(|n| {
        format!(
            "Saved {n} answer{} for today. You can correct today's entry below.",
            if n == 1 { "" } else { "s" }
        )
    });
    // A refusal of the last POST, shown once.
    let (errors, chosen) = match st.flash.take(who.user.id, "/diary") {
        Some(r) => {
            let mut errors: Vec<(String, String)> = r.errors.into_iter().collect();
            errors.sort();
            let chosen = r
                .posted
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.into_iter().next()?)))
                .collect();
            (errors.into_iter().map(|e| e.1).collect(), chosen)
        }
        None => (vec![], HashMap::new()),
    };
    match diary_page(&st, &who, saved, errors, &chosen).await {
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
    if who.role() != acumen_domain::Role::Patient {
        return error_page(ApiError::Forbidden("the diary is for patients".into()));
    }
    let course = match crate::service::day::my_active_course(&st, &who).await {
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
        let input = OutcomeInput {
            instrument: name.to_string(),
            recall: (name != "pgic").then(|| "24h".to_string()),
            value: v.trim().parse().unwrap_or(f64::NAN),
            timepoint: "follow_up".into(),
            session_number: None,
            date: today.clone(),
            source: "patient".into(),
            scheduled: None,
        };
        // Every answer is checked before any is written: no partial entry.
        match input.clone().validate() {
            Ok(_) => valid.push(input),
            Err(inv) => errors.extend(inv.errors.into_iter().map(|e| format!("{label}: {}", e.rule))),
        }
    }
    if valid.is_empty() && errors.is_empty() {
        errors.push("Tap at least one answer.".into());
    }
    if !errors.is_empty() {
        // Post/redirect/get: the reasons and the taps are kept for the GET.
        let r = super::form::Refusal {
            posted: f.iter().map(|(k, v)| (k.clone(), vec![v.clone()])).collect(),
            errors: errors
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("{i:03}"), e.clone()))
                .collect(),
            ..Default::default()
        };
        st.flash.put(who.user.id, "/diary", r);
        return Redirect::to("/diary").into_response();
    }
    match crate::service::day::save_diary(&st, &who, course, valid).await {
        Ok(n) => Redirect::to(&format!("/diary?saved={n}")).into_response(),
        Err(e) => error_page(e),
    }
}
