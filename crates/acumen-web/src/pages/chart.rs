//! The patient chart (`GET /patients/{id}`): details and risk factors,
//! conditions, screenings, and each course with its pain chart and
//! sessions (points, safety findings, adverse events).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use acumen_domain::ScreeningInput;
use acumen_plot::{chart_svg, Chart as LineChart, Join, RefLine};
use acumen_store::Record;

use super::banner::Banner;
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
}

/// A session in the course table.
pub struct SessionRow {
    /// Public id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Date.
    pub date: String,
    /// Points.
    pub points: String,
    /// Safety findings in a few words.
    pub safety: String,
    /// The findings' reasons in full.
    pub reasons: Vec<String>,
    /// Adverse events: date, type, severity, causality, outcome.
    pub events: Vec<String>,
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

/// An adverse event in one line: "2026-11-20 · Bruising or bleeding · mild, grade 1 · possible · recovered".
fn event_line(e: &Value) -> String {
    use acumen_domain::{words_of, AE_TYPE_WORDS, CAUSALITY_WORDS, OUTCOME_WORDS};
    format!(
        "{} · {} · {}, grade {} · causality {} · {}{}",
        text(e, "onset"),
        words_of(&AE_TYPE_WORDS, &text(e, "type")),
        text(e, "severity"),
        e.get("ctcae_grade").map(|g| g.to_string()).unwrap_or_default(),
        words_of(&CAUSALITY_WORDS, &text(e, "causality")).to_lowercase(),
        words_of(&OUTCOME_WORDS, &text(e, "outcome")).to_lowercase(),
        if e.get("serious").and_then(Value::as_bool) == Some(true) {
            " · serious"
        } else {
            ""
        }
    )
}

/// The stored findings of a session: a short line (the kind of each
/// finding and its points) and the reasons in full.
fn safety_line(session: &Value) -> (String, Vec<String>) {
    let findings: Vec<&Value> = session
        .pointer("/safety/findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let overridden = !acumen_domain::gate::StoredSafety::of(session).overridden.is_empty();
    let kind = |f: &Value| match text(f, "severity").as_str() {
        "hard_stop" if overridden => "hard stop, overridden",
        "hard_stop" => "hard stop",
        "needs_rationale" => "rationale given",
        "warning" => "warning",
        _ => "note",
    };
    let short: Vec<String> = findings
        .iter()
        .map(|f| {
            let pts: Vec<&str> = f
                .get("points")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if pts.is_empty() {
                kind(f).to_string()
            } else {
                format!("{} ({})", kind(f), pts.join(", "))
            }
        })
        .collect();
    let reasons = findings.iter().map(|f| text(f, "reason")).collect();
    if short.is_empty() {
        ("none".into(), vec![])
    } else {
        (short.join("; "), reasons)
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
    } in &courses
    {
        let (chart, caption) = pain_chart(outcomes);
        let mut rows = Vec::new();
        let mut ordered: Vec<&(Record, Vec<Record>)> = sessions.iter().collect();
        ordered.sort_by_key(|(s, _)| s.data.get("number").and_then(Value::as_u64).unwrap_or(0));
        for (s, events) in ordered {
            let pts: Vec<String> = s
                .data
                .get("points")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| text(p, "code"))
                .collect();
            let (safety, reasons) = safety_line(&s.data);
            rows.push(SessionRow {
                id: s.public_id.clone(),
                number: s.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
                date: text(&s.data, "at").chars().take(10).collect(),
                points: pts.join(", "),
                safety,
                reasons,
                events: events.iter().map(|e| event_line(&e.data)).collect(),
            });
        }
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
