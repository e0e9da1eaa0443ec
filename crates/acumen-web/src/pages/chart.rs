//! The patient chart (`GET /patients/{id}`): details and risk factors,
//! conditions, screenings, and each course with its pain chart, sessions
//! (points, safety findings, adverse events), outcomes and what was voided
//! (rows in `chart_rows.rs`), each with the way to correct it.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use acumen_domain::ScreeningInput;
use acumen_plot::{chart_svg, Chart as LineChart, Join, RefLine};
use acumen_store::Record;

use super::banner::Banner;
use super::chart_rows::{outcome_rows, session_row, voided_line, OutcomeRow, SessionRow};
use super::layout::{error_page, patient_name, render, text, to_login, UserView};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::chart::{Chart, CourseChart};
use crate::state::AppState;

/// " on 2026-12-01 (reason)" for a course that ended, else "".
fn course_end(data: &serde_json::Value) -> String {
    let end = data.get("end").and_then(|v| v.as_str());
    let reason = data
        .get("end_reason")
        .and_then(|v| v.as_str())
        .filter(|r| !r.is_empty());
    match (end, reason) {
        (Some(e), Some(r)) => format!(" on {e} ({r})"),
        (Some(e), None) => format!(" on {e}"),
        (None, Some(r)) => format!(" ({r})"),
        (None, None) => String::new(),
    }
}

/// A course on the chart.
pub struct CourseView {
    /// Public id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// active, completed or stopped.
    pub status: String,
    /// Takes sessions (active).
    pub active: bool,
    /// One line.
    pub summary: String,
    /// Progress at a glance: session n of planned, the next visit.
    pub progress: String,
    /// What to measure at the next session.
    pub next: String,
    /// Measures scheduled and recorded, and those missing.
    pub completion: String,
    /// Pain chart (SVG made by the plot crate).
    pub chart: String,
    /// Caption.
    pub caption: String,
    /// Sessions.
    pub sessions: Vec<SessionRow>,
    /// Outcomes recorded, newest first.
    pub outcomes: Vec<OutcomeRow>,
    /// What was voided, in words with the reason.
    pub voided: Vec<String>,
    /// The patient's other active courses a session could move to (public id, words).
    pub move_to: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pages/patient.html")]
struct PatientPage {
    user: Option<UserView>,
    simulated: bool,
    id: String,
    admin: bool,
    name: String,
    sex: String,
    banner: Option<Banner>,
    conditions: Vec<String>,
    screenings: Vec<String>,
    courses: Vec<CourseView>,
}

/// The pain chart of a course: NRS by session with the baseline, the 30%
/// and 50% response lines and PGIC marks.
pub fn pain_chart(outcomes: &[Record]) -> (String, String) {
    let num = |o: &Record, k: &str| o.data.get(k).and_then(Value::as_f64);
    let is_pain = |o: &Record| text(&o.data, "instrument") == "nrs_average";
    let baseline = outcomes
        .iter()
        .filter(|o| is_pain(o) && text(&o.data, "timepoint") == "baseline")
        .filter_map(|o| num(o, "value"))
        .next_back();
    let mut points: Vec<(f64, f64)> = outcomes
        .iter()
        .filter(|o| is_pain(o) && text(&o.data, "timepoint") == "session")
        .filter_map(|o| Some((num(o, "session_number")?, num(o, "value")?)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(b) = baseline {
        points.insert(0, (0.0, b));
    }
    let marks: Vec<(f64, String)> = outcomes
        .iter()
        .filter(|o| text(&o.data, "instrument") == "pgic")
        .filter_map(|o| Some((num(o, "session_number")?, format!("PGIC {}", num(o, "value")?))))
        .collect();
    let mut refs = Vec::new();
    if let Some(b) = baseline {
        refs.push(RefLine {
            y: b,
            label: format!("baseline {b}"),
            dashed: false,
        });
        refs.push(RefLine {
            y: b * 0.7,
            label: "30% lower".into(),
            dashed: true,
        });
        refs.push(RefLine {
            y: b * 0.5,
            label: "50% lower".into(),
            dashed: true,
        });
    }
    let caption = match baseline {
        Some(b) => format!("Average pain (0-10) at each session; baseline {b}, with the 30% and 50% response lines."),
        None => "Average pain (0-10) at each session; no baseline recorded yet.".into(),
    };
    let svg = chart_svg(&LineChart {
        title: caption.clone(),
        points,
        band: vec![],
        join: Join::Lines,
        marks,
        refs,
        y_range: (0.0, 10.0),
        xlab: "Session (0 = baseline)".into(),
        ylab: "Pain (NRS 0-10)".into(),
        x_labels: vec![],
    });
    (svg, caption)
}

/// `GET /patients/{id}`
pub async fn patient(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/patients/{public}"));
    };
    if !who.is_staff() {
        return error_page(ApiError::Forbidden("staff only".into()));
    }
    match patient_data(&st, &who, id).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

/// The course's progress, next measures and completion, from the schedule.
fn progress(
    c: &Record,
    sessions: &[(Record, Vec<Record>)],
    outcomes: &[Record],
    today: time::Date,
) -> (String, String, String) {
    use acumen_domain::schedule::{of_records, Visit};
    let sessions = sessions.iter().map(|(s, _)| &s.data);
    let Some(sch) = of_records(&c.data, sessions, outcomes.iter().map(|o| &o.data), today) else {
        return (String::new(), String::new(), String::new());
    };
    let visit = match sch.visit {
        Visit::None => String::new(),
        Visit::Upcoming { on } => format!(" · next session expected {on}"),
        Visit::Today => " · next session expected today".into(),
        Visit::Overdue { since, days } => format!(" · next session overdue since {since} ({days} days)"),
    };
    let progress = format!("Session {} of {} planned{visit}", sch.sessions, sch.planned);
    let next: Vec<String> = sch.next.iter().map(|m| m.words()).collect();
    let next = if next.is_empty() {
        String::new()
    } else {
        format!("At the next session: {}.", next.join(", "))
    };
    let (done, all) = sch.completion();
    let missing: Vec<String> = sch.missing().map(|d| d.measure.words()).collect();
    let completion = if all == 0 {
        String::new()
    } else if missing.is_empty() {
        format!("Measures recorded: {done} of {all}.")
    } else {
        format!("Measures recorded: {done} of {all}; missing: {}.", missing.join(", "))
    };
    (progress, next, completion)
}

async fn patient_data(st: &AppState, who: &Authed, id: i64) -> Result<PatientPage, ApiError> {
    let Chart {
        patient: p,
        conditions,
        screenings,
        mut courses,
    } = crate::service::chart::chart(st, who, id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    // The active course first, then the latest.
    courses.sort_by(|a, b| {
        let active = |c: &CourseChart| text(&c.course.data, "status") == "active";
        active(b)
            .cmp(&active(a))
            .then_with(|| text(&b.course.data, "start").cmp(&text(&a.course.data, "start")))
    });
    let mut views = Vec::new();
    for CourseChart {
        course: c,
        outcomes,
        sessions,
        voided,
    } in &courses
    {
        let (chart, caption) = pain_chart(outcomes);
        let mut rows = Vec::new();
        let mut ordered: Vec<&(Record, Vec<Record>)> = sessions.iter().collect();
        ordered.sort_by_key(|(s, _)| s.data.get("number").and_then(Value::as_u64).unwrap_or(0));
        for (s, events) in ordered {
            rows.push(session_row(s, events));
        }
        let move_to = courses
            .iter()
            .map(|o| &o.course)
            .filter(|o| o.id != c.id && text(&o.data, "status") == "active")
            .map(|o| {
                let words = format!(
                    "{} course of {}",
                    super::banner::course_words(&o.data),
                    text(&o.data, "start")
                );
                (o.public_id.clone(), words)
            })
            .collect();
        let status = text(&c.data, "status");
        let (progress, next, completion) = progress(c, sessions, outcomes, today);
        views.push(CourseView {
            id: c.public_id.clone(),
            title: format!("{} course", super::banner::course_words(&c.data)),
            active: status == "active",
            summary: format!(
                "{}{} · {} sessions a week · intent {}",
                status,
                course_end(&c.data),
                c.data
                    .get("sessions_per_week")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                text(&c.data, "intent")
            ),
            status,
            progress,
            next,
            completion,
            chart,
            caption,
            sessions: rows,
            outcomes: outcome_rows(outcomes),
            voided: voided.iter().map(voided_line).collect(),
            move_to,
        });
    }
    Ok(PatientPage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        id: p.public_id.clone(),
        admin: who.role() == acumen_domain::Role::Admin,
        name: patient_name(&p),
        sex: text(&p.data, "sex"),
        banner: Some(Banner::of(
            &p,
            &courses.iter().map(|c| c.course.clone()).collect::<Vec<_>>(),
        )),
        conditions: conditions
            .iter()
            .map(|c| {
                let code = text(&c.data, "code");
                acumen_knowledge::conditions::condition(&code)
                    .map_or(code.clone(), |k| format!("{} ({})", k.name, k.icd10cm.join(", ")))
            })
            .collect(),
        screenings: screenings
            .iter()
            .map(|s| {
                let d = serde_json::from_value::<ScreeningInput>(s.data.clone())
                    .map(|s| serde_json::json!(s.dn4()))
                    .unwrap_or_default();
                format!(
                    "{}: DN4 {}/{} — neuropathic pain {}",
                    text(&s.data, "date"),
                    d["score"],
                    d["max"],
                    if d["neuropathic_likely"].as_bool() == Some(true) {
                        "likely"
                    } else {
                        "unlikely"
                    }
                )
            })
            .collect(),
        courses: views,
    })
}

/// `POST /courses/{id}/reopen`: reopens a finished course (an audited
/// correction) and returns to the chart.
pub async fn reopen(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/courses/{public}/sessions/new"));
    };
    match crate::service::records::reopen_course(&st, &who, id).await {
        Ok(c) => Redirect::to(&format!("/patients/{}", c.patient_public_id.unwrap_or_default())).into_response(),
        Err(e) => error_page(e),
    }
}
