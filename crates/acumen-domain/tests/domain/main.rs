//! Validation rules of the registry's inputs.

mod followup;
mod messaging;
mod safety;
mod schedule;

use acumen_domain::*;
use serde_json::json;

fn outcome(v: f64, instrument: &str) -> OutcomeInput {
    serde_json::from_value(json!({
        "instrument": instrument, "recall": "24h", "value": v, "timepoint": "session",
        "session_number": 3, "date": "2026-11-20", "source": "patient"
    }))
    .unwrap()
}

#[test]
fn pain_nrs_is_0_to_10_in_whole_points() {
    assert!(outcome(0.0, "nrs_average").validate().is_ok());
    assert!(outcome(10.0, "nrs_worst").validate().is_ok());
    let e = outcome(11.0, "nrs_average").validate().unwrap_err();
    assert_eq!(e.errors[0].field, "value");
    assert!(e.errors[0].rule.contains("0 (none) to 10"));
    assert!(outcome(4.5, "nrs_average").validate().is_err());
    assert!(outcome(-1.0, "sleep_interference").validate().is_err());
    assert!(outcome(7.0, "pgic").validate().is_ok());
    assert!(outcome(0.0, "pgic").validate().is_err(), "PGIC runs 1-7");
}

#[test]
fn dn4_scores_and_cut_offs() {
    // 3 interview + 1 examination item = 4/10: neuropathic pain likely (cut-off 4).
    let s = ScreeningInput {
        date: "2026-11-01".into(),
        interview: vec![true, false, true, true, false, false, false],
        examination: Some(vec![true, false, false]),
    };
    assert_eq!(
        s.dn4(),
        Dn4 {
            score: 4,
            max: 10,
            neuropathic_likely: true
        }
    );
    // Interview-only: 3/7 is positive.
    let s7 = ScreeningInput {
        examination: None,
        ..s.clone()
    };
    assert_eq!(
        s7.dn4(),
        Dn4 {
            score: 3,
            max: 7,
            neuropathic_likely: true
        }
    );
    let s2 = ScreeningInput {
        interview: vec![true, false, false, false, false, false, false],
        examination: None,
        ..s
    };
    assert!(!s2.dn4().neuropathic_likely);
    let bad = ScreeningInput {
        interview: vec![true; 6],
        examination: None,
        date: "2026-11-01".into(),
    };
    assert_eq!(bad.validate().unwrap_err().errors[0].field, "interview");
}

fn session(points: serde_json::Value) -> SessionInput {
    serde_json::from_value(json!({
        "at": "2026-11-25T10:30:00Z", "number": 1, "points": points, "stimulation": "manual",
        "retention_min": 20, "deqi_sought": true, "deqi_obtained": true, "skin_check": ["none"]
    }))
    .unwrap()
}

#[test]
fn session_points_must_be_who_codes() {
    let ok = session(
        json!([{"code": "LI4", "side": "bilateral"}, {"code": "ex-le10", "side": "left", "depth_mm": 5, "angle": "oblique"}]),
    );
    let v = ok.validate().unwrap();
    assert_eq!(v.get().points[1].code, "EX-LE10", "codes are normalised to upper case");
    let bad = session(json!([{"code": "LI4", "side": "bilateral"}, {"code": "ZZ9", "side": "left"}]));
    let e = bad.validate().unwrap_err();
    assert_eq!(e.errors[0].field, "points[1].code");
    assert!(e.errors[0].rule.contains("ZZ9"));
}

#[test]
fn electroacupuncture_needs_its_settings() {
    let mut s = session(json!([{"code": "LR3", "side": "bilateral"}]));
    s.stimulation = "electrical".into();
    assert_eq!(s.clone().validate().unwrap_err().errors[0].field, "electro");
    s.electro = Some(Electro {
        frequency_hz: 2.0,
        waveform: "dense-disperse".into(),
        intensity_ma: Some(2.0),
        pairs: vec!["LR3-GB42".into()],
    });
    assert!(s.validate().is_ok());
}

#[test]
fn adverse_event_rules() {
    let ae = |v: serde_json::Value| -> AdverseEventInput { serde_json::from_value(v).unwrap() };
    let ok = ae(
        json!({"type": "bleeding_haematoma", "severity": "mild", "ctcae_grade": 1, "serious": false,
        "causality": "definite", "outcome": "recovered", "onset": "2026-11-20", "resolved": "2026-11-22"}),
    );
    assert!(ok.validate().is_ok());
    let ptx = ae(
        json!({"type": "pneumothorax", "severity": "severe", "ctcae_grade": 3, "serious": false,
        "causality": "probable", "outcome": "recovering", "onset": "2026-11-20"}),
    );
    assert_eq!(ptx.validate().unwrap_err().errors[0].field, "serious");
    let back = ae(
        json!({"type": "nausea", "severity": "mild", "ctcae_grade": 1, "serious": false,
        "causality": "possible", "outcome": "recovered", "onset": "2026-11-20", "resolved": "2026-11-19"}),
    );
    assert_eq!(back.validate().unwrap_err().errors[0].field, "resolved");
}

#[test]
fn patient_rules() {
    let p: PatientInput = serde_json::from_value(json!({
        "given_name": " Ann ", "family_name": "Lee", "email": "ann@example.org", "year_of_birth": 1958, "sex": "female",
        "safety": {"pregnancy": "no", "anticoagulant": true, "reduced_sensation": ["feet"],
                   "chemotherapy": {"neurotoxic": true, "neutrophils": 0.4, "neutrophils_date": "2026-11-20"}}
    }))
    .unwrap();
    assert_eq!(p.clone().validate().unwrap().get().given_name, "Ann");
    let mut bad = p;
    bad.email = Some("not-an-email".into());
    bad.year_of_birth = 1850;
    bad.safety.reduced_sensation = Some(vec!["knees".into()]);
    let fields: Vec<String> = bad
        .validate()
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, vec!["email", "year_of_birth", "safety.reduced_sensation[0]"]);
}

#[test]
fn course_and_condition_rules() {
    let c: CourseInput = serde_json::from_value(json!({
        "condition": "chemotherapy_induced", "style": "tcm", "intent": "treatment", "planned_sessions": 12,
        "sessions_per_week": 2, "start": "2026-11-01", "consent_version": "v1.2"
    }))
    .unwrap();
    assert!(c.clone().validate().is_ok());
    let stopped = CourseInput {
        status: "stopped".into(),
        ..c
    };
    assert_eq!(stopped.validate().unwrap_err().errors[0].field, "end_reason");
    let cond = ConditionInput {
        code: "sciatica".into(),
        regions: vec![],
        diagnosed: None,
    };
    assert_eq!(cond.validate().unwrap_err().errors[0].field, "code");
    assert_eq!(
        acumen_knowledge::conditions::condition("carpal_tunnel")
            .unwrap()
            .icd10_who,
        &["G56.0"]
    );
}
