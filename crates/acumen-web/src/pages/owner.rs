//! The owner's outcome dashboard (`GET /clinic/outcomes`, admins): the
//! filters (condition, practitioner, start period) as a plain GET form, and
//! the figures of `service::owner` in three tables — all courses, by
//! condition, by practitioner — each figure with its count and 95 %
//! interval, or "not enough data yet" where the small-number rule hides it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value;

use acumen_analytics::wording::{num, NOT_ENOUGH};

use super::layout::{error_page, render, to_login, UserView};
use crate::auth::Authed;
use crate::service::owner::{outcomes as dashboard, OwnerQuery};
use crate::state::AppState;

/// One row of a table.
pub struct Row {
    /// Condition or practitioner.
    pub label: String,
    /// Patients counted, or "fewer than 10".
    pub patients: String,
    /// Responders (≥ 30 %).
    pub responders: String,
    /// Patients with an adverse event.
    pub adverse: String,
    /// Measures recorded of those scheduled.
    pub completion: String,
}

/// A table of rows.
pub struct Table {
    /// Caption.
    pub caption: &'static str,
    /// The first column's heading.
    pub head: &'static str,
    /// Rows.
    pub rows: Vec<Row>,
}

/// Completion of one scheduled timepoint.
pub struct TimepointRow {
    /// The timepoint in words.
    pub label: String,
    /// Patients it concerns, or "fewer than 10".
    pub patients: String,
    /// Recorded of those that fell due.
    pub completion: String,
}

#[derive(Template)]
#[template(path = "pages/owner.html")]
struct OwnerPage {
    user: Option<UserView>,
    simulated: bool,
    tables: Vec<Table>,
    timepoints: Vec<TimepointRow>,
    conditions: Vec<(String, String)>,
    practitioners: Vec<(String, String)>,
    condition: String,
    practitioner: String,
    from: String,
    to: String,
}

/// A proportion in words: "6 of 12: 50% (95% CI 25% to 75%)".
pub(crate) fn figure(v: &Value) -> String {
    let n = |k: &str| v.get(k).and_then(Value::as_f64);
    match (n("x"), n("n"), n("estimate"), n("lower"), n("upper")) {
        (Some(x), Some(total), Some(e), Some(l), Some(u)) => format!(
            "{x} of {total}: {}% (95% CI {}% to {}%)",
            num(100.0 * e, 0),
            num(100.0 * l, 0),
            num(100.0 * u, 0)
        ),
        (_, Some(total), _, _, _) if total == 0.0 => "none to count".into(),
        _ => NOT_ENOUGH.into(),
    }
}

fn row(v: &Value) -> Row {
    Row {
        label: v.get("label").and_then(Value::as_str).unwrap_or("").to_string(),
        patients: v
            .get("patients")
            .and_then(Value::as_u64)
            .map_or("fewer than 10".into(), |p| p.to_string()),
        responders: figure(&v["responders_30"]),
        adverse: figure(&v["adverse_patients"]),
        completion: figure(&v["completion"]),
    }
}

fn rows(v: &Value) -> Vec<Row> {
    v.as_array().into_iter().flatten().map(row).collect()
}

/// `GET /clinic/outcomes`
pub async fn owner(State(st): State<AppState>, who: Option<Authed>, Query(q): Query<OwnerQuery>) -> Response {
    let Some(who) = who else {
        return to_login("/clinic/outcomes");
    };
    let today = time::OffsetDateTime::now_utc().date();
    let view = match dashboard(&st, &who, &q, today).await {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let day = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut practitioners = view.practitioners.clone();
    practitioners.push((
        acumen_analytics::owner::UNASSIGNED.into(),
        "no practitioner named".into(),
    ));
    render(&OwnerPage {
        user: Some(UserView::of(&who)),
        simulated: st.demo,
        tables: vec![
            Table {
                caption: "All courses selected",
                head: "Group",
                rows: vec![row(&view.figures["total"])],
            },
            Table {
                caption: "By condition",
                head: "Condition",
                rows: rows(&view.figures["by_condition"]),
            },
            Table {
                caption: "By practitioner",
                head: "Practitioner",
                rows: rows(&view.figures["by_practitioner"]),
            },
        ],
        timepoints: view.figures["by_timepoint"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let r = row(v);
                TimepointRow {
                    label: r.label,
                    patients: r.patients,
                    completion: r.completion,
                }
            })
            .collect(),
        conditions: acumen_knowledge::conditions::CONDITIONS
            .iter()
            .map(|c| (c.code.to_string(), c.name.to_string()))
            .collect(),
        practitioners,
        condition: view.filter.condition.clone().unwrap_or_default(),
        practitioner: view.filter.practitioner.clone().unwrap_or_default(),
        from: day(view.filter.from),
        to: day(view.filter.to),
    })
}
