//! "Which points will you use?": the clinic's most-used points beside the
//! points the trials used.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use acumen_knowledge::{point, Flag};

use super::*;
use crate::records::Course;
use crate::wording::{shown, MIN_PATIENTS, NOT_ENOUGH};

pub(super) fn point_counts<'a>(
    courses: impl IntoIterator<Item = &'a Course>,
    keep: impl Fn(&str) -> bool,
) -> Vec<Value> {
    let mut m: BTreeMap<String, (usize, BTreeSet<i64>)> = BTreeMap::new();
    for c in courses {
        for s in &c.sessions {
            for p in s.points.iter().filter(|p| keep(p)) {
                let e = m.entry(p.clone()).or_default();
                e.0 += 1;
                e.1.insert(c.patient_id);
            }
        }
    }
    let mut v: Vec<(String, usize, usize)> = m.into_iter().map(|(k, (s, p))| (k, s, p.len())).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .map(|(code, sessions, patients)| {
            let trials = acumen_knowledge::trials::usage(&code, None);
            json!({"code": code, "pinyin": point(&code).map(|p| p.pinyin), "sessions": sessions, "patients": patients,
                   "trials": trials.trials, "studies": trials.studies})
        })
        .collect()
}

pub(super) fn trial_points_top(keep: impl Fn(&str) -> bool, n: usize) -> Vec<Value> {
    let codes: BTreeSet<&str> = acumen_knowledge::trials::trial_points()
        .iter()
        .map(|t| t.point)
        .collect();
    let mut v: Vec<(usize, usize, &str)> = codes
        .into_iter()
        .filter(|c| keep(c))
        .map(|c| {
            let u = acumen_knowledge::trials::usage(c, None);
            (u.trials, u.studies, c)
        })
        .collect();
    v.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(b.2)));
    v.into_iter()
        .take(n)
        .map(|(t, s, c)| json!({"code": c, "pinyin": point(c).map(|p| p.pinyin), "trials": t, "studies": s}))
        .collect()
}

pub(super) fn is_foot(code: &str) -> bool {
    point(code).is_some_and(|p| p.has(Flag::Foot))
}

pub(super) fn points(courses: &[Course]) -> Question {
    let patients: BTreeSet<i64> = courses
        .iter()
        .filter(|c| !c.sessions.is_empty())
        .map(|c| c.patient_id)
        .collect();
    let top = trial_points_top(|_| true, 10);
    let mut used = point_counts(courses, |_| true);
    used.truncate(10);
    let clinic = shown(
        patients.len(),
        json!({"patients": patients.len(), "most_used_points": used}),
    );
    let names: Vec<String> = top
        .iter()
        .take(4)
        .map(|p| format!("{} ({} trials)", p["code"].as_str().unwrap_or(""), p["trials"]))
        .collect();
    let text = format!(
        "No point has been shown to work better than others. The points the neuropathy trials used most were {}{}",
        names.join(", "),
        if patients.len() >= MIN_PATIENTS {
            format!(
                "; this clinic's most used were {}.",
                used.iter()
                    .take(4)
                    .map(|p| p["code"].as_str().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(". This clinic's own figures: {NOT_ENOUGH}.")
        }
    );
    Question {
        id: "points",
        question: "Are there specific acupuncture points for nerve pain relief?",
        answer_text: text,
        trial_evidence: json!({"most_used_in_trials": top,
            "certainty": "Counts of use, not comparisons: no trial compared one point selection with another."}),
        clinic_figures: clinic,
        sources: cite(&["S3", "S5", "S6", "S7", "S12", "S15", "S27", "S28", "S29"]),
    }
}
