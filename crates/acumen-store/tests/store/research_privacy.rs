//! Research aggregates against a differencing attack (issue 14): two
//! snapshots that differ by one patient must not give that patient's values
//! away, and each figure is suppressed by the patients behind it.

use acumen_store::research::{aggregates, CourseRow, PainRow};
use serde_json::Value;

/// One course per patient; `outcomes` = (baseline, last value, days to last).
fn snapshot(outcomes: &[Option<(f64, f64, f64)>]) -> Value {
    let mut courses = vec![];
    let mut pain = vec![];
    for (i, o) in outcomes.iter().enumerate() {
        let id = i as i64 + 1;
        courses.push(CourseRow {
            course_id: id,
            clinic_id: 1,
            patient_key: format!("p{id}"),
            condition: "dpn".into(),
        });
        if let Some((b, l, d)) = o {
            for (tp, n, v, days) in [("baseline", 0, *b, 0.0), ("session", 6, *l, *d)] {
                pain.push(PainRow {
                    course_id: id,
                    timepoint: tp.into(),
                    session_number: n,
                    value: v,
                    days_since_start: Some(days),
                });
            }
        }
    }
    aggregates(&courses, &pain, 10)["cells"][0].clone()
}

#[test]
fn figures_are_suppressed_by_the_patients_behind_them() {
    // Ten patients with a course, one of them with outcomes: the cell is
    // shown (10 patients) but none of its pain figures (1 patient each).
    let mut o = vec![None; 10];
    o[0] = Some((8.0, 4.0, 42.0));
    let cell = snapshot(&o);
    assert_eq!(cell["patients"], 10);
    for k in [
        "baseline_nrs_mean",
        "last_nrs_mean",
        "mean_change",
        "days_since_start_to_last_measure_mean",
        "responders_30pct",
    ] {
        assert!(cell[k].is_null(), "{k} must be suppressed: {cell}");
    }
    assert_eq!(cell["suppressed_reason"], "fewer than 10 patients");
}

#[test]
fn two_snapshots_one_patient_apart_do_not_reveal_the_patient() {
    // Ten patients, then an eleventh. Without rounding, 11 * m11 - 10 * m10
    // is the eleventh patient's value exactly.
    let base: Vec<Option<(f64, f64, f64)>> = (0..10)
        .map(|i| Some((6.0 + (i % 3) as f64, 4.0 + (i % 4) as f64, 35.0 + i as f64)))
        .collect();
    let before = snapshot(&base);
    // Every baseline 0..=10 (and every last value, and every day count up
    // to 20 weeks) the eleventh patient might have: the attacker learns
    // only the set consistent with the two rounded snapshots.
    let consistent = |field: &str, candidates: &[f64], make: &dyn Fn(f64) -> (f64, f64, f64)| {
        let seen = {
            let mut o = base.clone();
            o.push(Some(make(candidates[candidates.len() / 2])));
            snapshot(&o)[field].clone()
        };
        candidates
            .iter()
            .filter(|&&v| {
                let mut o = base.clone();
                o.push(Some(make(v)));
                snapshot(&o)[field] == seen
            })
            .count()
    };
    let nrs: Vec<f64> = (0..=10).map(f64::from).collect();
    let days: Vec<f64> = (0..=140).map(f64::from).collect();
    assert!(before["baseline_nrs_mean"].is_number());
    assert!(consistent("baseline_nrs_mean", &nrs, &|v| (v, 5.0, 40.0)) >= 2);
    assert!(consistent("last_nrs_mean", &nrs, &|v| (7.0, v, 40.0)) >= 2);
    assert!(consistent("days_since_start_to_last_measure_mean", &days, &|v| (7.0, 5.0, v)) >= 2);
    // The rule itself: half points and whole weeks.
    for (field, step) in [
        ("baseline_nrs_mean", 0.5),
        ("days_since_start_to_last_measure_mean", 7.0),
    ] {
        let v = before[field].as_f64().unwrap();
        assert_eq!((v / step).fract(), 0.0, "{field} = {v} is a multiple of {step}");
    }
}
