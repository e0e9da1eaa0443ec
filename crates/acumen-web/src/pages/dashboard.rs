//! The clinic dashboard: active courses, patients due a baseline or an
//! outcome measure, recent adverse events and overridden safety hard stops.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use acumen_store::Record;

use super::layout::{error_page, patient_name, render, text, to_login, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::state::AppState;

/// A line on the dashboard.
pub struct Item {
    /// Patient (public id).
    pub patient_id: String,
    /// Patient's name.
    pub name: String,
    /// What it is.
    pub what: String,
    /// When.
    pub date: String,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct Dashboard {
    user: Option<UserView>,
    simulated: bool,
    clinic: String,
    active: usize,
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
    let crate::service::day::ClinicDay {
        clinic,
        records,
        patients,
    } = crate::service::day::clinic_day(st, who).await?;
    let names: BTreeMap<i64, String> = patients.iter().map(|p| (p.id, patient_name(p))).collect();
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i)).cloned().unwrap_or_default();
    let active: Vec<&Record> = records
        .iter()
        .filter(|r| r.kind == "course" && r.data.get("status").and_then(Value::as_str) == Some("active"))
        .collect();
    let mut due = Vec::new();
    for c in &active {
        let mine = |kind: &'static str| {
            records
                .iter()
                .filter(move |r| r.kind == kind && r.parent_id == Some(c.id))
        };
        let has_baseline = mine("outcome").any(|o| text(&o.data, "timepoint") == "baseline");
        let last_session = mine("session")
            .filter_map(|s| s.data.get("number").and_then(Value::as_u64))
            .max();
        let measured =
            |n: u64| mine("outcome").any(|o| o.data.get("session_number").and_then(Value::as_u64) == Some(n));
        let what = if !has_baseline {
            Some("baseline pain measure".to_string())
        } else {
            last_session
                .filter(|n| !measured(*n))
                .map(|n| format!("pain measure for session {n}"))
        };
        if let Some(what) = what {
            due.push(Item {
                patient_id: c.patient_public_id.clone().unwrap_or_default(),
                name: name(c.patient_id),
                what,
                date: String::new(),
            });
        }
    }
    let mut events: Vec<Item> = records
        .iter()
        .filter(|r| r.kind == "adverse_event")
        .map(|r| Item {
            patient_id: r.patient_public_id.clone().unwrap_or_default(),
            name: name(r.patient_id),
            what: format!(
                "{} ({})",
                text(&r.data, "type").replace('_', " "),
                text(&r.data, "severity")
            ),
            date: text(&r.data, "onset"),
        })
        .collect();
    events.sort_by(|a, b| b.date.cmp(&a.date));
    events.truncate(10);
    let mut overrides: Vec<Item> = records
        .iter()
        .filter(|r| r.kind == "session")
        .filter_map(|r| {
            let rules = acumen_domain::gate::StoredSafety::of(&r.data).overridden;
            (!rules.is_empty()).then(|| Item {
                patient_id: r.patient_public_id.clone().unwrap_or_default(),
                name: name(r.patient_id),
                what: format!("{} — {}", rules.join(", "), text(&r.data, "override_reason")),
                date: text(&r.data, "at"),
            })
        })
        .collect();
    overrides.sort_by(|a, b| b.date.cmp(&a.date));
    overrides.truncate(10);
    due.truncate(20);
    Ok(Dashboard {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        clinic: clinic.name,
        active: active.len(),
        due,
        events,
        overrides,
    })
}
