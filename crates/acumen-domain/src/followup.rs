//! The follow-up plan of a course: every measure it schedules, at a visit or
//! between visits, with its state on a day. It extends the visit schedule of
//! [`crate::schedule`] with what the patient is asked outside the clinic.
//!
//! The timepoints of a course, under a [`FollowUpPlan`] (the clinic's
//! default, editable per course):
//! - **baseline**: average and worst pain and sleep interference, due from
//!   the course's start day until session 1; asked by a link when the course
//!   starts (a baseline recorded at the first visit also counts);
//! - **session n**: the same three at every session recorded, and the
//!   patient's global impression of change (PGIC) at sessions 6 and 12;
//!   recorded at the visit;
//! - **missed visit**: when the next session is late by
//!   `missed_visit_after_days`, the three pain measures are asked by a link;
//! - **end of course**: PGIC, once the course has ended or its last planned
//!   session is recorded (recorded at the last visit, or by the first
//!   follow-up);
//! - **follow-ups**: four weeks and three months after the end of the course,
//!   the three pain measures and PGIC, asked by a link.
//!
//! A timepoint counts as recorded when its main measure is (average pain; PGIC
//! at the end of the course). Dates are calendar days; time is passed in.

use serde::Serialize;
use time::{Date, Duration, Month};

use crate::schedule::{CourseFacts, OutcomeFact, SessionFact, PGIC_SESSIONS};

/// When a follow-up falls after the end of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// So many weeks.
    Weeks(u32),
    /// So many calendar months (the same day of the month, or the month's last day).
    Months(u32),
}

impl After {
    /// The day it falls on, from `end`.
    pub fn from(self, end: Date) -> Date {
        match self {
            After::Weeks(w) => end + Duration::weeks(i64::from(w)),
            After::Months(m) => add_months(end, m),
        }
    }

    fn key(self) -> String {
        match self {
            After::Weeks(w) => format!("{w}w"),
            After::Months(m) => format!("{m}m"),
        }
    }

    fn words(self) -> String {
        match self {
            After::Weeks(1) => "1 week".into(),
            After::Weeks(w) => format!("{w} weeks"),
            After::Months(1) => "1 month".into(),
            After::Months(m) => format!("{m} months"),
        }
    }
}

/// `d` plus `m` calendar months, on the month's last day when the day is missing (31 Jan + 1 = 28/29 Feb).
fn add_months(d: Date, m: u32) -> Date {
    let months = d.year() * 12 + (d.month() as i32 - 1) + m as i32;
    let (year, month0) = (months.div_euclid(12), months.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let day = d.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(d)
}

/// A course's own schedule (`follow_up_schedule` on the course): the
/// sessions with a PGIC and the follow-ups after its end, in place of the
/// clinic's (6 and 12; 4 weeks and 3 months).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseScheduleInput {
    /// Session numbers (1 to 100) with a PGIC.
    pub pgic_sessions: Vec<u32>,
    /// Follow-ups after the end: `4w` (1 to 104 weeks) or `3m` (1 to 24 months).
    pub follow_ups: Vec<String>,
}

/// A course's own schedule, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSchedule {
    /// Sessions with a PGIC.
    pub pgic_sessions: Vec<u32>,
    /// Follow-ups after the end.
    pub follow_ups: Vec<After>,
}

impl After {
    /// From `4w` or `3m`; None for anything else or out of range.
    pub fn of_key(k: &str) -> Option<After> {
        let (n, unit) = k.split_at(k.len().checked_sub(1)?);
        let n: u32 = n.parse().ok()?;
        match unit {
            "w" if (1..=104).contains(&n) => Some(After::Weeks(n)),
            "m" if (1..=24).contains(&n) => Some(After::Months(n)),
            _ => None,
        }
    }
}

impl CourseScheduleInput {
    /// Checks it under `field` (the course's `follow_up_schedule`).
    pub fn check(&self, c: &mut crate::error::Check, field: &str) {
        c.ensure(
            self.pgic_sessions.len() <= 10,
            &format!("{field}.pgic_sessions"),
            "must name at most 10 sessions",
        );
        for (i, n) in self.pgic_sessions.iter().enumerate() {
            c.ensure(
                (1..=100).contains(n),
                &format!("{field}.pgic_sessions[{i}]"),
                "must be a session number from 1 to 100",
            );
        }
        c.ensure(
            self.follow_ups.len() <= 4,
            &format!("{field}.follow_ups"),
            "must name at most 4 follow-ups",
        );
        for (i, k) in self.follow_ups.iter().enumerate() {
            if After::of_key(k).is_none() {
                c.fail(
                    format!("{field}.follow_ups[{i}]"),
                    format!("must be weeks or months after the end, written like 4w (1 to 104 weeks) or 3m (1 to 24 months), got '{k}'"),
                );
            }
        }
    }
}

impl CourseSchedule {
    /// From a stored course's `follow_up_schedule`; None when absent or not valid.
    pub fn of(v: &serde_json::Value) -> Option<CourseSchedule> {
        let i: CourseScheduleInput = serde_json::from_value(v.clone()).ok()?;
        let follow_ups: Option<Vec<After>> = i.follow_ups.iter().map(|k| After::of_key(k)).collect();
        let mut pgic = i.pgic_sessions;
        pgic.sort_unstable();
        pgic.dedup();
        Some(CourseSchedule {
            pgic_sessions: pgic,
            follow_ups: follow_ups?,
        })
    }
}

/// What a clinic (or a course) schedules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpPlan {
    /// The sessions with a PGIC.
    pub pgic_sessions: Vec<u32>,
    /// The follow-ups after the end of the course.
    pub follow_ups: Vec<After>,
    /// Days a next session may be late before its measures are asked by a link.
    pub missed_visit_after_days: i64,
    /// Days a link stays open after its last message.
    pub link_days: i64,
    /// Days after the first message that a reminder goes (unless recorded or declined).
    pub reminder_days: Vec<i64>,
    /// Quiet hours in the clinic's time zone: from this hour ...
    pub quiet_from: u8,
    /// ... to this hour (nothing is sent from 21:00 to 08:00 by default).
    pub quiet_to: u8,
}

impl Default for FollowUpPlan {
    fn default() -> Self {
        FollowUpPlan {
            pgic_sessions: PGIC_SESSIONS.to_vec(),
            follow_ups: vec![After::Weeks(4), After::Months(3)],
            missed_visit_after_days: 3,
            link_days: 7,
            reminder_days: vec![3, 7],
            quiet_from: 21,
            quiet_to: 8,
        }
    }
}

impl FollowUpPlan {
    /// Days from the first message to the day its measure closes unrecorded:
    /// the last reminder's day plus a link's days (14 by default).
    pub fn window_days(&self) -> i64 {
        self.reminder_days.iter().copied().max().unwrap_or(0) + self.link_days
    }

    /// The last day any message about a timepoint due on `due` can go, so a
    /// planner can pass over older ones without reading their messages. The
    /// link goes only while it is due and unsent (by `due + window - 1`); each
    /// later message only while the link is open, which reaches at most
    /// `link_days - 1` past the message before it and `max reminder day +
    /// link_days - 1` past the first: so the last of `n` reminders goes by
    /// `due + window - 1 + max reminder day + n × (link_days - 1)`.
    pub fn last_message_day(&self, due: Date) -> Date {
        let most = self.reminder_days.iter().copied().max().unwrap_or(0);
        let n = self.reminder_days.len() as i64;
        due + Duration::days(self.window_days() - 1 + most + n * (self.link_days - 1).max(0))
    }
}

/// The pain measures asked at every timepoint but the end of the course.
pub const PAIN_MEASURES: [&str; 3] = ["nrs_average", "nrs_worst", "sleep_interference"];

/// A scheduled timepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "timepoint", rename_all = "snake_case")]
pub enum Timepoint {
    /// Before session 1.
    Baseline,
    /// At session `session`.
    Session {
        /// Its number.
        session: u32,
    },
    /// The session `session` expected and not recorded in time.
    MissedVisit {
        /// Its number.
        session: u32,
    },
    /// At the end of the course.
    End,
    /// After the end of the course.
    FollowUp {
        /// How long after.
        after: After,
    },
}

impl Timepoint {
    /// A stable key ("baseline", "session:3", "missed:4", "end", "follow_up:4w"):
    /// what a link and an outcome recorded through it name.
    pub fn key(self) -> String {
        match self {
            Timepoint::Baseline => "baseline".into(),
            Timepoint::Session { session } => format!("session:{session}"),
            Timepoint::MissedVisit { session } => format!("missed:{session}"),
            Timepoint::End => "end".into(),
            Timepoint::FollowUp { after } => format!("follow_up:{}", after.key()),
        }
    }

    /// The timepoint a key names (the inverse of [`Timepoint::key`]).
    pub fn of_key(key: &str) -> Option<Timepoint> {
        let number = |prefix: &str| key.strip_prefix(prefix)?.parse::<u32>().ok();
        Some(match key {
            "baseline" => Timepoint::Baseline,
            "end" => Timepoint::End,
            _ if key.starts_with("missed:") => Timepoint::MissedVisit {
                session: number("missed:")?,
            },
            _ if key.starts_with("session:") => Timepoint::Session {
                session: number("session:")?,
            },
            _ => {
                let rest = key.strip_prefix("follow_up:")?;
                let n: u32 = rest.get(..rest.len().checked_sub(1)?)?.parse().ok()?;
                Timepoint::FollowUp {
                    after: match rest.chars().last()? {
                        'w' => After::Weeks(n),
                        'm' => After::Months(n),
                        _ => return None,
                    },
                }
            }
        })
    }

    /// In words, for a page or a message ("your follow-up 4 weeks after treatment").
    pub fn words(self) -> String {
        match self {
            Timepoint::Baseline => "before your first session".into(),
            Timepoint::Session { session } => format!("at session {session}"),
            Timepoint::MissedVisit { session } => format!("in place of session {session}"),
            Timepoint::End => "at the end of your course".into(),
            Timepoint::FollowUp { after } => format!("{} after your course", after.words()),
        }
    }

    /// Asked by a link between visits (else recorded at a visit).
    pub fn by_link(self) -> bool {
        matches!(
            self,
            Timepoint::Baseline | Timepoint::MissedVisit { .. } | Timepoint::FollowUp { .. }
        )
    }

    /// The measure whose value makes the timepoint recorded.
    pub fn main_measure(self) -> &'static str {
        if self == Timepoint::End {
            "pgic"
        } else {
            "nrs_average"
        }
    }
}

/// One timepoint of a course on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheduled {
    /// When.
    #[serde(flatten)]
    pub timepoint: Timepoint,
    /// The measures asked.
    pub measures: Vec<&'static str>,
    /// The day it falls due.
    pub due: Date,
    /// The last day it can be recorded (a baseline: the day of session 1).
    pub closes: Option<Date>,
    /// Its main measure is recorded.
    pub recorded: bool,
}

/// Every timepoint of a course that has fallen due by `today` (due on or
/// before it), from its sessions and outcomes, in the order they fell due.
pub fn timepoints(
    course: &CourseFacts,
    sessions: &[SessionFact],
    outcomes: &[OutcomeFact],
    plan: &FollowUpPlan,
    today: Date,
) -> Vec<Scheduled> {
    // A course with its own schedule replaces the clinic's PGIC sessions and follow-ups.
    let own;
    let plan = match &course.schedule {
        Some(s) => {
            own = FollowUpPlan {
                pgic_sessions: s.pgic_sessions.clone(),
                follow_ups: s.follow_ups.clone(),
                ..plan.clone()
            };
            &own
        }
        None => plan,
    };
    let mut recorded: Vec<SessionFact> = sessions.to_vec();
    recorded.sort_by_key(|s| (s.day, s.number));
    let first = recorded.first().copied();
    let last = recorded.last().copied();
    let has = |tp: Timepoint| recorded_at(outcomes, tp, plan, course, last.map(|l| l.day));
    let pain = PAIN_MEASURES.to_vec();
    let mut out = Vec::new();
    if course.start <= today {
        out.push(Scheduled {
            timepoint: Timepoint::Baseline,
            measures: pain.clone(),
            due: course.start,
            closes: first.map(|s| s.day),
            recorded: has(Timepoint::Baseline),
        });
    }
    for s in &recorded {
        let tp = Timepoint::Session { session: s.number };
        let mut measures = pain.clone();
        if plan.pgic_sessions.contains(&s.number) {
            measures.push("pgic");
        }
        out.push(Scheduled {
            timepoint: tp,
            measures,
            due: s.day,
            closes: None,
            recorded: has(tp),
        });
    }
    let finished = course.planned > 0 && recorded.iter().any(|s| s.number >= course.planned);
    let open = course.active && !finished;
    if open {
        // The next session, late by the plan's days: its measures by a link.
        let expected = match last {
            None => course.start,
            Some(l) => l.day + Duration::days(course.interval_days()),
        };
        let asked = expected + Duration::days(plan.missed_visit_after_days);
        if last.is_some() && asked <= today {
            let n = recorded.iter().map(|s| s.number).max().unwrap_or(0) + 1;
            let tp = Timepoint::MissedVisit { session: n };
            out.push(Scheduled {
                timepoint: tp,
                measures: pain.clone(),
                due: asked,
                closes: None,
                recorded: has(tp),
            });
        }
    } else if let Some(l) = last {
        let end = course.end.unwrap_or(l.day).max(l.day);
        if !plan.pgic_sessions.contains(&l.number) {
            out.push(Scheduled {
                timepoint: Timepoint::End,
                measures: vec!["pgic"],
                due: end,
                closes: None,
                recorded: has(Timepoint::End),
            });
        }
        for after in &plan.follow_ups {
            let due = after.from(end);
            if due <= today {
                let tp = Timepoint::FollowUp { after: *after };
                let mut measures = pain.clone();
                measures.push("pgic");
                out.push(Scheduled {
                    timepoint: tp,
                    measures,
                    due,
                    closes: None,
                    recorded: has(tp),
                });
            }
        }
    }
    out.retain(|s| s.due <= today);
    out.sort_by_key(|s| s.due);
    out
}

/// Whether an outcome records the timepoint's main measure: one that names
/// the timepoint (recorded through its link), or one recorded at the clinic
/// for it (a baseline; a session's; the end's PGIC at the last session or a
/// follow-up PGIC after it; a follow-up's on or after its day and before the
/// next follow-up's).
fn recorded_at(
    outcomes: &[OutcomeFact],
    tp: Timepoint,
    plan: &FollowUpPlan,
    course: &CourseFacts,
    last_day: Option<Date>,
) -> bool {
    let key = tp.key();
    let main = tp.main_measure();
    outcomes.iter().filter(|o| o.instrument == main).any(|o| {
        if let Some(k) = &o.scheduled {
            // A follow-up's PGIC is also the end of the course's, when that was not recorded.
            return *k == key || (tp == Timepoint::End && k.starts_with("follow_up:"));
        }
        match tp {
            Timepoint::Baseline => o.timepoint == "baseline",
            Timepoint::Session { session } => o.timepoint == "session" && o.session_number == Some(session),
            Timepoint::MissedVisit { .. } => false,
            Timepoint::End => match last_day {
                Some(l) => (o.timepoint == "session" && o.day == l) || (o.timepoint == "follow_up" && o.day >= l),
                None => false,
            },
            Timepoint::FollowUp { after } => {
                let Some(l) = last_day else { return false };
                let end = course.end.unwrap_or(l).max(l);
                let due = after.from(end);
                let next = plan.follow_ups.iter().map(|a| a.from(end)).filter(|d| *d > due).min();
                o.timepoint == "follow_up" && o.day >= due && next.is_none_or(|n| o.day < n)
            }
        }
    })
}
