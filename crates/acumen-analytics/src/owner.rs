//! The clinic owner's outcome dashboard: for the courses a filter selects
//! (condition, practitioner, start day in a period), by condition and by
//! practitioner,
//!
//! - **responders**: courses whose average pain (NRS 0-10) at the latest
//!   session with a score is at least 30 % below baseline, of every course
//!   with a baseline above 0 and at least one session (intention to treat:
//!   a course with no score after baseline counts as not responding),
//!   with a Wilson interval;
//! - **adverse events**: patients with at least one adverse event, of the
//!   patients with at least one session (Clopper-Pearson interval);
//! - **completion**: the measures the course schedule asked for by
//!   `today` (`acumen_domain::schedule`) that were recorded (Wilson), and
//!   per scheduled timepoint (baseline, sessions, a late visit, the end,
//!   4 weeks and 3 months after; `acumen_domain::followup`).
//!
//! Every figure follows the answers page's rule: a group of fewer than 10
//! patients shows none of its figures, a figure with a denominator under 10
//! is suppressed, and where one group of a table is hidden the next
//! smallest is hidden too (complementary suppression), so that no hidden
//! figure is the total minus the others. Pure: the caller loads the
//! records and names the practitioners.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use time::Date;

use crate::adverse::adverse_rates;
use crate::outcomes::{cohort, Criterion};
use crate::records::{assemble, Course, RawRecord};
use crate::stats::wilson;
use crate::wording::{complementary, suppress_small, MIN_PATIENTS};

/// Which courses the dashboard counts (each `None` = all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// A condition code.
    pub condition: Option<String>,
    /// A practitioner's public id.
    pub practitioner: Option<String>,
    /// Courses started on or after this day.
    pub from: Option<Date>,
    /// Courses started on or before this day.
    pub to: Option<Date>,
}

impl Filter {
    fn keeps(&self, c: &Course) -> bool {
        self.condition.as_ref().is_none_or(|k| &c.condition == k)
            && self
                .practitioner
                .as_ref()
                .is_none_or(|p| c.practitioner.as_ref() == Some(p))
            && self.from.is_none_or(|f| c.start.is_some_and(|s| s >= f))
            && self.to.is_none_or(|t| c.start.is_some_and(|s| s <= t))
    }
}

/// The key of courses that name no practitioner.
pub const UNASSIGNED: &str = "unassigned";

/// The figures of one group of courses, as JSON (`{x, n, estimate, lower,
/// upper}` proportions, which the suppression reads).
fn cell(key: &str, label: &str, courses: &[&Course], schedule: &BTreeMap<i64, (usize, usize)>) -> Value {
    let patients: BTreeSet<i64> = courses.iter().map(|c| c.patient_id).collect();
    if patients.len() < MIN_PATIENTS {
        return json!({"key": key, "label": label, "suppressed": true, "patients": null, "courses": null});
    }
    let co = cohort(courses.iter().copied());
    let responders = co
        .courses
        .iter()
        .filter(|(c, baseline)| {
            c.last_session()
                .and_then(|l| c.at_session("nrs_average", l))
                .is_some_and(|v| Criterion::Reduction30.responds(*baseline, v))
        })
        .count() as u64;
    let adverse = adverse_rates(courses.iter().copied()).patients_with_event;
    let (done, all) = courses
        .iter()
        .filter_map(|c| schedule.get(&c.id))
        .fold((0, 0), |(d, a), (x, n)| (d + x, a + n));
    json!({
        "key": key,
        "label": label,
        "patients": patients.len(),
        "courses": courses.len(),
        "responders_30": wilson(responders, co.courses.len() as u64),
        "adverse_patients": adverse,
        "completion": wilson(done as u64, all as u64),
    })
}

/// The dashboard as JSON: `total`, `by_condition` and `by_practitioner`
/// (each a list of cells with `key`, `label`, `patients`, `courses`,
/// `responders_30`, `adverse_patients`, `completion`), small numbers
/// suppressed. `names` gives each practitioner's name by public id;
/// `conditions` each condition's name by code.
pub fn dashboard(
    records: &[RawRecord],
    filter: &Filter,
    today: Date,
    names: &BTreeMap<String, String>,
    conditions: &BTreeMap<String, String>,
) -> Value {
    let assembled = assemble(records);
    let schedule = completion(records, today);
    let kept: Vec<&Course> = assembled.courses.iter().filter(|c| filter.keeps(c)).collect();
    let group = |key_of: &dyn Fn(&Course) -> String, label_of: &dyn Fn(&str) -> String| {
        let mut by: BTreeMap<String, Vec<&Course>> = BTreeMap::new();
        for c in &kept {
            by.entry(key_of(c)).or_default().push(c);
        }
        let mut cells: Vec<Value> = by.iter().map(|(k, cs)| cell(k, &label_of(k), cs, &schedule)).collect();
        cells.iter_mut().for_each(suppress_small);
        complementary(&mut cells);
        cells
    };
    let by_condition = group(&|c| c.condition.clone(), &|k| {
        conditions.get(k).cloned().unwrap_or_else(|| k.to_string())
    });
    let by_practitioner = group(&|c| c.practitioner.clone().unwrap_or_else(|| UNASSIGNED.into()), &|k| {
        names.get(k).cloned().unwrap_or_else(|| "no practitioner named".into())
    });
    let mut total = cell("all", "All courses", &kept, &schedule);
    suppress_small(&mut total);
    let ids: BTreeSet<i64> = kept.iter().map(|c| c.id).collect();
    json!({
        "total": total,
        "by_condition": by_condition,
        "by_practitioner": by_practitioner,
        "by_timepoint": completion_by_timepoint(records, &ids, today),
        "unreadable": assembled.unreadable,
    })
}

/// The follow-up timepoints (`acumen_domain::followup`, the clinic's
/// default plan) in the dashboard's rows: key and words.
const TIMEPOINT_ROWS: [(&str, &str); 6] = [
    ("baseline", "Baseline, before session 1"),
    ("session", "At each session"),
    ("missed", "A late visit, asked by link"),
    ("end", "End of course (PGIC)"),
    ("follow_up:4w", "4 weeks after the course"),
    ("follow_up:3m", "3 months after the course"),
];

/// Every timepoint fallen due by `today` of the courses `keep` selects, from
/// the clinic's records, as (course, patient, timepoint): what the owner's
/// completion and the follow-up planner both read.
pub fn course_timepoints(
    records: &[RawRecord],
    keep: impl Fn(i64) -> bool,
    plan: &acumen_domain::followup::FollowUpPlan,
    today: Date,
) -> Vec<(i64, i64, acumen_domain::followup::Scheduled)> {
    use acumen_domain::followup::timepoints;
    use acumen_domain::schedule::{CourseFacts, OutcomeFact, SessionFact};
    let mut under: BTreeMap<i64, (Vec<SessionFact>, Vec<OutcomeFact>)> = BTreeMap::new();
    for r in records {
        let Some(parent) = r.parent_id.filter(|p| keep(*p)) else {
            continue;
        };
        match r.kind.as_str() {
            "session" => under.entry(parent).or_default().0.extend(SessionFact::of(&r.data)),
            "outcome" => under.entry(parent).or_default().1.extend(OutcomeFact::of(&r.data)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in records.iter().filter(|r| r.kind == "course" && keep(r.id)) {
        let (Some(facts), Some(pid)) = (CourseFacts::of(&c.data), c.patient_id) else {
            continue;
        };
        let (ss, os) = under
            .get(&c.id)
            .map(|(s, o)| (s.as_slice(), o.as_slice()))
            .unwrap_or((&[], &[]));
        out.extend(
            timepoints(&facts, ss, os, plan, today)
                .into_iter()
                .map(|t| (c.id, pid, t)),
        );
    }
    out
}

/// Completion per scheduled timepoint, of the selected courses: of the
/// timepoints that had fallen due by `today`, those whose main measure was
/// recorded (Wilson), with the patients they concern; a row of fewer than
/// 10 patients is suppressed.
pub fn completion_by_timepoint(records: &[RawRecord], courses: &BTreeSet<i64>, today: Date) -> Vec<Value> {
    let plan = acumen_domain::followup::FollowUpPlan::default();
    // key -> (patients, recorded, fell due)
    let mut rows: BTreeMap<&str, (BTreeSet<i64>, u64, u64)> = BTreeMap::new();
    for (_, pid, t) in course_timepoints(records, |id| courses.contains(&id), &plan, today) {
        let key = t.timepoint.key();
        let Some((row, _)) = TIMEPOINT_ROWS
            .iter()
            .find(|(k, _)| key == *k || key.starts_with(&format!("{k}:")))
        else {
            continue;
        };
        let e = rows.entry(row).or_default();
        e.0.insert(pid);
        e.1 += u64::from(t.recorded);
        e.2 += 1;
    }
    TIMEPOINT_ROWS
        .iter()
        .filter_map(|(key, label)| {
            let (patients, done, due) = rows.get(key)?;
            let mut v = if patients.len() < MIN_PATIENTS {
                json!({"key": key, "label": label, "suppressed": true, "patients": null})
            } else {
                json!({"key": key, "label": label, "patients": patients.len(), "completion": wilson(*done, *due)})
            };
            suppress_small(&mut v);
            Some(v)
        })
        .collect()
}

/// Each course's measures recorded and scheduled by `today`, by course id.
fn completion(records: &[RawRecord], today: Date) -> BTreeMap<i64, (usize, usize)> {
    let mut under: BTreeMap<i64, (Vec<&Value>, Vec<&Value>)> = BTreeMap::new();
    for r in records {
        let Some(parent) = r.parent_id else { continue };
        match r.kind.as_str() {
            "session" => under.entry(parent).or_default().0.push(&r.data),
            "outcome" => under.entry(parent).or_default().1.push(&r.data),
            _ => {}
        }
    }
    records
        .iter()
        .filter(|r| r.kind == "course")
        .filter_map(|c| {
            let (s, o) = under.get(&c.id).cloned().unwrap_or_default();
            let sch = acumen_domain::schedule::of_records(&c.data, s, o, today)?;
            Some((c.id, sch.completion()))
        })
        .collect()
}
