//! What a course expects, and when: the one schedule function behind the
//! day view, the chart's progress line and the owner's completion figures.
//!
//! A course of `planned` sessions at `per_week` sessions a week expects its
//! first session on its start day and each next one a whole interval of
//! `round(7 / per_week)` days (at least one) after the last one recorded.
//! The measures it schedules:
//! - average pain (NRS) at baseline, due from the start day;
//! - average pain at every session recorded (the session's own number);
//! - the patient's global impression of change (PGIC) at sessions 6 and 12,
//!   when those sessions are recorded;
//! - a PGIC at the end of the course, due once the course has ended or its
//!   last planned session is recorded: a PGIC at the last session recorded,
//!   or a follow-up PGIC on or after it, counts.
//!
//! Time is passed in (`today`), so every schedule is tested with fixed days.

use serde::Serialize;
use serde_json::Value;
use time::Date;

use crate::error::day_of;

/// The PGIC sessions of every course (besides the end of the course).
pub const PGIC_SESSIONS: [u32; 2] = [6, 12];

/// A course as the schedule reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseFacts {
    /// First day.
    pub start: Date,
    /// Planned sessions.
    pub planned: u32,
    /// Planned sessions per week.
    pub per_week: f64,
    /// Still running (`status` active).
    pub active: bool,
    /// The day it ended, if it did.
    pub end: Option<Date>,
    /// Its own measure schedule, where it departs from the clinic's default
    /// (`follow_up_schedule` of the course).
    pub schedule: Option<crate::followup::CourseSchedule>,
}

/// A session as the schedule reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionFact {
    /// Its number in the course.
    pub number: u32,
    /// Its day.
    pub day: Date,
}

/// An outcome as the schedule reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeFact {
    /// `nrs_average`, `pgic`, ...
    pub instrument: String,
    /// `baseline`, `session` or `follow_up`.
    pub timepoint: String,
    /// The session it belongs to (timepoint `session`).
    pub session_number: Option<u32>,
    /// Its day.
    pub day: Date,
    /// The follow-up timepoint it answers (`follow_up:4w`, ...), when
    /// recorded through a link ([`crate::followup::Timepoint::key`]).
    pub scheduled: Option<String>,
}

fn field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

impl CourseFacts {
    /// Reads a stored course; None when it lacks a start day.
    pub fn of(v: &Value) -> Option<CourseFacts> {
        Some(CourseFacts {
            start: day_of(field(v, "start")?)?,
            planned: v.get("planned_sessions").and_then(Value::as_u64).unwrap_or(0) as u32,
            per_week: v.get("sessions_per_week").and_then(Value::as_f64).unwrap_or(1.0),
            active: field(v, "status").unwrap_or("active") == "active",
            end: field(v, "end").and_then(day_of),
            schedule: v
                .get("follow_up_schedule")
                .and_then(crate::followup::CourseSchedule::of),
        })
    }

    /// The sessions with a PGIC: the course's own, or 6 and 12.
    pub fn pgic_sessions(&self) -> &[u32] {
        self.schedule
            .as_ref()
            .map_or(&PGIC_SESSIONS[..], |s| s.pgic_sessions.as_slice())
    }

    /// Days between sessions: round(7 / per week), at least one.
    pub fn interval_days(&self) -> i64 {
        if self.per_week > 0.0 && self.per_week.is_finite() {
            ((7.0 / self.per_week).round() as i64).max(1)
        } else {
            7
        }
    }
}

impl SessionFact {
    /// Reads a stored session; None without a number or a day.
    pub fn of(v: &Value) -> Option<SessionFact> {
        Some(SessionFact {
            number: v.get("number").and_then(Value::as_u64)? as u32,
            day: day_of(field(v, "at")?)?,
        })
    }
}

impl OutcomeFact {
    /// Reads a stored outcome; None without an instrument or a day.
    pub fn of(v: &Value) -> Option<OutcomeFact> {
        Some(OutcomeFact {
            instrument: field(v, "instrument")?.to_string(),
            timepoint: field(v, "timepoint").unwrap_or("").to_string(),
            session_number: v.get("session_number").and_then(Value::as_u64).map(|n| n as u32),
            day: day_of(field(v, "date")?)?,
            scheduled: field(v, "scheduled").map(str::to_string),
        })
    }
}

/// A measure a course schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "measure", rename_all = "snake_case")]
pub enum Measure {
    /// Average pain before the first session.
    BaselinePain,
    /// Average pain at a session.
    SessionPain {
        /// The session.
        session: u32,
    },
    /// PGIC at session 6 or 12.
    Pgic {
        /// The session.
        session: u32,
    },
    /// PGIC at the end of the course.
    EndPgic,
}

impl Measure {
    /// In words, for a page.
    pub fn words(self) -> String {
        match self {
            Measure::BaselinePain => "baseline pain score".into(),
            Measure::SessionPain { session } => format!("pain score at session {session}"),
            Measure::Pgic { session } => format!("global impression of change (PGIC) at session {session}"),
            Measure::EndPgic => "global impression of change (PGIC) at the end of the course".into(),
        }
    }
}

/// A scheduled measure and whether it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// What.
    #[serde(flatten)]
    pub measure: Measure,
    /// The day it became due.
    pub since: Date,
    /// Recorded.
    pub done: bool,
}

/// When the next session is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "visit", rename_all = "snake_case")]
pub enum Visit {
    /// The course has ended or every planned session is recorded.
    None,
    /// Expected on a later day.
    Upcoming {
        /// The day.
        on: Date,
    },
    /// Expected today.
    Today,
    /// Expected on an earlier day, and not recorded since.
    Overdue {
        /// The day it was expected.
        since: Date,
        /// Days late.
        days: i64,
    },
}

/// A course's schedule on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// Sessions recorded.
    pub sessions: u32,
    /// Sessions planned.
    pub planned: u32,
    /// The next session.
    pub visit: Visit,
    /// Every measure scheduled up to the day, recorded or not.
    pub measures: Vec<Due>,
    /// What to measure at the next session (empty when none is expected).
    pub next: Vec<Measure>,
}

impl Schedule {
    /// The measures scheduled and not recorded.
    pub fn missing(&self) -> impl Iterator<Item = &Due> {
        self.measures.iter().filter(|d| !d.done)
    }

    /// (recorded, scheduled) measures.
    pub fn completion(&self) -> (usize, usize) {
        (self.measures.iter().filter(|d| d.done).count(), self.measures.len())
    }

    /// Whether the next session is expected today or is late.
    pub fn expected_by_today(&self) -> bool {
        matches!(self.visit, Visit::Today | Visit::Overdue { .. })
    }
}

fn has(outcomes: &[OutcomeFact], instrument: &str, timepoint: &str, session: Option<u32>) -> bool {
    outcomes.iter().any(|o| {
        o.instrument == instrument && o.timepoint == timepoint && (session.is_none() || o.session_number == session)
    })
}

/// The schedule of a stored course (its JSON) on `today`, from its stored
/// sessions and outcomes; None when the course has no start day. Records
/// that lack what the schedule reads are left out.
pub fn of_records<'a>(
    course: &Value,
    sessions: impl IntoIterator<Item = &'a Value>,
    outcomes: impl IntoIterator<Item = &'a Value>,
    today: Date,
) -> Option<Schedule> {
    let facts = CourseFacts::of(course)?;
    let ss: Vec<SessionFact> = sessions.into_iter().filter_map(SessionFact::of).collect();
    let os: Vec<OutcomeFact> = outcomes.into_iter().filter_map(OutcomeFact::of).collect();
    Some(schedule(&facts, &ss, &os, today))
}

/// The schedule of a course on `today`, from its sessions and outcomes.
pub fn schedule(course: &CourseFacts, sessions: &[SessionFact], outcomes: &[OutcomeFact], today: Date) -> Schedule {
    let mut recorded: Vec<SessionFact> = sessions.to_vec();
    recorded.sort_by_key(|s| (s.number, s.day));
    let last = recorded.iter().max_by_key(|s| (s.day, s.number)).copied();
    let count = recorded.len() as u32;
    let mut measures = Vec::new();
    if course.start <= today {
        measures.push(Due {
            measure: Measure::BaselinePain,
            since: course.start,
            done: has(outcomes, "nrs_average", "baseline", None),
        });
    }
    for s in &recorded {
        measures.push(Due {
            measure: Measure::SessionPain { session: s.number },
            since: s.day,
            done: has(outcomes, "nrs_average", "session", Some(s.number)),
        });
        if course.pgic_sessions().contains(&s.number) {
            measures.push(Due {
                measure: Measure::Pgic { session: s.number },
                since: s.day,
                done: has(outcomes, "pgic", "session", Some(s.number)),
            });
        }
    }
    let planned_done = course.planned > 0 && recorded.iter().any(|s| s.number >= course.planned);
    if let Some(l) = last.filter(|_| !course.active || planned_done) {
        let already = course.pgic_sessions().contains(&l.number);
        let done = has(outcomes, "pgic", "session", Some(l.number))
            || outcomes
                .iter()
                .any(|o| o.instrument == "pgic" && o.timepoint == "follow_up" && o.day >= l.day);
        if !already {
            measures.push(Due {
                measure: Measure::EndPgic,
                since: course.end.unwrap_or(l.day).max(l.day),
                done,
            });
        }
    }
    let open = course.active && count < course.planned.max(1);
    let visit = if !open {
        Visit::None
    } else {
        let on = match last {
            None => course.start,
            Some(l) => l.day + time::Duration::days(course.interval_days()),
        };
        if on > today {
            Visit::Upcoming { on }
        } else if on == today {
            Visit::Today
        } else {
            Visit::Overdue {
                since: on,
                days: (today - on).whole_days(),
            }
        }
    };
    let mut next = Vec::new();
    if open {
        let n = recorded.iter().map(|s| s.number).max().unwrap_or(0) + 1;
        if !has(outcomes, "nrs_average", "baseline", None) {
            next.push(Measure::BaselinePain);
        }
        next.push(Measure::SessionPain { session: n });
        if course.pgic_sessions().contains(&n) {
            next.push(Measure::Pgic { session: n });
        } else if n == course.planned {
            next.push(Measure::EndPgic);
        }
    }
    Schedule {
        sessions: count,
        planned: course.planned,
        visit,
        measures,
        next,
    }
}
