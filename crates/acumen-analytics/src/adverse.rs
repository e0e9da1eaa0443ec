//! Adverse-event rates of a clinic: the share of sessions with an event
//! (exact binomial interval), events per 1,000 sessions by type and by
//! severity (exact Poisson intervals), and the share of courses (patients)
//! with at least one event, the figure comparable with the published
//! per-patient surveys.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::records::Course;
use crate::stats::{clopper_pearson, poisson_rate, Proportion, Rate};

/// Events of one type, one severity, or one type at one severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// Type, severity, or `type/severity`.
    pub key: String,
    /// Events per 1,000 sessions (exact Poisson interval).
    pub per_1000_sessions: Rate,
    /// Sessions followed by at least one such event, of all sessions (exact binomial).
    pub sessions_with_event: Proportion,
    /// Patients with at least one such event, of the patients treated (exact binomial).
    pub patients_with_event: Proportion,
}

#[derive(Default)]
struct Tally {
    events: u64,
    sessions: BTreeSet<i64>,
    patients: BTreeSet<i64>,
}

/// The adverse-event figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdverseRates {
    /// Sessions recorded.
    pub sessions: u64,
    /// Events recorded.
    pub events: u64,
    /// Serious events.
    pub serious: u64,
    /// Sessions followed by at least one event.
    pub sessions_with_event: Proportion,
    /// Events per 1,000 sessions.
    pub per_1000_sessions: Rate,
    /// By type.
    pub by_type: Vec<Breakdown>,
    /// By severity.
    pub by_severity: Vec<Breakdown>,
    /// By type and severity (`type/severity`).
    pub by_type_severity: Vec<Breakdown>,
    /// Patients treated, and those with at least one event.
    pub patients_with_event: Proportion,
    /// Courses with at least one session, and those with at least one event.
    pub courses_with_event: Proportion,
    /// Mean sessions per course (for comparing with surveys of about 10 treatments per patient).
    pub sessions_per_course: Option<f64>,
}

/// Computes the rates over `courses`.
pub fn adverse_rates<'a>(courses: impl IntoIterator<Item = &'a Course>) -> AdverseRates {
    let (mut sessions, mut events, mut serious, mut treated, mut with_event) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut sessions_hit: BTreeSet<i64> = BTreeSet::new();
    let mut by: [BTreeMap<String, Tally>; 3] = Default::default();
    let (mut patients, mut patients_hit): (BTreeSet<i64>, BTreeSet<i64>) = Default::default();
    for c in courses {
        if c.sessions.is_empty() {
            continue;
        }
        treated += 1;
        patients.insert(c.patient_id);
        sessions += c.sessions.len() as u64;
        with_event += u64::from(!c.events.is_empty());
        for e in &c.events {
            events += 1;
            serious += u64::from(e.serious);
            sessions_hit.insert(e.session_id);
            patients_hit.insert(c.patient_id);
            let keys = [e.kind.clone(), e.severity.clone(), format!("{}/{}", e.kind, e.severity)];
            for (m, key) in by.iter_mut().zip(keys) {
                let t = m.entry(key).or_default();
                t.events += 1;
                t.sessions.insert(e.session_id);
                t.patients.insert(c.patient_id);
            }
        }
    }
    let n_patients = patients.len() as u64;
    let breakdown = |m: BTreeMap<String, Tally>| {
        m.into_iter()
            .map(|(key, t)| Breakdown {
                key,
                per_1000_sessions: poisson_rate(t.events, sessions, 1000),
                sessions_with_event: clopper_pearson(t.sessions.len() as u64, sessions),
                patients_with_event: clopper_pearson(t.patients.len() as u64, n_patients),
            })
            .collect()
    };
    let [by_type, by_severity, by_type_severity] = by;
    AdverseRates {
        sessions,
        events,
        serious,
        sessions_with_event: clopper_pearson(sessions_hit.len() as u64, sessions),
        per_1000_sessions: poisson_rate(events, sessions, 1000),
        by_type: breakdown(by_type),
        by_severity: breakdown(by_severity),
        by_type_severity: breakdown(by_type_severity),
        patients_with_event: clopper_pearson(patients_hit.len() as u64, n_patients),
        courses_with_event: clopper_pearson(with_event, treated),
        sessions_per_course: (treated > 0).then(|| sessions as f64 / treated as f64),
    }
}
