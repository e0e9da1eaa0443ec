//! A clinic's records, assembled into courses with their sessions, pain
//! and PGIC measures and adverse events. The shell hands over the stored
//! JSON of each record; records that do not parse are skipped and counted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use acumen_domain::plan::day_of;
use acumen_domain::{AdverseEventInput, CourseInput, OutcomeInput, SessionInput};

/// A stored record as the shell passes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRecord {
    /// Record id (creation order).
    pub id: i64,
    /// course, session, outcome, adverse_event (others are ignored).
    pub kind: String,
    /// Patient.
    pub patient_id: Option<i64>,
    /// Parent (course of a session or outcome, session of an adverse event).
    pub parent_id: Option<i64>,
    /// The record's fields.
    pub data: Value,
}

/// One session of a course.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Record id.
    pub id: i64,
    /// Number within the course.
    pub number: u32,
    /// Day.
    pub day: time::Date,
    /// Point codes.
    pub points: Vec<String>,
}

/// One measure of a course.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Record id (order of entry).
    pub id: i64,
    /// nrs_average, nrs_worst, sleep_interference, pgic.
    pub instrument: String,
    /// 24h or 7d for NRS.
    pub recall: Option<String>,
    /// Value.
    pub value: f64,
    /// baseline, session, follow_up.
    pub timepoint: String,
    /// Session number.
    pub session_number: Option<u32>,
    /// Day.
    pub day: time::Date,
}

/// One adverse event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Session it followed.
    pub session_id: i64,
    /// Type.
    pub kind: String,
    /// mild, moderate, severe.
    pub severity: String,
    /// Serious adverse event.
    pub serious: bool,
}

/// A course with everything recorded under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// Record id.
    pub id: i64,
    /// Patient.
    pub patient_id: i64,
    /// Condition code.
    pub condition: String,
    /// treatment or prevention.
    pub intent: String,
    /// active, completed, stopped.
    pub status: String,
    /// Planned sessions.
    pub planned_sessions: u32,
    /// The day it started.
    pub start: Option<time::Date>,
    /// The practitioner it names (a user's public id), if any.
    pub practitioner: Option<String>,
    /// Sessions by number.
    pub sessions: Vec<Session>,
    /// Measures in entry order.
    pub measures: Vec<Measure>,
    /// Adverse events.
    pub events: Vec<Event>,
}

/// Courses and how many records could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assembled {
    /// Courses in id order.
    #[serde(skip)]
    pub courses: Vec<Course>,
    /// Records skipped because their fields did not parse.
    pub unreadable: usize,
}

/// Builds courses from a clinic's records.
pub fn assemble(records: &[RawRecord]) -> Assembled {
    let mut unreadable = 0;
    let mut courses: BTreeMap<i64, Course> = BTreeMap::new();
    let mut session_course: BTreeMap<i64, i64> = BTreeMap::new();
    let mut sorted: Vec<&RawRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.id);
    for r in sorted.iter().filter(|r| r.kind == "course") {
        match (<CourseInput as serde::Deserialize>::deserialize(&r.data), r.patient_id) {
            (Ok(c), Some(patient_id)) => {
                courses.insert(
                    r.id,
                    Course {
                        id: r.id,
                        patient_id,
                        condition: c.condition,
                        intent: c.intent,
                        status: c.status,
                        planned_sessions: c.planned_sessions,
                        start: day_of(&c.start),
                        practitioner: match c.practitioner_id {
                            Some(acumen_domain::PractitionerRef::Public(p)) => Some(p),
                            _ => None,
                        },
                        sessions: vec![],
                        measures: vec![],
                        events: vec![],
                    },
                );
            }
            _ => unreadable += 1,
        }
    }
    for r in sorted.iter().filter(|r| r.kind == "session") {
        let parsed = <SessionInput as serde::Deserialize>::deserialize(&r.data).ok();
        match (parsed, r.parent_id.and_then(|p| courses.get_mut(&p))) {
            (Some(s), Some(c)) => match day_of(&s.at) {
                Some(day) => {
                    session_course.insert(r.id, c.id);
                    c.sessions.push(Session {
                        id: r.id,
                        number: s.number,
                        day,
                        points: s.points.into_iter().map(|p| p.code).collect(),
                    });
                }
                None => unreadable += 1,
            },
            _ => unreadable += 1,
        }
    }
    for r in sorted.iter().filter(|r| r.kind == "outcome") {
        let parsed = <OutcomeInput as serde::Deserialize>::deserialize(&r.data).ok();
        match (parsed, r.parent_id.and_then(|p| courses.get_mut(&p))) {
            (Some(o), Some(c)) => match day_of(&o.date) {
                Some(day) => c.measures.push(Measure {
                    id: r.id,
                    instrument: o.instrument,
                    recall: o.recall,
                    value: o.value,
                    timepoint: o.timepoint,
                    session_number: o.session_number,
                    day,
                }),
                None => unreadable += 1,
            },
            _ => unreadable += 1,
        }
    }
    for r in sorted.iter().filter(|r| r.kind == "adverse_event") {
        let parsed = <AdverseEventInput as serde::Deserialize>::deserialize(&r.data).ok();
        let course = r.parent_id.and_then(|s| session_course.get(&s)).copied();
        match (parsed, course.and_then(|c| courses.get_mut(&c)), r.parent_id) {
            (Some(a), Some(c), Some(session_id)) => c.events.push(Event {
                session_id,
                kind: a.kind,
                severity: a.severity,
                serious: a.serious,
            }),
            _ => unreadable += 1,
        }
    }
    let mut courses: Vec<Course> = courses.into_values().collect();
    for c in &mut courses {
        c.sessions.sort_by_key(|s| (s.number, s.id));
    }
    Assembled { courses, unreadable }
}
