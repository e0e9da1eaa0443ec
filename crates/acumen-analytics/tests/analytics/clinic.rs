//! A small clinic checked by hand: six courses of diabetic neuropathy.
//!
//! | course | status    | baseline | pain at sessions 1..        | PGIC at 6 |
//! |--------|-----------|----------|-----------------------------|-----------|
//! | A      | completed | 8        | 8 7 6 5 5 4                 | 2         |
//! | B      | stopped   | 6        | 6 6 5                       |           |
//! | C      | completed | 5        | 5 3 4 3 - 3                 | 3         |
//! | D      | active    | 7        | 7 7                         |           |
//! | E      | completed | none     | 6 6                         |           |
//! | F      | completed | 0        | 0 0                         |           |
//!
//! Adverse events: A after session 2 (bleeding_haematoma, mild); C after
//! session 1 (needle_site_pain, mild; fainting_vasovagal, moderate).

use acumen_analytics::adverse::adverse_rates;
use acumen_analytics::outcomes::{change, cohort, responders, time_to_response, Criterion, Timepoint};
use acumen_analytics::records::{assemble, RawRecord};
use serde_json::json;

const TOL: f64 = 1e-12;

fn close(got: Option<f64>, want: f64) {
    let g = got.unwrap();
    assert!((g - want).abs() < TOL * want.abs().max(1.0), "got {g}, want {want}");
}

struct Builder {
    records: Vec<RawRecord>,
    next: i64,
}

impl Builder {
    fn add(&mut self, kind: &str, patient: i64, parent: i64, data: serde_json::Value) -> i64 {
        self.next += 1;
        self.records.push(RawRecord {
            id: self.next,
            kind: kind.into(),
            patient_id: Some(patient),
            parent_id: Some(parent),
            data,
        });
        self.next
    }

    /// A course with weekly sessions from `start_day` of March 2026 and the pain values (None: not recorded).
    fn course(
        &mut self,
        patient: i64,
        status: &str,
        baseline: Option<f64>,
        pain: &[Option<f64>],
        start_day: u32,
    ) -> (i64, Vec<i64>) {
        let mut c = json!({"condition": "diabetic_polyneuropathy", "style": "tcm", "intent": "treatment", "planned_sessions": 6,
                           "sessions_per_week": 1, "start": "2026-03-01", "status": status, "consent_version": "v1"});
        if status == "stopped" {
            c["end_reason"] = json!("moved away");
        }
        let course = self.add("course", patient, patient, c);
        if let Some(b) = baseline {
            self.add(
                "outcome",
                patient,
                course,
                json!({"instrument": "nrs_average", "recall": "24h", "value": b,
                "timepoint": "baseline", "date": "2026-03-01", "source": "clinician"}),
            );
        }
        let mut sessions = vec![];
        for (i, v) in pain.iter().enumerate() {
            let n = i as u32 + 1;
            let day = time::Date::from_calendar_date(2026, time::Month::March, 1).unwrap()
                + time::Duration::days((start_day - 1 + 7 * i as u32) as i64);
            let date = day.to_string();
            sessions.push(self.add(
                "session",
                patient,
                course,
                json!({"at": date, "number": n, "stimulation": "manual",
                "points": [{"code": "ST36", "side": "bilateral"}]}),
            ));
            if let Some(v) = v {
                self.add(
                    "outcome",
                    patient,
                    course,
                    json!({"instrument": "nrs_average", "recall": "24h", "value": v,
                    "timepoint": "session", "session_number": n, "date": date, "source": "clinician"}),
                );
            }
        }
        (course, sessions)
    }

    fn pgic(&mut self, patient: i64, course: i64, value: f64) {
        self.add(
            "outcome",
            patient,
            course,
            json!({"instrument": "pgic", "value": value, "timepoint": "session",
            "session_number": 6, "date": "2026-04-10", "source": "patient"}),
        );
    }

    fn event(&mut self, patient: i64, session: i64, kind: &str, severity: &str) {
        self.add(
            "adverse_event",
            patient,
            session,
            json!({"type": kind, "severity": severity, "ctcae_grade": 1,
            "serious": false, "causality": "probable", "outcome": "recovered", "onset": "2026-03-10"}),
        );
    }
}

fn clinic() -> Vec<RawRecord> {
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    let mut b = Builder {
        records: vec![],
        next: 0,
    };
    let (a, a_s) = b.course(1, "completed", Some(8.0), &s(&[8.0, 7.0, 6.0, 5.0, 5.0, 4.0]), 2);
    b.pgic(1, a, 2.0);
    b.course(2, "stopped", Some(6.0), &s(&[6.0, 6.0, 5.0]), 2);
    let (c, c_s) = b.course(
        3,
        "completed",
        Some(5.0),
        &[Some(5.0), Some(3.0), Some(4.0), Some(3.0), None, Some(3.0)],
        3,
    );
    b.pgic(3, c, 3.0);
    b.course(4, "active", Some(7.0), &s(&[7.0, 7.0]), 4);
    b.course(5, "completed", None, &s(&[6.0, 6.0]), 2);
    b.course(6, "completed", Some(0.0), &s(&[0.0, 0.0]), 2);
    b.event(1, a_s[1], "bleeding_haematoma", "mild");
    b.event(3, c_s[0], "needle_site_pain", "mild");
    b.event(3, c_s[0], "fainting_vasovagal", "moderate");
    b.records
}

#[test]
fn cohort_and_responders() {
    let data = assemble(&clinic());
    assert_eq!((data.courses.len(), data.unreadable), (6, 0));
    let c = cohort(&data.courses);
    // E has no baseline, F a baseline of 0.
    assert_eq!(
        (c.analysed, c.patients, c.no_baseline, c.zero_baseline, c.not_started),
        (4, 4, 1, 1, 0)
    );

    // Session 6: A and C reached it, B stopped before (non-responder), D is
    // active at session 2 and not yet due: ITT denominator 3. Values: A 4, C 3.
    let r = responders(&c, Timepoint::Session(6));
    let get = |k: Criterion| r.iter().find(|x| x.criterion == k).unwrap().clone();
    // >= 30%: A (50%) and C (40%).
    let r30 = get(Criterion::Reduction30);
    assert_eq!((r30.itt.x, r30.itt.n, r30.completers.x, r30.completers.n), (2, 3, 2, 2));
    // R: prop.test(2, 3, correct = FALSE)$conf.int
    close(r30.itt.lower, 0.207659600802048);
    close(r30.itt.upper, 0.938508055279604);
    // >= 50%: A only (8 -> 4).
    let r50 = get(Criterion::Reduction50);
    assert_eq!((r50.itt.x, r50.itt.n, r50.completers.n), (1, 3, 2));
    // R: prop.test(1, 3, correct = FALSE)$conf.int
    close(r50.itt.lower, 0.0614919447203963);
    close(r50.itt.upper, 0.792340399197952);
    // >= 2 points: A (4) and C (2).
    assert_eq!(get(Criterion::Points2).itt.x, 2);
    // PGIC: A (2) responds, C (3) does not; B has none.
    let pg = get(Criterion::Pgic);
    assert_eq!((pg.itt.x, pg.itt.n, pg.completers.x, pg.completers.n), (1, 3, 1, 2));
    // R: prop.test(1, 2, correct = FALSE)$conf.int
    close(pg.completers.lower, 0.0945312057342307);

    // C has no value at session 5: session 5 takes session 4's (3, 40%).
    let r5 = responders(&c, Timepoint::Session(5));
    assert_eq!(r5[0].completers.x, 2, "A at 5 (5, 37.5%) and C at 4 (3, 40%)");

    // End of course: A, B and C ended; B stopped, so it counts as a non-responder.
    let end = responders(&c, Timepoint::EndOfCourse);
    assert_eq!((end[0].itt.x, end[0].itt.n, end[0].completers.n), (2, 3, 2));
}

#[test]
fn time_to_response_by_hand() {
    let data = assemble(&clinic());
    let t = time_to_response(&cohort(&data.courses));
    // First 30% response: A at session 4, C at session 2; B censored at 3, D at 2.
    // At 2: 4 at risk, 1 event -> 0.75; at 3: B censored; at 4: 1 at risk, 1 event -> 0.
    let s: Vec<(f64, usize, usize, f64)> = t
        .sessions
        .steps
        .iter()
        .map(|s| (s.time, s.n_risk, s.n_event, s.surv))
        .collect();
    assert_eq!(s, [(2.0, 4, 1, 0.75), (3.0, 2, 0, 0.75), (4.0, 1, 1, 0.0)]);
    assert_eq!(
        t.sessions_quartiles[1].estimate,
        Some(4.0),
        "median sessions to response"
    );
    // Sustained: A at 4 (held at 5); C at 4 (held at 6; 3 at session 3 broke the first).
    let s: Vec<(f64, usize)> = t.sustained_sessions.steps.iter().map(|s| (s.time, s.n_event)).collect();
    assert_eq!(s, [(2.0, 0), (3.0, 0), (4.0, 2)]);
    // Days to a sustained response: A and C at their session 4, 21 days after session 1;
    // B censored at 14, D at 7.
    let s: Vec<(f64, usize)> = t.sustained_days.steps.iter().map(|s| (s.time, s.n_event)).collect();
    assert_eq!(s, [(7.0, 0), (14.0, 0), (21.0, 2)]);
    // Days from session 1: A 21 (4 weekly sessions), C 7; B censored at 14, D at 7.
    let d: Vec<(f64, usize)> = t.days.steps.iter().map(|s| (s.time, s.n_event)).collect();
    assert_eq!(d, [(7.0, 1), (14.0, 0), (21.0, 1)]);
    assert_eq!(t.days_quartiles[1].estimate, Some(21.0));
    // Intention to treat: 2 of 4 responded by session 6. R: prop.test(2, 4, correct = FALSE)
    assert_eq!((t.responded_by_session_6.x, t.responded_by_session_6.n), (2, 4));
    close(t.responded_by_session_6.lower, 0.15003898915215);
}

#[test]
fn change_and_adverse_events_by_hand() {
    let data = assemble(&clinic());
    let ch = change(&cohort(&data.courses));
    // Ended courses with a last value: A 8 -> 4, B 6 -> 5 (its last value), C 5 -> 3.
    assert_eq!(ch.n, 3);
    close(ch.change.estimate, -7.0 / 3.0);
    // R: t.test(c(4, 5, 3) - c(8, 6, 5))$conf.int
    close(ch.change.lower, -6.12791636693009);
    close(ch.change.upper, 1.46124970026343);
    // R: cor(b, e); escalc("SMCR", m1i = 4, m2i = 19/3, sd1i = sd(c(8, 6, 5)), ni = 3, ri = cor(b, e))
    close(ch.r, 0.327326835353989);
    close(ch.smcr, -0.861813824304402);
    close(ch.smcr_var, 0.572235954391037);

    let ae = adverse_rates(&data.courses);
    // 6 + 3 + 6 + 2 + 2 + 2 = 21 sessions, 3 events after 2 sessions, in 2 of 6 courses.
    assert_eq!((ae.sessions, ae.events, ae.serious), (21, 3, 0));
    // R: binom.test(2, 21)$conf.int
    assert_eq!(ae.sessions_with_event.x, 2);
    close(ae.sessions_with_event.lower, 0.0117493178844458);
    close(ae.sessions_with_event.upper, 0.303774406913924);
    // R: poisson.test(3, 21 / 1000)$conf.int
    close(ae.per_1000_sessions.estimate, 3000.0 / 21.0);
    close(ae.per_1000_sessions.lower, 29.4605772807429);
    close(ae.per_1000_sessions.upper, 417.489193797253);
    // R: binom.test(2, 6)$conf.int
    close(ae.courses_with_event.lower, 0.0432718682927417);
    close(ae.courses_with_event.upper, 0.777221904496488);
    let mild = ae.by_severity.iter().find(|b| b.key == "mild").unwrap();
    assert_eq!(mild.per_1000_sessions.events, 2);
}

#[test]
fn itt_at_session_n_counts_only_courses_planned_to_reach_n() {
    // Three stopped courses, each at session 3 with pain 8 -> 6 (25%, no
    // response), and one completed course that reached session 12 with pain
    // 8 -> 4 (50%, a response at session 2 already). Planned sessions:
    // P 8 (stopped), Q 12 (stopped), R 12 (stopped), S 12 (completed).
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    let mut b = Builder {
        records: vec![],
        next: 0,
    };
    let mut ids = vec![];
    for p in 1..=3 {
        ids.push(b.course(p, "stopped", Some(8.0), &s(&[8.0, 7.0, 6.0]), 2).0);
    }
    let mut twelve = vec![8.0, 4.0];
    twelve.extend([4.0; 10]);
    ids.push(b.course(4, "completed", Some(8.0), &s(&twelve), 2).0);
    for (id, planned) in ids.iter().zip([8, 12, 12, 12]) {
        let r = b.records.iter_mut().find(|r| r.id == *id).unwrap();
        r.data["planned_sessions"] = json!(planned);
    }
    let data = assemble(&b.records);
    let c = cohort(&data.courses);
    let r30 = |at| {
        responders(&c, at)
            .into_iter()
            .find(|r| r.criterion == Criterion::Reduction30)
            .unwrap()
    };
    // At session 12: Q and R (planned 12, stopped earlier) are non-responders,
    // S responds; P was planned for 8 sessions and is not counted: 1 of 3.
    let at12 = r30(Timepoint::Session(12));
    assert_eq!((at12.itt.x, at12.itt.n), (1, 3));
    assert_eq!((at12.completers.x, at12.completers.n), (1, 1));
    // At session 3 every course was planned to reach it: 1 of 4.
    let at3 = r30(Timepoint::Session(3));
    assert_eq!((at3.itt.x, at3.itt.n), (1, 4));
    // By session 12 (time to response): the three courses planned for 12; S responded at 2.
    let t = time_to_response(&c);
    assert_eq!((t.responded_by_session_12.x, t.responded_by_session_12.n), (1, 3));
    assert_eq!((t.responded_by_session_6.x, t.responded_by_session_6.n), (1, 4));
    // R: prop.test(1, 3, correct = FALSE)$conf.int (Wilson)
    close(t.responded_by_session_12.lower, 0.0614919447203963);
    close(t.responded_by_session_12.upper, 0.7923403991979523);
}
