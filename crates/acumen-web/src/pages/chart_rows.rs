//! The rows of a course on the patient chart: each session (points, its
//! safety findings in a few words and in full, its adverse events), each
//! outcome, and each voided record with its reason; every live row carries
//! its public id and version, for the links that correct, void or move it.

use serde_json::Value;

use acumen_store::Record;

use super::layout::text;

/// A session in the course table.
pub struct SessionRow {
    /// Public id.
    pub id: String,
    /// The version shown (what a correction starts from).
    pub version: i64,
    /// Number.
    pub number: String,
    /// Date.
    pub date: String,
    /// Points.
    pub points: String,
    /// Safety findings in a few words.
    pub safety: String,
    /// The findings' reasons in full.
    pub reasons: Vec<String>,
    /// Adverse events: date, type, severity, causality, outcome.
    pub events: Vec<EventRow>,
}

/// An adverse event under its session.
pub struct EventRow {
    /// Public id.
    pub id: String,
    /// The version shown.
    pub version: i64,
    /// Date, type, severity, causality and outcome in words.
    pub line: String,
}

/// An outcome of the course.
pub struct OutcomeRow {
    /// Public id.
    pub id: String,
    /// The version shown.
    pub version: i64,
    /// Date.
    pub date: String,
    /// The measure in words.
    pub measure: String,
    /// The value.
    pub value: String,
    /// When (baseline, session n, follow-up).
    pub when: String,
    /// Who reported it.
    pub source: String,
}

/// A session's row with its adverse events.
pub fn session_row(s: &Record, events: &[Record]) -> SessionRow {
    let pts: Vec<String> = s
        .data
        .get("points")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| text(p, "code"))
        .collect();
    let (safety, reasons) = safety_line(&s.data);
    SessionRow {
        id: s.public_id.clone(),
        version: s.version,
        number: s.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
        date: text(&s.data, "at").chars().take(10).collect(),
        points: pts.join(", "),
        safety,
        reasons,
        events: events
            .iter()
            .map(|e| EventRow {
                id: e.public_id.clone(),
                version: e.version,
                line: event_line(&e.data),
            })
            .collect(),
    }
}

/// A measure's name in words.
fn measure_words(code: &str) -> &'static str {
    match code {
        "nrs_average" => "Average pain (0-10)",
        "nrs_worst" => "Worst pain (0-10)",
        "sleep_interference" => "Sleep interference (0-10)",
        "pgic" => "Global impression of change (1-7)",
        _ => "Other measure",
    }
}

/// When an outcome was measured, in words.
fn when_words(o: &Value) -> String {
    match text(o, "timepoint").as_str() {
        "baseline" => "baseline".into(),
        "session" => format!(
            "session {}",
            o.get("session_number").map(|n| n.to_string()).unwrap_or_default()
        ),
        "follow_up" => "follow-up".into(),
        other => other.to_string(),
    }
}

/// The outcomes of a course, newest first.
pub fn outcome_rows(outcomes: &[Record]) -> Vec<OutcomeRow> {
    let mut rows: Vec<OutcomeRow> = outcomes
        .iter()
        .map(|o| OutcomeRow {
            id: o.public_id.clone(),
            version: o.version,
            date: text(&o.data, "date"),
            measure: measure_words(&text(&o.data, "instrument")).into(),
            value: o.data.get("value").map(|v| v.to_string()).unwrap_or_default(),
            when: when_words(&o.data),
            source: if text(&o.data, "source") == "patient" {
                "patient"
            } else {
                "clinician"
            }
            .into(),
        })
        .collect();
    rows.reverse();
    rows
}

/// A voided record in words: "Session 2 of 2026-10-03, voided 2026-10-04: the visit was cancelled".
pub fn voided_line(r: &Record) -> String {
    let what = match r.kind.as_str() {
        "session" => format!(
            "Session {} of {}",
            r.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
            text(&r.data, "at").chars().take(10).collect::<String>()
        ),
        "outcome" => format!(
            "{} {} on {}",
            measure_words(&text(&r.data, "instrument")),
            r.data.get("value").map(|v| v.to_string()).unwrap_or_default(),
            text(&r.data, "date")
        ),
        _ => format!("Adverse event: {}", event_line(&r.data)),
    };
    let when: String = r
        .data
        .pointer("/voided/at")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(10)
        .collect();
    let reason = crate::service::corrections::void_reason(r).unwrap_or("no reason given");
    format!("{what}, voided {when}: {reason}")
}

/// An adverse event in one line: "2026-11-20 · Bruising or bleeding · mild, grade 1 · possible · recovered".
fn event_line(e: &Value) -> String {
    use acumen_domain::{words_of, AE_TYPE_WORDS, CAUSALITY_WORDS, OUTCOME_WORDS};
    format!(
        "{} · {} · {}, grade {} · causality {} · {}{}",
        text(e, "onset"),
        words_of(&AE_TYPE_WORDS, &text(e, "type")),
        text(e, "severity"),
        e.get("ctcae_grade").map(|g| g.to_string()).unwrap_or_default(),
        words_of(&CAUSALITY_WORDS, &text(e, "causality")).to_lowercase(),
        words_of(&OUTCOME_WORDS, &text(e, "outcome")).to_lowercase(),
        if e.get("serious").and_then(Value::as_bool) == Some(true) {
            " · serious"
        } else {
            ""
        }
    )
}

/// The stored findings of a session: a short line (how many findings of
/// each kind, most serious first, with the points they name: "2 hard stops,
/// overridden (KI3, LI4) · 4 warnings (LI4, KI3)") and the reasons in full.
fn safety_line(session: &Value) -> (String, Vec<String>) {
    let findings: Vec<&Value> = session
        .pointer("/safety/findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let overridden = !acumen_domain::gate::StoredSafety::of(session).overridden.is_empty();
    // (rank, one, many) of a finding's kind.
    let kind = |f: &Value| match text(f, "severity").as_str() {
        "hard_stop" if overridden => (0, "hard stop, overridden", "hard stops, overridden"),
        "hard_stop" => (0, "hard stop", "hard stops"),
        "needs_rationale" => (1, "rationale given", "rationales given"),
        "warning" => (2, "warning", "warnings"),
        _ => (3, "note", "notes"),
    };
    let mut by_kind: std::collections::BTreeMap<(u8, &str, &str), (usize, Vec<String>)> = Default::default();
    for f in &findings {
        let e = by_kind.entry(kind(f)).or_default();
        e.0 += 1;
        for p in f
            .get("points")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !e.1.iter().any(|q| q == p) {
                e.1.push(p.to_string());
            }
        }
    }
    let short: Vec<String> = by_kind
        .iter()
        .map(|((_, one, many), (n, pts))| {
            let what = if *n == 1 {
                one.to_string()
            } else {
                format!("{n} {many}")
            };
            if pts.is_empty() {
                what
            } else {
                format!("{what} ({})", pts.join(", "))
            }
        })
        .collect();
    let reasons = findings.iter().map(|f| text(f, "reason")).collect();
    if short.is_empty() {
        ("none".into(), vec![])
    } else {
        (short.join(" · "), reasons)
    }
}
