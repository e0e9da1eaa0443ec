//! "Will it help the numbness in my feet?": trials of foot symptoms, the
//! foot points trials used, and the clinic's foot-point courses.

use serde_json::{json, Value};

use super::*;
use crate::evidence::trial_outcomes;
use crate::outcomes::{cohort, responders, Timepoint};
use crate::records::Course;
use crate::wording::{pct, shown, MIN_PATIENTS, NOT_ENOUGH};

pub(super) fn feet(courses: &[Course]) -> Question {
    let foot_courses: Vec<&Course> = courses
        .iter()
        .filter(|c| FOOT_CONDITIONS.contains(&c.condition.as_str()))
        .filter(|c| c.sessions.iter().any(|s| s.points.iter().any(|p| is_foot(p))))
        .collect();
    let co = cohort(foot_courses.iter().copied());
    let end = responders(&co, Timepoint::EndOfCourse);
    let rows: Vec<Value> = trial_outcomes()
        .iter()
        .filter(|t| ["T11", "T17", "T1", "T9"].contains(&t.row_id.as_str()))
        .map(|t| json!({"row": t.row_id, "trial": t.trial_id, "condition": t.condition, "control": t.control_type,
                        "outcome": t.instrument, "timepoint": t.timepoint, "value_type": t.value_type, "notes": t.notes, "source": t.source_id}))
        .collect();
    let clinic = shown(
        co.patients,
        json!({"patients": co.patients, "courses": co.analysed,
               "responders_30_itt": end[0].itt, "responders_30_itt_text": pct(&end[0].itt),
               "responders_30_completers": end[0].completers,
               "foot_points_used": point_counts(foot_courses.iter().copied(), is_foot)}),
    );
    let text = if co.patients >= MIN_PATIENTS && end[0].itt.n as usize >= MIN_PATIENTS {
        format!(
            "In diabetic neuropathy, a sham-controlled pilot trial found a moderate benefit on the patient's own symptom profile (MYMOP −0.66, 95% CI −0.96 to −0.35; Garrow 2014) and a trial against routine care found less overall neuropathy discomfort (24.7 points on 0-100, 95% CI 14.8 to 34.7; Dietzel 2023). In this clinic, {} of {} courses for feet neuropathy that used foot points ended with pain at least 30% lower (intention to treat).",
            pct(&end[0].itt),
            end[0].itt.n
        )
    } else {
        format!("In diabetic neuropathy, a sham-controlled pilot trial found a moderate benefit (MYMOP −0.66, 95% CI −0.96 to −0.35; Garrow 2014). This clinic's own figures: {NOT_ENOUGH}.")
    };
    Question {
        id: "feet",
        question: "Can acupuncture help with neuropathy in the feet?",
        answer_text: text,
        trial_evidence: json!({"trials": rows, "foot_points_in_trials": trial_points_top(is_foot, 10),
            "certainty": "Pilot trials with tens of patients; outcomes differ between trials and cannot be pooled here."}),
        clinic_figures: clinic,
        sources: cite(&["S7", "S14", "S27", "S3", "S29"]),
    }
}
