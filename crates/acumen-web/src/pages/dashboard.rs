//! The clinic's day: patients expected today or overdue (from each active
//! course's schedule: its frequency and last session), the measures due and
//! not recorded, open adverse events and recent safety overrides; each line
//! links to the page where the work is done.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::layout::{error_page, patient_name, render, text, to_login, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::state::AppState;

/// A line on the dashboard.
pub struct Item {
    /// Patient (public id).
    pub patient_id: String,
    /// Patient's name, with what tells two of one name apart.
    pub name: String,
    /// What it is.
    pub what: String,
    /// When.
    pub date: String,
    /// Where it is done.
    pub href: String,
    /// The link's words.
    pub action: String,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct Dashboard {
    user: Option<UserView>,
    simulated: bool,
    clinic: String,
    today: String,
    active: usize,
    expected: Vec<Item>,
    due: Vec<Item>,
    events: Vec<Item>,
    overrides: Vec<Item>,
}

/// `GET /`
pub async fn dashboard(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let Some(who) = who else { return to_login("/") };
    if who.role() == acumen_domain::Role::Patient {
        return Redirect::to("/diary").into_response();
    }
    if !who.is_staff() {
        return Redirect::to("/answers").into_response();
    }
    match dashboard_data(&st, &who).await {
        Ok(d) => render(&d),
        Err(e) => error_page(e),
    }
}

async fn dashboard_data(st: &AppState, who: &Authed) -> Result<Dashboard, ApiError> {
    use acumen_domain::schedule::{of_records, Visit};
    let crate::service::day::ClinicDay {
        clinic,
        records,
        patients,
    } = crate::service::day::clinic_day(st, who).await?;
    let snapshot = records;
    let records = snapshot.raw.as_slice();
    // The sessions and outcomes of each course.
    let mut of_course: BTreeMap<(i64, &str), Vec<&Value>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.kind == "session" || r.kind == "outcome") {
        if let Some(p) = r.parent_id {
            of_course.entry((p, r.kind.as_str())).or_default().push(&r.data);
        }
    }
    let today = time::OffsetDateTime::now_utc().date();
    let names: BTreeMap<i64, String> = patients
        .iter()
        .map(|p| {
            let born = p
                .data
                .get("year_of_birth")
                .map(|y| format!(", born {y}"))
                .unwrap_or_default();
            (p.id, format!("{}{born}", patient_name(p)))
        })
        .collect();
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i)).cloned().unwrap_or_default();
    let active: Vec<&acumen_analytics::records::RawRecord> = records
        .iter()
        .filter(|r| r.kind == "course" && r.data.get("status").and_then(Value::as_str) == Some("active"))
        .collect();
    let (mut expected, mut due) = (Vec::new(), Vec::new());
    for c in &active {
        let mine = |kind: &'static str| of_course.get(&(c.id, kind)).into_iter().flatten().copied();
        let Some(sch) = of_records(&c.data, mine("session"), mine("outcome"), today) else {
            continue;
        };
        let patient_id = snapshot.public_id(c.patient_id);
        let when = match sch.visit {
            Visit::Today => Some(("expected today".to_string(), today.to_string())),
            Visit::Overdue { since, days } => Some((
                format!("overdue by {days} day{}", if days == 1 { "" } else { "s" }),
                since.to_string(),
            )),
            _ => None,
        };
        if let Some((when, date)) = when {
            let measures: Vec<String> = sch.next.iter().map(|m| m.words()).collect();
            expected.push(Item {
                patient_id: patient_id.clone(),
                name: name(c.patient_id),
                what: format!(
                    "session {} of {} {when}; measure then: {}",
                    sch.sessions + 1,
                    sch.planned,
                    measures.join(", ")
                ),
                date,
                href: format!("/courses/{}/sessions/new", snapshot.public_id(Some(c.id))),
                action: "Record the session".into(),
            });
        }
        for d in sch.missing() {
            due.push(Item {
                patient_id: patient_id.clone(),
                name: name(c.patient_id),
                what: d.measure.words(),
                date: d.since.to_string(),
                href: format!("/courses/{}/outcomes/new", snapshot.public_id(Some(c.id))),
                action: "Add the outcome".into(),
            });
        }
    }
    expected.sort_by(|a, b| a.date.cmp(&b.date));
    due.sort_by(|a, b| a.date.cmp(&b.date));
    let mut events: Vec<Item> = records
        .iter()
        .filter(|r| r.kind == "adverse_event")
        .filter(|r| !matches!(text(&r.data, "outcome").as_str(), "recovered" | "sequelae" | "fatal"))
        .map(|r| Item {
            patient_id: snapshot.public_id(r.patient_id),
            name: name(r.patient_id),
            what: format!(
                "{}, {} — {}",
                acumen_domain::words_of(&acumen_domain::AE_TYPE_WORDS, &text(&r.data, "type")),
                text(&r.data, "severity"),
                acumen_domain::words_of(&acumen_domain::OUTCOME_WORDS, &text(&r.data, "outcome")).to_lowercase()
            ),
            date: text(&r.data, "onset"),
            href: format!("/patients/{}", snapshot.public_id(r.patient_id)),
            action: "Open the chart".into(),
        })
        .collect();
    events.sort_by(|a, b| b.date.cmp(&a.date));
    let mut overrides: Vec<Item> = records
        .iter()
        .filter(|r| r.kind == "session")
        .filter_map(|r| {
            let rules = acumen_domain::gate::StoredSafety::of(&r.data).overridden;
            (!rules.is_empty()).then(|| Item {
                patient_id: snapshot.public_id(r.patient_id),
                name: name(r.patient_id),
                what: format!(
                    "hard stop overridden{}",
                    Some(text(&r.data, "override_reason"))
                        .filter(|t| !t.is_empty())
                        .map(|t| format!(": {t}"))
                        .unwrap_or_default()
                ),
                date: text(&r.data, "at").chars().take(10).collect(),
                href: format!("/patients/{}", snapshot.public_id(r.patient_id)),
                action: "Open the chart".into(),
            })
        })
        .collect();
    overrides.sort_by(|a, b| b.date.cmp(&a.date));
    overrides.truncate(10);
    events.truncate(20);
    due.truncate(50);
    Ok(Dashboard {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        clinic: clinic.name,
        today: today.to_string(),
        active: active.len(),
        expected,
        due,
        events,
        overrides,
    })
}
