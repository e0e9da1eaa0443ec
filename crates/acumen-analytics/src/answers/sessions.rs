//! "How many sessions will I need?": the trials' regimens beside the
//! clinic's sessions to a sustained response.

use serde_json::{json, Value};

use super::*;
use crate::outcomes::{Cohort, TimeToResponse};
use crate::records::Course;
use crate::stats::mean_ci;
use crate::wording::{num, pct, quantile, shown, MIN_PATIENTS, NOT_ENOUGH};

pub(super) struct Regimen {
    trial: String,
    sessions: Option<f64>,
    schedule: String,
    source: String,
}

pub(super) fn regimens() -> Vec<Regimen> {
    let mut out = Vec::new();
    let mut rdr = csv::Reader::from_reader(REGIMENS_CSV.as_bytes());
    for r in rdr.records().flatten() {
        out.push(Regimen {
            trial: r.get(1).unwrap_or("").into(),
            sessions: r.get(7).and_then(|s| s.trim().parse().ok()),
            schedule: r.get(8).unwrap_or("").into(),
            source: r.get(10).unwrap_or("").into(),
        });
    }
    out
}

pub(super) fn regimen_json() -> (Value, Vec<f64>, Vec<String>) {
    let regs = regimens();
    let mut sessions: Vec<f64> = regs.iter().filter_map(|r| r.sessions).collect();
    sessions.sort_by(f64::total_cmp);
    let srcs = regs.iter().map(|r| r.source.clone()).collect();
    let list: Vec<Value> = regs
        .iter()
        .map(|r| json!({"trial": r.trial, "sessions": r.sessions, "schedule": r.schedule, "source": r.source}))
        .collect();
    (json!(list), sessions, srcs)
}

pub(super) fn median(v: &[f64]) -> Option<f64> {
    let n = v.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    })
}

pub(super) fn how_many(courses: &[Course], all: &Cohort, t: &TimeToResponse) -> Question {
    let (list, sessions, srcs) = regimen_json();
    let attended: Vec<f64> = courses
        .iter()
        .filter(|c| c.status != "active")
        .filter_map(|c| c.last_session().map(f64::from))
        .collect();
    let mut sorted = attended.clone();
    sorted.sort_by(f64::total_cmp);
    let clinic = shown(
        all.patients,
        json!({"median_sessions_to_sustained_response": t.sustained_quartiles[1],
               "quartiles_sessions_to_sustained_response": t.sustained_quartiles,
               "median_sessions_to_sustained_response_text": quantile(&t.sustained_quartiles[1], "sessions"),
               "responded_by_session_6": t.responded_by_session_6, "responded_by_session_12": t.responded_by_session_12,
               "ended_courses": attended.len(), "median_sessions_attended": median(&sorted),
               "mean_sessions_attended": mean_ci(&attended)}),
    );
    let text = if all.patients >= MIN_PATIENTS {
        format!(
            "Trial courses ran {} to {} sessions (median {}). In this clinic a sustained 30% reduction took a median of {}; {} of courses had responded by session 6 and {} by session 12 (intention to treat).",
            sessions.first().map_or("?".into(), |v| num(*v, 0)),
            sessions.last().map_or("?".into(), |v| num(*v, 0)),
            median(&sessions).map_or("?".into(), |v| num(v, 0)),
            quantile(&t.sustained_quartiles[1], "sessions"),
            pct(&t.responded_by_session_6),
            pct(&t.responded_by_session_12)
        )
    } else {
        format!("Trial courses ran 6 to 21 sessions. This clinic's own figures: {NOT_ENOUGH}.")
    };
    let ids: Vec<&str> = srcs.iter().map(String::as_str).collect();
    Question {
        id: "how_many_sessions",
        question: "How many acupuncture sessions are needed for neuropathy?",
        answer_text: text,
        trial_evidence: json!({"regimens": list, "median_sessions": median(&sessions),
            "certainty": "Course lengths were chosen by the trialists, not compared with each other."}),
        clinic_figures: clinic,
        sources: cite(&ids),
    }
}
