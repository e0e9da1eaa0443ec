//! The patient chart (`GET /patients/{id}`): details and risk factors,
//! conditions, screenings, and each course with its pain chart and
//! sessions (points, safety findings, adverse events).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use acumen_domain::ScreeningInput;
use acumen_plot::{chart_svg, Chart as LineChart, Join, RefLine};
use acumen_store::Record;

use super::layout::{error_page, patient_name, render, safety_words, text, to_login, UserView};
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
    /// One line.
    pub summary: String,
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
    /// Adverse events recorded.
    pub events: usize,
}

#[derive(Template)]
#[template(path = "pages/patient.html")]
struct PatientPage {
    user: Option<UserView>,
    simulated: bool,
    id: String,
    admin: bool,
    name: String,
    born: String,
    sex: String,
    safety: Vec<String>,
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

async fn patient_data(st: &AppState, who: &Authed, id: i64) -> Result<PatientPage, ApiError> {
    let Chart {
        patient: p,
        conditions,
        screenings,
        courses,
    } = crate::service::chart::chart(st, who, id).await?;
    let mut views = Vec::new();
    for CourseChart {
        course: c,
        outcomes,
        sessions,
    } in &courses
    {
        let (chart, caption) = pain_chart(outcomes);
        let mut rows = Vec::new();
        for (s, events) in sessions {
            let events = events.len();
            let pts: Vec<String> = s
                .data
                .get("points")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| text(p, "code"))
                .collect();
            let safety = acumen_domain::gate::StoredSafety::of(&s.data);
            let findings = safety.rule_ids();
            let overridden = !safety.overridden.is_empty();
            rows.push(SessionRow {
                id: s.public_id.clone(),
                number: s.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
                date: text(&s.data, "at"),
                points: pts.join(", "),
                safety: if findings.is_empty() {
                    "none".into()
                } else {
                    format!(
                        "{}{}",
                        findings.join(", "),
                        if overridden { " (hard stop overridden)" } else { "" }
                    )
                },
                events,
            });
        }
        views.push(CourseView {
            id: c.public_id.clone(),
            title: format!(
                "{} course from {}",
                text(&c.data, "condition").replace('_', " "),
                text(&c.data, "start")
            ),
            summary: format!(
                "{}{} · {} of {} planned sessions recorded · intent {}",
                text(&c.data, "status"),
                course_end(&c.data),
                sessions.len(),
                c.data
                    .get("planned_sessions")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                text(&c.data, "intent")
            ),
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
        born: p.data.get("year_of_birth").map(|y| y.to_string()).unwrap_or_default(),
        sex: text(&p.data, "sex"),
        safety: safety_words(p.data.get("safety").unwrap_or(&Value::Null)),
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
