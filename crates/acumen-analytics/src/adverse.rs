//! Adverse-event rates of a clinic: the share of sessions with an event
//! (exact binomial interval), events per 1,000 sessions by type and by
//! severity (exact Poisson intervals), and the share of courses (patients)
//! with at least one event, the figure comparable with the published
//! per-patient surveys.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::records::Course;
use crate::stats::{clopper_pearson, poisson_rate, Proportion, Rate};

/// Events of one type or severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// Type or severity.
    pub key: String,
    /// Events per 1,000 sessions.
    pub per_1000_sessions: Rate,
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
    /// Courses with at least one session, and those with at least one event.
    pub courses_with_event: Proportion,
    /// Mean sessions per course (for comparing with surveys of about 10 treatments per patient).
    pub sessions_per_course: Option<f64>,
}

/// Computes the rates over `courses`.
pub fn adverse_rates<'a>(courses: impl IntoIterator<Item = &'a Course>) -> AdverseRates {
    let (mut sessions, mut events, mut serious, mut treated, mut with_event) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut sessions_hit: BTreeSet<i64> = BTreeSet::new();
    let (mut by_type, mut by_severity): (BTreeMap<String, u64>, BTreeMap<String, u64>) = Default::default();
    for c in courses {
        if c.sessions.is_empty() {
            continue;
        }
        treated += 1;
        sessions += c.sessions.len() as u64;
        with_event += u64::from(!c.events.is_empty());
        for e in &c.events {
            events += 1;
            serious += u64::from(e.serious);
            sessions_hit.insert(e.session_id);
            *by_type.entry(e.kind.clone()).or_default() += 1;
            *by_severity.entry(e.severity.clone()).or_default() += 1;
        }
    }
    let breakdown = |m: BTreeMap<String, u64>| {
        m.into_iter()
            .map(|(key, n)| Breakdown {
                key,
                per_1000_sessions: poisson_rate(n, sessions, 1000),
            })
            .collect()
    };
    AdverseRates {
        sessions,
        events,
        serious,
        sessions_with_event: clopper_pearson(sessions_hit.len() as u64, sessions),
        per_1000_sessions: poisson_rate(events, sessions, 1000),
        by_type: breakdown(by_type),
        by_severity: breakdown(by_severity),
        courses_with_event: clopper_pearson(with_event, treated),
        sessions_per_course: (treated > 0).then(|| sessions as f64 / treated as f64),
    }
}
