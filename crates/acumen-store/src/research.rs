//! De-identified aggregates for researchers: counts and pain-outcome
//! summaries per clinic and condition. No identifier, contact, note or
//! calendar date leaves this module (time appears only as days since the
//! course start), and cells with fewer than `min_cell` patients are suppressed.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Row, SqlitePool};

use crate::store::Result;

#[derive(Default)]
struct Cell {
    patients: BTreeSet<i64>,
    courses: usize,
    baseline: Vec<f64>,
    last: Vec<f64>,
    change: Vec<f64>,
    responders30: usize,
    with_both: usize,
    days: Vec<f64>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn days_between(a: &str, b: &str) -> Option<f64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let a = time::Date::parse(a.get(..10)?, &fmt).ok()?;
    let b = time::Date::parse(b.get(..10)?, &fmt).ok()?;
    Some((b - a).whole_days() as f64)
}

/// Computes the aggregates.
pub async fn aggregates(pool: &SqlitePool, min_cell: i64) -> Result<serde_json::Value> {
    let courses = sqlx::query(
        "SELECT id, clinic_id, patient_id, json_extract(data, '$.condition') AS condition, json_extract(data, '$.start') AS start \
         FROM records WHERE kind = 'course'",
    )
    .fetch_all(pool)
    .await?;
    let outcomes = sqlx::query(
        "SELECT parent_id, json_extract(data, '$.value') AS value, json_extract(data, '$.timepoint') AS tp, \
         json_extract(data, '$.session_number') AS n, json_extract(data, '$.date') AS date \
         FROM records WHERE kind = 'outcome' AND json_extract(data, '$.instrument') = 'nrs_average' ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let mut by_course: BTreeMap<i64, Vec<(String, i64, f64, String)>> = BTreeMap::new();
    for o in &outcomes {
        let Some(parent) = o.get::<Option<i64>, _>("parent_id") else {
            continue;
        };
        by_course.entry(parent).or_default().push((
            o.get::<Option<String>, _>("tp").unwrap_or_default(),
            o.get::<Option<i64>, _>("n").unwrap_or(0),
            o.get::<Option<f64>, _>("value").unwrap_or(f64::NAN),
            o.get::<Option<String>, _>("date").unwrap_or_default(),
        ));
    }
    let mut cells: BTreeMap<(i64, String), Cell> = BTreeMap::new();
    for c in &courses {
        let key = (
            c.get::<i64, _>("clinic_id"),
            c.get::<Option<String>, _>("condition").unwrap_or_default(),
        );
        let cell = cells.entry(key).or_default();
        cell.patients.insert(c.get::<Option<i64>, _>("patient_id").unwrap_or(0));
        cell.courses += 1;
        let start: String = c.get::<Option<String>, _>("start").unwrap_or_default();
        let obs = by_course.get(&c.get::<i64, _>("id")).cloned().unwrap_or_default();
        let baseline = obs.iter().filter(|o| o.0 == "baseline").map(|o| o.2).last();
        let last = obs.iter().filter(|o| o.0 == "session").max_by_key(|o| o.1);
        if let Some(b) = baseline {
            cell.baseline.push(b);
        }
        if let Some(l) = last {
            cell.last.push(l.2);
            if let Some(d) = days_between(&start, &l.3) {
                cell.days.push(d);
            }
        }
        if let (Some(b), Some(l)) = (baseline, last) {
            if b > 0.0 {
                cell.with_both += 1;
                cell.change.push(l.2 - b);
                if (b - l.2) / b >= 0.3 {
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
                serde_json::json!({
                    "clinic_id": clinic, "condition": condition, "suppressed": false, "patients": n,
                    "courses": c.courses, "baseline_nrs_mean": mean(&c.baseline), "last_nrs_mean": mean(&c.last),
                    "mean_change": mean(&c.change),
                    "responders_30pct": c.responders30, "evaluable": c.with_both,
                    "days_since_start_to_last_measure_mean": mean(&c.days),
                })
            }
        })
        .collect();
    Ok(serde_json::json!({"min_cell": min_cell, "cells": rows}))
}
