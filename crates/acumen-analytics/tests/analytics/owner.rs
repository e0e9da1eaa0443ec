//! The owner's dashboard on a clinic counted by hand: twelve patients with
//! diabetic neuropathy, one course each (8 planned, started 2026-10-01,
//! weekly), baseline pain 8, sessions 1 (2026-10-01) and 2 (2026-10-08),
//! no pain score at session 1; dashboard day 2026-10-10.
//!
//! | courses | practitioner | pain at session 2 | adverse event |
//! |---------|--------------|-------------------|---------------|
//! | 0-2     | p1           | 5 (−37.5 %)       | yes           |
//! | 3-5     | p1           | 5 (−37.5 %)       |               |
//! | 6-8     | p1           | 7 (−12.5 %)       |               |
//! | 9       | p1           | none              |               |
//! | 10-11   | p2           | none              |               |
//!
//! Responders (≥ 30 %, intention to treat): 6 of 12 (a course with no
//! score after baseline does not respond). Patients with an adverse event:
//! 3 of 12. Completion: each course was due baseline, pain at session 1 and
//! pain at session 2 (3 measures); courses 0-8 recorded 2, courses 9-11
//! recorded 1: 9·2 + 3·1 = 21 of 36.

use std::collections::BTreeMap;

use acumen_analytics::owner::{dashboard, Filter};
use acumen_analytics::records::RawRecord;
use serde_json::{json, Value};
use time::macros::date;

fn clinic() -> Vec<RawRecord> {
    let mut out = Vec::new();
    let mut id = 0;
    let mut add = |out: &mut Vec<RawRecord>, kind: &str, patient: i64, parent: i64, data: Value| {
        id += 1;
        out.push(RawRecord {
            id,
            kind: kind.into(),
            patient_id: Some(patient),
            parent_id: Some(parent),
            data,
        });
        id
    };
    for i in 0..12i64 {
        let patient = 1000 + i;
        let practitioner = if i < 10 { "p1" } else { "p2" };
        let course = add(
            &mut out,
            "course",
            patient,
            patient,
            json!({
            "condition": "diabetic_polyneuropathy", "practitioner_id": practitioner, "style": "tcm",
            "intent": "treatment", "planned_sessions": 8, "sessions_per_week": 1, "start": "2026-10-01",
            "consent_version": "v1"}),
        );
        let pain = |value: f64, tp: &str, n: Option<u32>, d: &str| {
            json!({"instrument": "nrs_average", "recall": "24h",
            "value": value, "timepoint": tp, "session_number": n, "date": d, "source": "clinician"})
        };
        add(
            &mut out,
            "outcome",
            patient,
            course,
            pain(8.0, "baseline", None, "2026-10-01"),
        );
        let mut first = 0;
        for (n, day) in [(1, "2026-10-01"), (2, "2026-10-08")] {
            let s = add(
                &mut out,
                "session",
                patient,
                course,
                json!({"at": day, "number": n, "stimulation": "manual",
                "points": [{"code": "ST36", "side": "bilateral"}]}),
            );
            if n == 1 {
                first = s;
            }
        }
        match i {
            0..=5 => add(
                &mut out,
                "outcome",
                patient,
                course,
                pain(5.0, "session", Some(2), "2026-10-08"),
            ),
            6..=8 => add(
                &mut out,
                "outcome",
                patient,
                course,
                pain(7.0, "session", Some(2), "2026-10-08"),
            ),
            _ => 0,
        };
        if i < 3 {
            add(
                &mut out,
                "adverse_event",
                patient,
                first,
                json!({"type": "bleeding_haematoma", "severity": "mild",
                "ctcae_grade": 1, "serious": false, "causality": "possible", "outcome": "recovered", "onset": "2026-10-01"}),
            );
        }
    }
    out
}

fn prop(v: &Value) -> (u64, u64) {
    (v["x"].as_u64().unwrap(), v["n"].as_u64().unwrap())
}

fn names() -> BTreeMap<String, String> {
    [
        ("p1".to_string(), "Dr One".to_string()),
        ("p2".to_string(), "Dr Two".to_string()),
    ]
    .into()
}

#[test]
fn the_dashboard_counts_responders_adverse_events_and_completion_by_hand() {
    let conditions = BTreeMap::from([(
        "diabetic_polyneuropathy".to_string(),
        "Diabetic polyneuropathy".to_string(),
    )]);
    let d = dashboard(
        &clinic(),
        &Filter::default(),
        date!(2026 - 10 - 10),
        &names(),
        &conditions,
    );
    let t = &d["total"];
    assert_eq!((t["patients"].as_u64(), t["courses"].as_u64()), (Some(12), Some(12)));
    assert_eq!(prop(&t["responders_30"]), (6, 12));
    assert_eq!(prop(&t["adverse_patients"]), (3, 12));
    assert_eq!(prop(&t["completion"]), (21, 36));
    // Wilson 6/12 by hand, (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    // with z = 1.959963984540054: (0.2537816, 0.7462184).
    let (lo, hi) = (
        t["responders_30"]["lower"].as_f64().unwrap(),
        t["responders_30"]["upper"].as_f64().unwrap(),
    );
    assert!(
        (lo - 0.253_781_597_6).abs() < 1e-9 && (hi - 0.746_218_402_4).abs() < 1e-9,
        "{lo} {hi}"
    );
    // One condition: its cell is the total.
    assert_eq!(d["by_condition"].as_array().unwrap().len(), 1);
    assert_eq!(d["by_condition"][0]["label"], "Diabetic polyneuropathy");
    assert_eq!(prop(&d["by_condition"][0]["responders_30"]), (6, 12));
    // p2 has 2 patients: hidden; p1's figures would then be the total minus
    // nothing hidden, so p1 is hidden too (complementary suppression).
    let by = d["by_practitioner"].as_array().unwrap();
    let p2 = by.iter().find(|c| c["key"] == "p2").unwrap();
    assert_eq!(
        (p2["suppressed"].clone(), p2["patients"].clone()),
        (json!(true), Value::Null),
        "{p2}"
    );
    let p1 = by.iter().find(|c| c["key"] == "p1").unwrap();
    assert_eq!(p1["label"], "Dr One");
    assert!(
        p1["responders_30"]["x"].is_null() && p1["completion"]["x"].is_null(),
        "{p1}"
    );
}

#[test]
fn the_filters_select_courses_by_practitioner_and_period() {
    let none = BTreeMap::new();
    let p1 = Filter {
        practitioner: Some("p1".into()),
        ..Filter::default()
    };
    let d = dashboard(&clinic(), &p1, date!(2026 - 10 - 10), &names(), &none);
    // Courses 0-9: responders 0-5 of 10; events 0-2; completion 9·2 + 1 = 19 of 30.
    assert_eq!(prop(&d["total"]["responders_30"]), (6, 10));
    assert_eq!(prop(&d["total"]["adverse_patients"]), (3, 10));
    assert_eq!(prop(&d["total"]["completion"]), (19, 30));
    assert_eq!(prop(&d["by_practitioner"][0]["responders_30"]), (6, 10));
    // A period before every course: nothing to show, and nobody named.
    let before = Filter {
        to: Some(date!(2026 - 09 - 30)),
        ..Filter::default()
    };
    let d = dashboard(&clinic(), &before, date!(2026 - 10 - 10), &names(), &none);
    assert_eq!(d["total"]["suppressed"], json!(true));
    assert!(d["by_condition"].as_array().unwrap().is_empty());
    // Condition filter on another condition: empty too.
    let other = Filter {
        condition: Some("cipn".into()),
        ..Filter::default()
    };
    assert_eq!(
        dashboard(&clinic(), &other, date!(2026 - 10 - 10), &names(), &none)["total"]["suppressed"],
        json!(true)
    );
}

#[test]
fn completion_by_timepoint_counts_what_fell_due_and_was_recorded() {
    let none = BTreeMap::new();
    let tp = |d: &Value, k: &str| {
        d["by_timepoint"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .map(|r| prop(&r["completion"]))
    };
    // 10 October: every baseline recorded (12 of 12); sessions 1 and 2 of
    // each course fell due (24), only session 2 of courses 0-8 has a score
    // (9 of 24); session 3 is expected 15 October, so no visit is late yet.
    let d = dashboard(&clinic(), &Filter::default(), date!(2026 - 10 - 10), &names(), &none);
    assert_eq!(tp(&d, "baseline"), Some((12, 12)));
    assert_eq!(tp(&d, "session"), Some((9, 24)));
    assert_eq!(tp(&d, "missed"), None);
    // 18 October: session 3 is three days late for all 12 courses, asked by
    // link and not answered (0 of 12).
    let d = dashboard(&clinic(), &Filter::default(), date!(2026 - 10 - 18), &names(), &none);
    assert_eq!(tp(&d, "missed"), Some((0, 12)));
    // Practitioner p2 has 2 patients: fewer than 10, so no figure at all.
    let p2 = Filter {
        practitioner: Some("p2".into()),
        ..Filter::default()
    };
    let d = dashboard(&clinic(), &p2, date!(2026 - 10 - 18), &names(), &none);
    let rows = d["by_timepoint"].as_array().unwrap();
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r["suppressed"] == json!(true) && r["completion"].is_null()),
        "{d}"
    );
}
