//! Pain outcomes of a clinic's courses, by the definitions written on the
//! answers page (`DEFINITIONS`): responders under intention-to-treat and
//! completer denominators, time to response, mean change and the pre-post
//! standardized mean change.

use serde::Serialize;

use crate::km::{kaplan_meier, KaplanMeier, Observation, Quantile};
use crate::records::{Course, Measure};
use crate::stats::{correlation, mean_ci, wilson, Mean, Proportion};

/// The definitions, in the words shown on the page.
pub const DEFINITIONS: [&str; 8] = [
    "Pain is the 24-hour average pain on the 0-10 numeric rating scale (NRS) recorded at a visit.",
    "Baseline is the last pain value before session 1; courses without one, or with a baseline of 0, are left out and counted.",
    "The value at session n is the one recorded at session n, or at session n-1 (then n+1) when it is missing; end of course is the value at the last session attended.",
    "Responders: pain at least 30% or 50% lower than baseline, at least 2 points lower, or PGIC 'much' or 'very much improved' (1 or 2).",
    "Intention to treat at session n: every course planned to reach session n (planned sessions at least n) that reached it or stopped earlier; such a course stopped before session n counts as a non-responder, and a course planned for fewer sessions is not counted at n. Completers: courses with a value at session n.",
    "Time to response: sessions (and days from session 1) to the first 30% reduction, and to a sustained one (held at the next measure); courses without a response are censored at their last session.",
    "Mean change: end-of-course pain minus baseline over every course that ended with a value at its last session (a course stopped early at its last value); the pre-post standardized mean change is metafor's SMCR (after = end of course, before = baseline, SD = baseline SD).",
    "Intervals are 95%: Wilson for proportions, log-transformed Greenwood for Kaplan-Meier, t for means.",
];

/// A responder criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// At least 30% lower than baseline.
    Reduction30,
    /// At least 50% lower.
    Reduction50,
    /// At least 2 points lower.
    Points2,
    /// PGIC 1 or 2.
    Pgic,
}

impl Criterion {
    /// All four.
    pub const ALL: [Criterion; 4] = [
        Criterion::Reduction30,
        Criterion::Reduction50,
        Criterion::Points2,
        Criterion::Pgic,
    ];

    /// Whether a pain value (or PGIC value) responds, given the baseline.
    pub fn responds(self, baseline: f64, value: f64) -> bool {
        // Pain values are whole numbers: compare exactly, 10 * drop >= 3 * baseline.
        let drop = baseline - value;
        match self {
            Criterion::Reduction30 => 10.0 * drop >= 3.0 * baseline,
            Criterion::Reduction50 => 2.0 * drop >= baseline,
            Criterion::Points2 => drop >= 2.0,
            Criterion::Pgic => value == 1.0 || value == 2.0,
        }
    }

    fn instrument(self) -> &'static str {
        if self == Criterion::Pgic {
            "pgic"
        } else {
            "nrs_average"
        }
    }
}

/// When responders are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "at", content = "session")]
pub enum Timepoint {
    /// At session n.
    Session(u32),
    /// At the end of the course.
    EndOfCourse,
}

fn is_pain(m: &Measure) -> bool {
    m.instrument == "nrs_average" && m.recall.as_deref() == Some("24h")
}

impl Course {
    /// Whether any session was recorded.
    pub fn started(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// The last pain value before session 1.
    pub fn baseline(&self) -> Option<f64> {
        let first = self.sessions.first()?;
        self.measures
            .iter()
            .filter(|m| is_pain(m) && (m.timepoint == "baseline" || (m.timepoint != "session" && m.day < first.day)))
            .max_by_key(|m| (m.day, m.id))
            .map(|m| m.value)
    }

    fn at_exactly(&self, instrument: &str, n: u32) -> Option<f64> {
        self.measures
            .iter()
            .filter(|m| m.timepoint == "session" && m.session_number == Some(n))
            .filter(|m| {
                if instrument == "nrs_average" {
                    is_pain(m)
                } else {
                    m.instrument == instrument
                }
            })
            .max_by_key(|m| m.id)
            .map(|m| m.value)
    }

    /// The value at session n, or n-1, then n+1.
    pub fn at_session(&self, instrument: &str, n: u32) -> Option<f64> {
        self.at_exactly(instrument, n)
            .or_else(|| n.checked_sub(1).and_then(|m| self.at_exactly(instrument, m)))
            .or_else(|| self.at_exactly(instrument, n + 1))
    }

    /// The number of the last session attended.
    pub fn last_session(&self) -> Option<u32> {
        self.sessions.iter().map(|s| s.number).max()
    }

    fn ended(&self) -> bool {
        self.status == "completed" || self.status == "stopped"
    }

    /// Pain values at sessions, one per session number (the last entered), in order.
    fn pain_by_session(&self) -> Vec<(u32, time::Date, f64)> {
        let mut v: Vec<&Measure> = self
            .measures
            .iter()
            .filter(|m| is_pain(m) && m.timepoint == "session" && m.session_number.is_some())
            .collect();
        v.sort_by_key(|m| (m.session_number, m.id));
        let mut out: Vec<(u32, time::Date, f64)> = Vec::new();
        for m in v {
            let n = m.session_number.unwrap_or(0);
            match out.last_mut() {
                Some(last) if last.0 == n => *last = (n, m.day, m.value),
                _ => out.push((n, m.day, m.value)),
            }
        }
        out
    }
}

/// Courses that can be analysed, and those left out with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort<'a> {
    /// Started courses with a baseline above 0, with that baseline.
    #[serde(skip)]
    pub courses: Vec<(&'a Course, f64)>,
    /// Courses in the cohort.
    pub analysed: usize,
    /// Distinct patients in the cohort.
    pub patients: usize,
    /// Left out: no session yet.
    pub not_started: usize,
    /// Left out: no baseline before session 1.
    pub no_baseline: usize,
    /// Left out: baseline 0.
    pub zero_baseline: usize,
}

/// Selects the analysable courses.
pub fn cohort<'a>(courses: impl IntoIterator<Item = &'a Course>) -> Cohort<'a> {
    let (mut out, mut not_started, mut no_baseline, mut zero_baseline) = (Vec::new(), 0, 0, 0);
    for c in courses {
        if !c.started() {
            not_started += 1;
            continue;
        }
        match c.baseline() {
            None => no_baseline += 1,
            Some(b) if b <= 0.0 => zero_baseline += 1,
            Some(b) => out.push((c, b)),
        }
    }
    let patients: std::collections::BTreeSet<i64> = out.iter().map(|(c, _)| c.patient_id).collect();
    Cohort {
        analysed: out.len(),
        patients: patients.len(),
        courses: out,
        not_started,
        no_baseline,
        zero_baseline,
    }
}

/// Responders at one timepoint under one criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responders {
    /// Criterion.
    pub criterion: Criterion,
    /// Intention to treat: responders over all eligible courses.
    pub itt: Proportion,
    /// Completers: responders over courses with a value.
    pub completers: Proportion,
}

/// Responders at a timepoint, every criterion.
pub fn responders(c: &Cohort, at: Timepoint) -> Vec<Responders> {
    Criterion::ALL
        .iter()
        .map(|&criterion| {
            let (mut eligible, mut with_value, mut yes_itt, mut yes) = (0, 0, 0, 0);
            for &(course, baseline) in &c.courses {
                let instrument = criterion.instrument();
                let (value, in_itt) = match at {
                    Timepoint::Session(n) => {
                        let v = course.at_session(instrument, n);
                        let reached = course.last_session().is_some_and(|l| l >= n);
                        let planned = course.planned_sessions >= n;
                        (v, planned && (v.is_some() || reached || course.status == "stopped"))
                    }
                    Timepoint::EndOfCourse => {
                        let v = course
                            .last_session()
                            .and_then(|l| course.at_session(instrument, l))
                            .filter(|_| course.status == "completed");
                        (v, course.ended())
                    }
                };
                let responds = value.is_some_and(|v| criterion.responds(baseline, v));
                if value.is_some() {
                    with_value += 1;
                    yes += u64::from(responds);
                }
                if in_itt {
                    eligible += 1;
                    yes_itt += u64::from(responds);
                }
            }
            // A measure nobody recorded has no intention-to-treat figure either.
            let itt_n = if with_value == 0 { 0 } else { eligible };
            Responders {
                criterion,
                itt: wilson(yes_itt, itt_n),
                completers: wilson(yes, with_value),
            }
        })
        .collect()
}

/// Time to a 30% response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToResponse {
    /// Sessions to the first response.
    pub sessions: KaplanMeier,
    /// Its quartiles (0.25, 0.5, 0.75).
    pub sessions_quartiles: Vec<Quantile>,
    /// Sessions to the first sustained response.
    pub sustained_sessions: KaplanMeier,
    /// Its quartiles.
    pub sustained_quartiles: Vec<Quantile>,
    /// Days from session 1 to the first response.
    pub days: KaplanMeier,
    /// Days from session 1 to the first sustained response.
    pub sustained_days: KaplanMeier,
    /// Its quartiles.
    pub days_quartiles: Vec<Quantile>,
    /// Intention to treat: share of the courses planned for at least 6
    /// sessions with a first response by session 6.
    pub responded_by_session_6: Proportion,
    /// ... planned for at least 12, by session 12.
    pub responded_by_session_12: Proportion,
}

fn quartiles(km: &KaplanMeier) -> Vec<Quantile> {
    [0.25, 0.5, 0.75].iter().map(|p| km.quantile(*p)).collect()
}

/// Kaplan-Meier time to response (30% reduction), drop-out as censoring.
pub fn time_to_response(c: &Cohort) -> TimeToResponse {
    let (mut first, mut sustained, mut days, mut sustained_days) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut by6, mut by12) = (0, 0);
    // Intention to treat by session N: the courses planned to reach N.
    let planned = |n: u32| {
        c.courses
            .iter()
            .filter(|(course, _)| course.planned_sessions >= n)
            .count() as u64
    };
    for &(course, baseline) in &c.courses {
        let pain = course.pain_by_session();
        let start = course.sessions.first().map(|s| s.day);
        let last = course.last_session().unwrap_or(0) as f64;
        let last_day = course.sessions.iter().map(|s| s.day).max();
        let responds = |v: f64| Criterion::Reduction30.responds(baseline, v);
        let hit = pain.iter().position(|p| responds(p.2));
        match hit {
            Some(i) => {
                first.push(Observation {
                    time: pain[i].0 as f64,
                    event: true,
                });
                if let Some(s) = start {
                    days.push(Observation {
                        time: (pain[i].1 - s).whole_days() as f64,
                        event: true,
                    });
                }
                by6 += u64::from(pain[i].0 <= 6 && course.planned_sessions >= 6);
                by12 += u64::from(pain[i].0 <= 12 && course.planned_sessions >= 12);
            }
            None => {
                first.push(Observation {
                    time: last,
                    event: false,
                });
                if let (Some(s), Some(l)) = (start, last_day) {
                    days.push(Observation {
                        time: (l - s).whole_days() as f64,
                        event: false,
                    });
                }
            }
        }
        let held = pain.windows(2).find(|w| responds(w[0].2) && responds(w[1].2));
        if let Some(s) = start {
            match held {
                Some(w) => sustained_days.push(Observation {
                    time: (w[0].1 - s).whole_days() as f64,
                    event: true,
                }),
                None => {
                    if let Some(l) = last_day {
                        sustained_days.push(Observation {
                            time: (l - s).whole_days() as f64,
                            event: false,
                        });
                    }
                }
            }
        }
        sustained.push(match held {
            Some(w) => Observation {
                time: w[0].0 as f64,
                event: true,
            },
            None => Observation {
                time: last,
                event: false,
            },
        });
    }
    let (n6, n12) = (planned(6), planned(12));
    let (sessions, sustained_sessions, days) = (kaplan_meier(&first), kaplan_meier(&sustained), kaplan_meier(&days));
    TimeToResponse {
        sessions_quartiles: quartiles(&sessions),
        sustained_quartiles: quartiles(&sustained_sessions),
        days_quartiles: quartiles(&days),
        sessions,
        sustained_sessions,
        days,
        sustained_days: kaplan_meier(&sustained_days),
        responded_by_session_6: wilson(by6, n6),
        responded_by_session_12: wilson(by12, n12),
    }
}

/// Change from baseline to the end of course, and the pre-post effect size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Courses ended (completed or stopped) with an end value.
    pub n: usize,
    /// Mean baseline.
    pub baseline: Mean,
    /// Mean end-of-course pain.
    pub end: Mean,
    /// Mean change (end - baseline; negative = less pain).
    pub change: Mean,
    /// Correlation of baseline and end values.
    pub r: Option<f64>,
    /// Standardized mean change (metafor SMCR: m1 = end, m2 = baseline, sd1 = baseline SD).
    pub smcr: Option<f64>,
    /// Its sampling variance.
    pub smcr_var: Option<f64>,
    /// Label shown with it.
    pub label: &'static str,
}

/// The uncontrolled-cohort warning shown with every pre-post effect.
pub const UNCONTROLLED: &str = "uncontrolled cohort — not proof of effect";

/// Mean change and SMCR over the ended courses with an end value.
pub fn change(c: &Cohort) -> Change {
    let (mut base, mut end) = (Vec::new(), Vec::new());
    for &(course, b) in &c.courses {
        if !course.ended() {
            continue;
        }
        if let Some(v) = course.last_session().and_then(|l| course.at_session("nrs_average", l)) {
            base.push(b);
            end.push(v);
        }
    }
    let diff: Vec<f64> = end.iter().zip(&base).map(|(e, b)| e - b).collect();
    let (mb, me) = (mean_ci(&base), mean_ci(&end));
    let r = correlation(&base, &end);
    let es = match (me.estimate, mb.estimate, mb.sd, r) {
        (Some(m1), Some(m2), Some(sd1), Some(r)) if sd1 > 0.0 => {
            Some(acumen_meta::escalc::smcr(m1, m2, sd1, base.len() as f64, r))
        }
        _ => None,
    };
    Change {
        n: base.len(),
        baseline: mb,
        end: me,
        change: mean_ci(&diff),
        r,
        smcr: es.map(|e| e.0),
        smcr_var: es.map(|e| e.1),
        label: UNCONTROLLED,
    }
}
