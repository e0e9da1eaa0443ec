//! "Is it safe?": per-patient survey rates beside the clinic's adverse
//! events by type and severity.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::*;
use crate::adverse::adverse_rates;
use crate::evidence::surveys;
use crate::records::Course;
use crate::wording::{pct, rate, shown, MIN_PATIENTS, NOT_ENOUGH};

pub(super) fn safety(courses: &[Course]) -> Question {
    let ae = adverse_rates(courses);
    let patients: BTreeSet<i64> = courses
        .iter()
        .filter(|c| !c.sessions.is_empty())
        .map(|c| c.patient_id)
        .collect();
    let per_patient: Vec<Value> = surveys()
        .iter()
        .filter(|s| ["A3", "A5", "A11", "A12", "A13"].contains(&s.row_id.as_str()))
        .map(|s| {
            json!({"row": s.row_id, "study": s.study, "patients": s.denominator_value, "finding": s.finding,
                        "value": s.value, "unit": s.unit, "notes": s.notes, "source": s.source_id})
        })
        .collect();
    let clinic = shown(
        patients.len(),
        json!({"patients": patients.len(), "sessions": ae.sessions, "events": ae.events, "serious": ae.serious,
               "courses_with_event": ae.courses_with_event, "courses_with_event_text": pct(&ae.courses_with_event),
               "sessions_with_event": ae.sessions_with_event, "per_1000_sessions": ae.per_1000_sessions,
               "per_1000_sessions_text": rate(&ae.per_1000_sessions), "by_type": ae.by_type, "by_severity": ae.by_severity,
               "sessions_per_course": ae.sessions_per_course}),
    );
    let text = if patients.len() >= MIN_PATIENTS {
        format!(
            "In large surveys, 4% to 11% of patients reported at least one adverse event over a course of about 10 treatments, mostly bruising, needle pain or tiredness; serious events such as a collapsed lung were rare (5 in 503,397 treatment cycles). In this clinic {} of courses had at least one recorded event ({} events in {} sessions, {} serious).",
            pct(&ae.courses_with_event),
            ae.events,
            ae.sessions,
            ae.serious
        )
    } else {
        format!("In large surveys, 4% to 11% of patients reported at least one adverse event over a course of about 10 treatments; serious events were rare. This clinic's own figures: {NOT_ENOUGH}.")
    };
    Question {
        id: "safety",
        question: "Is acupuncture safe for people with neuropathy?",
        answer_text: text,
        trial_evidence: json!({"per_patient_surveys": per_patient, "compare": "per patient over a course (surveys: about 10 treatments each)",
            "certainty": "Surveys of general acupuncture practice, not of people with neuropathy; insensate feet, anticoagulants and chemotherapy need the checks this system runs."}),
        clinic_figures: clinic,
        sources: cite(&["S32", "S34", "S35", "S36", "S1"]),
    }
}
