//! De-identified aggregates for researchers (rows from SQLite, or from
//! PostgreSQL's de-identified views as the research role): counts and pain-outcome
//! summaries per clinic and condition. No identifier, contact, note or
//! calendar date leaves this module (time appears only as days since the
//! course start). A cell with fewer than `min_cell` patients is suppressed,
//! and so is each figure with fewer than `min_cell` patients behind it;
//! means of pain scores are rounded to half a point and days to whole
//! weeks, so that two snapshots that differ by one patient do not reveal
//! that patient's values.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{PgPool, Row, SqlitePool};

use crate::store::Result;

/// Values of one figure with the patients behind them.
#[derive(Default)]
struct Figure {
    values: Vec<f64>,
    patients: BTreeSet<String>,
}

impl Figure {
    fn push(&mut self, patient: &str, v: f64) {
        self.values.push(v);
        self.patients.insert(patient.to_string());
    }

    /// Whether at least `min_cell` patients are behind the figure.
    fn enough(&self, min_cell: i64) -> bool {
        (self.patients.len() as i64) >= min_cell
    }

    /// The mean rounded to `step`, or null when fewer than `min_cell`
    /// patients are behind it.
    fn mean(&self, min_cell: i64, step: f64) -> serde_json::Value {
        if !self.enough(min_cell) || self.values.is_empty() {
            return serde_json::Value::Null;
        }
        let m = self.values.iter().sum::<f64>() / self.values.len() as f64;
        serde_json::json!((m / step).round() * step)
    }
}

#[derive(Default)]
struct Cell {
    patients: BTreeSet<String>,
    courses: usize,
    baseline: Figure,
    last: Figure,
    change: Figure,
    responders30: usize,
    with_both: usize,
    days: Figure,
}

/// Means of NRS points are reported to the nearest half point.
pub const NRS_STEP: f64 = 0.5;
/// Days are reported to the nearest whole week.
pub const DAYS_STEP: f64 = 7.0;

fn days_between(a: &str, b: &str) -> Option<f64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let a = time::Date::parse(a.get(..10)?, &fmt).ok()?;
    let b = time::Date::parse(b.get(..10)?, &fmt).ok()?;
    Some((b - a).whole_days() as f64)
}

/// A course as the aggregates see it: no identifier beyond a patient key.
pub struct CourseRow {
    /// Course id (joins the outcomes).
    pub course_id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// A key that is the same for the same patient.
    pub patient_key: String,
    /// Condition code.
    pub condition: String,
}

/// A 0-10 average-pain outcome of a course.
pub struct PainRow {
    /// Course.
    pub course_id: i64,
    /// baseline, session, follow_up ...
    pub timepoint: String,
    /// Session number (0 when not given).
    pub session_number: i64,
    /// The score (NaN when missing).
    pub value: f64,
    /// Days from the course start to the measurement.
    pub days_since_start: Option<f64>,
}

/// Reads the rows from an SQLite registry (time turned into days here).
pub async fn sqlite_rows(pool: &SqlitePool) -> Result<(Vec<CourseRow>, Vec<PainRow>)> {
    let courses = sqlx::query(
        "SELECT id, clinic_id, patient_id, json_extract(data, '$.condition') AS condition, json_extract(data, '$.start') AS start \
         FROM records WHERE kind = 'course'",
    )
    .fetch_all(pool)
    .await?;
    let outcomes = sqlx::query(
        "SELECT parent_id, json_extract(data, '$.value') AS value, json_extract(data, '$.timepoint') AS tp, \
         json_extract(data, '$.session_number') AS n, json_extract(data, '$.date') AS date \
         FROM records WHERE kind = 'outcome' AND json_extract(data, '$.instrument') = 'nrs_average' \
         AND json_extract(data, '$.voided') IS NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let starts: BTreeMap<i64, String> = courses
        .iter()
        .map(|c| (c.get("id"), c.get::<Option<String>, _>("start").unwrap_or_default()))
        .collect();
    let course_rows = courses
        .iter()
        .map(|c| CourseRow {
            course_id: c.get("id"),
            clinic_id: c.get("clinic_id"),
            patient_key: c.get::<Option<i64>, _>("patient_id").unwrap_or(0).to_string(),
            condition: c.get::<Option<String>, _>("condition").unwrap_or_default(),
        })
        .collect();
    let pain_rows = outcomes
        .iter()
        .filter_map(|o| {
            let course_id = o.get::<Option<i64>, _>("parent_id")?;
            let date = o.get::<Option<String>, _>("date").unwrap_or_default();
            Some(PainRow {
                course_id,
                timepoint: o.get::<Option<String>, _>("tp").unwrap_or_default(),
                session_number: o.get::<Option<i64>, _>("n").unwrap_or(0),
                value: o.get::<Option<f64>, _>("value").unwrap_or(f64::NAN),
                days_since_start: starts.get(&course_id).and_then(|s| days_between(s, &date)),
            })
        })
        .collect();
    Ok((course_rows, pain_rows))
}

/// Reads the rows from PostgreSQL's de-identified views, as `acumen_research`.
pub async fn pg_rows(pool: &PgPool) -> Result<(Vec<CourseRow>, Vec<PainRow>)> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL ROLE acumen_research").execute(&mut *tx).await?;
    let courses = sqlx::query("SELECT course_id, clinic_id, patient_key, condition FROM research_courses")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| CourseRow {
            course_id: r.get("course_id"),
            clinic_id: r.get("clinic_id"),
            patient_key: r.get("patient_key"),
            condition: r.get("condition"),
        })
        .collect();
    let pain = sqlx::query(
        "SELECT course_id, timepoint, session_number, value, days_since_start FROM research_pain ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| PainRow {
        course_id: r.get("course_id"),
        timepoint: r.get("timepoint"),
        session_number: r.get("session_number"),
        value: r.get::<Option<f64>, _>("value").unwrap_or(f64::NAN),
        days_since_start: r.get("days_since_start"),
    })
    .collect();
    tx.commit().await?;
    Ok((courses, pain))
}

/// Computes the aggregates (pure: the rows in, the JSON out).
pub fn aggregates(courses: &[CourseRow], outcomes: &[PainRow], min_cell: i64) -> serde_json::Value {
    let mut by_course: BTreeMap<i64, Vec<&PainRow>> = BTreeMap::new();
    for o in outcomes {
        by_course.entry(o.course_id).or_default().push(o);
    }
    let mut cells: BTreeMap<(i64, String), Cell> = BTreeMap::new();
    for c in courses {
        let cell = cells.entry((c.clinic_id, c.condition.clone())).or_default();
        cell.patients.insert(c.patient_key.clone());
        cell.courses += 1;
        let obs = by_course.get(&c.course_id).cloned().unwrap_or_default();
        let baseline = obs.iter().filter(|o| o.timepoint == "baseline").map(|o| o.value).last();
        let last = obs
            .iter()
            .filter(|o| o.timepoint == "session")
            .max_by_key(|o| o.session_number);
        let who = c.patient_key.as_str();
        if let Some(b) = baseline {
            cell.baseline.push(who, b);
        }
        if let Some(l) = last {
            cell.last.push(who, l.value);
            if let Some(d) = l.days_since_start {
                cell.days.push(who, d);
            }
        }
        if let (Some(b), Some(l)) = (baseline, last) {
            if b > 0.0 {
                cell.with_both += 1;
                cell.change.push(who, l.value - b);
                if (b - l.value) / b >= 0.3 {
                    cell.responders30 += 1;
                }
            }
        }
    }
    let rows: Vec<serde_json::Value> = cells
        .into_iter()
        .map(|((clinic, condition), c)| {
            let n = c.patients.len() as i64;
            if n < min_cell {
                serde_json::json!({"clinic_id": clinic, "condition": condition, "suppressed": true})
            } else {
                // Each figure is suppressed by the patients behind it, not by
                // the cell's size; means are rounded so that two snapshots one
                // patient apart do not give that patient's values away.
                let mut suppressed: Vec<&str> = Vec::new();
                for (name, f) in [
                    ("baseline_nrs_mean", &c.baseline),
                    ("last_nrs_mean", &c.last),
                    ("mean_change", &c.change),
                    ("days_since_start_to_last_measure_mean", &c.days),
                ] {
                    if !f.enough(min_cell) {
                        suppressed.push(name);
                    }
                }
                // The evaluable patients are those behind the change.
                let evaluable_ok = c.change.enough(min_cell);
                if !evaluable_ok {
                    suppressed.push("responders_30pct");
                }
                serde_json::json!({
                    "clinic_id": clinic, "condition": condition, "suppressed": false, "patients": n,
                    "courses": c.courses,
                    "baseline_nrs_mean": c.baseline.mean(min_cell, NRS_STEP),
                    "last_nrs_mean": c.last.mean(min_cell, NRS_STEP),
                    "mean_change": c.change.mean(min_cell, NRS_STEP),
                    "responders_30pct": if evaluable_ok { serde_json::json!(c.responders30) } else { serde_json::Value::Null },
                    "evaluable": if evaluable_ok { serde_json::json!(c.with_both) } else { serde_json::Value::Null },
                    "days_since_start_to_last_measure_mean": c.days.mean(min_cell, DAYS_STEP),
                    "suppressed_figures": suppressed,
                    "suppressed_reason": if suppressed.is_empty() { serde_json::Value::Null } else { serde_json::json!(format!("fewer than {min_cell} patients")) },
                })
            }
        })
        .collect();
    serde_json::json!({"min_cell": min_cell, "cells": rows})
}
