//! "How soon will I notice a difference?": the trials' regimens beside the
//! clinic's Kaplan-Meier time to a first 30% reduction.

use serde_json::{json, Value};

use super::*;
use crate::outcomes::{Cohort, TimeToResponse};
use crate::wording::{num, pct, quantile, shown, MIN_PATIENTS, NOT_ENOUGH};

pub(super) fn how_soon(all: &Cohort, t: &TimeToResponse) -> Question {
    let (list, sessions, srcs) = regimen_json();
    let curve: Vec<Value> = t
        .sessions
        .steps
        .iter()
        .map(|s| json!([s.time, s.surv, s.lower, s.upper]))
        .collect();
    let clinic = shown(
        all.patients,
        json!({"courses": all.analysed, "median_sessions": t.sessions_quartiles[1], "quartiles_sessions": t.sessions_quartiles,
               "median_sessions_text": quantile(&t.sessions_quartiles[1], "sessions"),
               "median_days": t.days_quartiles[1], "median_days_text": quantile(&t.days_quartiles[1], "days"),
               "responded_by_session_6": t.responded_by_session_6, "responded_by_session_6_text": pct(&t.responded_by_session_6),
               "responded_by_session_12": t.responded_by_session_12, "responded_by_session_12_text": pct(&t.responded_by_session_12),
               "curve": curve, "curve_columns": ["session", "share without response", "lower", "upper"]}),
    );
    let text = if all.patients >= MIN_PATIENTS {
        format!(
            "Trials measured pain after 6 to 21 sessions (median {}); none reports how soon patients responded. In this clinic the median time to a 30% reduction was {}, or {} from session 1; by session 6, {} of all courses that started had responded (intention to treat).",
            median(&sessions).map_or("not known".into(), |m| num(m, 0)),
            quantile(&t.sessions_quartiles[1], "sessions"),
            quantile(&t.days_quartiles[1], "days"),
            pct(&t.responded_by_session_6)
        )
    } else {
        format!("Trials measured pain after 6 to 21 sessions; none reports how soon patients responded. This clinic's own figures: {NOT_ENOUGH}.")
    };
    let mut ids: Vec<&str> = srcs.iter().map(String::as_str).collect();
    ids.push("S54");
    Question {
        id: "how_soon",
        question: "How long does it take for acupuncture to work on nerve pain?",
        answer_text: text,
        trial_evidence: json!({"regimens": list, "sessions_range": [sessions.first(), sessions.last()], "median_sessions": median(&sessions),
            "certainty": "Trials report pain at the end of a fixed course, not the time to response."}),
        clinic_figures: clinic,
        sources: cite(&ids),
    }
}
