//! The course schedule: visits expected and measures due, on fixed days.

use acumen_domain::schedule::{schedule, CourseFacts, Measure, OutcomeFact, SessionFact, Visit};
use time::macros::date;
use time::Date;

fn course(planned: u32, per_week: f64, active: bool) -> CourseFacts {
    CourseFacts {
        start: date!(2026 - 11 - 02),
        planned,
        per_week,
        active,
        end: None,
        schedule: None,
    }
}

fn s(number: u32, day: Date) -> SessionFact {
    SessionFact { number, day }
}

fn o(instrument: &str, timepoint: &str, session: Option<u32>, day: Date) -> OutcomeFact {
    OutcomeFact {
        instrument: instrument.into(),
        timepoint: timepoint.into(),
        session_number: session,
        day,
        scheduled: None,
    }
}

#[test]
fn a_new_course_expects_its_first_session_and_a_baseline_on_its_start_day() {
    let c = course(8, 1.0, true);
    let sch = schedule(&c, &[], &[], date!(2026 - 11 - 02));
    assert_eq!(sch.visit, Visit::Today);
    assert_eq!(
        sch.next,
        vec![Measure::BaselinePain, Measure::SessionPain { session: 1 }]
    );
    assert_eq!(sch.completion(), (0, 1), "only the baseline is due so far");
    // The day before the start nothing is due yet.
    let before = schedule(&c, &[], &[], date!(2026 - 11 - 01));
    assert_eq!(
        before.visit,
        Visit::Upcoming {
            on: date!(2026 - 11 - 02)
        }
    );
    assert!(before.measures.is_empty());
}

#[test]
fn twice_a_week_means_every_four_days_and_late_visits_count_days() {
    // round(7 / 2) = round(3.5) = 4 days between sessions.
    let c = course(8, 2.0, true);
    assert_eq!(c.interval_days(), 4);
    let sessions = [s(1, date!(2026 - 11 - 02)), s(2, date!(2026 - 11 - 06))];
    // Next expected 2026-11-10; on 2026-11-13 it is 3 days late.
    let sch = schedule(&c, &sessions, &[], date!(2026 - 11 - 13));
    assert_eq!(
        sch.visit,
        Visit::Overdue {
            since: date!(2026 - 11 - 10),
            days: 3
        }
    );
    assert!(sch.expected_by_today());
    assert_eq!(schedule(&c, &sessions, &[], date!(2026 - 11 - 10)).visit, Visit::Today);
}

#[test]
fn every_session_schedules_a_pain_score_and_sessions_6_and_12_a_pgic() {
    let c = course(12, 1.0, true);
    let sessions: Vec<SessionFact> = (1..=6)
        .map(|n| s(n, date!(2026 - 11 - 02) + time::Duration::days(7 * (n as i64 - 1))))
        .collect();
    let mut outcomes = vec![o("nrs_average", "baseline", None, date!(2026 - 11 - 02))];
    for n in [1, 2, 3, 5, 6] {
        outcomes.push(o("nrs_average", "session", Some(n), sessions[n as usize - 1].day));
    }
    let sch = schedule(&c, &sessions, &outcomes, date!(2026 - 12 - 08));
    // Scheduled: baseline + 6 session scores + PGIC at 6 = 8; recorded: baseline + 5 scores = 6.
    assert_eq!(sch.completion(), (6, 8));
    let missing: Vec<Measure> = sch.missing().map(|d| d.measure).collect();
    assert_eq!(
        missing,
        vec![Measure::SessionPain { session: 4 }, Measure::Pgic { session: 6 }]
    );
    assert_eq!(sch.next, vec![Measure::SessionPain { session: 7 }]);
}

#[test]
fn the_last_planned_session_asks_for_the_end_of_course_pgic() {
    let c = course(8, 1.0, true);
    let sessions: Vec<SessionFact> = (1..=7)
        .map(|n| s(n, date!(2026 - 11 - 02) + time::Duration::days(7 * (n as i64 - 1))))
        .collect();
    let sch = schedule(&c, &sessions, &[], date!(2026 - 12 - 21));
    assert_eq!(
        sch.next,
        vec![
            Measure::BaselinePain,
            Measure::SessionPain { session: 8 },
            Measure::EndPgic
        ]
    );
    // Once session 8 is recorded the course expects no visit and the end PGIC is due.
    let mut all = sessions.clone();
    all.push(s(8, date!(2026 - 12 - 21)));
    let done = schedule(
        &c,
        &all,
        &[o("pgic", "session", Some(8), date!(2026 - 12 - 21))],
        date!(2026 - 12 - 22),
    );
    assert_eq!(done.visit, Visit::None);
    assert!(done.next.is_empty());
    assert!(done.measures.iter().any(|d| d.measure == Measure::EndPgic && d.done));
}

#[test]
fn a_stopped_course_expects_no_visit_but_its_end_pgic_is_due() {
    let mut c = course(10, 1.0, false);
    c.end = Some(date!(2026 - 11 - 20));
    let sessions = [s(1, date!(2026 - 11 - 02)), s(2, date!(2026 - 11 - 09))];
    let sch = schedule(&c, &sessions, &[], date!(2026 - 12 - 01));
    assert_eq!(sch.visit, Visit::None);
    let end = sch.measures.iter().find(|d| d.measure == Measure::EndPgic).unwrap();
    assert_eq!((end.since, end.done), (date!(2026 - 11 - 20), false));
    // A follow-up PGIC after the last session counts.
    let f = [o("pgic", "follow_up", None, date!(2026 - 11 - 25))];
    let sch = schedule(&c, &sessions, &f, date!(2026 - 12 - 01));
    assert!(sch.measures.iter().any(|d| d.measure == Measure::EndPgic && d.done));
}

#[test]
fn a_course_of_six_sessions_asks_for_one_pgic_at_its_end() {
    let c = course(6, 1.0, false);
    let sessions: Vec<SessionFact> = (1..=6)
        .map(|n| s(n, date!(2026 - 11 - 02) + time::Duration::days(7 * (n as i64 - 1))))
        .collect();
    let sch = schedule(&c, &sessions, &[], date!(2026 - 12 - 20));
    let pgics = sch
        .measures
        .iter()
        .filter(|d| matches!(d.measure, Measure::Pgic { .. } | Measure::EndPgic))
        .count();
    assert_eq!(pgics, 1, "session 6 is the end: one PGIC, not two");
}

#[test]
fn stored_records_are_read_from_their_json() {
    let c = CourseFacts::of(&serde_json::json!({
        "start": "2026-11-02", "planned_sessions": 8, "sessions_per_week": 1.5, "status": "completed", "end": "2026-12-20"
    }))
    .unwrap();
    // round(7 / 1.5) = round(4.67) = 5.
    assert_eq!((c.planned, c.active, c.interval_days()), (8, false, 5));
    assert_eq!(c.end, Some(date!(2026 - 12 - 20)));
    let s = SessionFact::of(&serde_json::json!({"number": 3, "at": "2026-11-16T09:30:00Z"})).unwrap();
    assert_eq!((s.number, s.day), (3, date!(2026 - 11 - 16)));
    assert!(
        OutcomeFact::of(&serde_json::json!({"instrument": "pgic"})).is_none(),
        "no day"
    );
}
