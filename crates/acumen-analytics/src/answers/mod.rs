//! The article's six questions, each answered with the trial evidence (with
//! its uncertainty, comparator and source) beside this clinic's own
//! figures, and one or two sentences generated from those numbers. One
//! file per question (`works`, `how_soon`, `sessions`, `feet`, `points`,
//! `safety`); here the page, the shared pieces and `answers`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::adverse::adverse_rates;
use crate::evidence::{published_row, source, AddedTrial};
use crate::outcomes::{
    cohort, responders, time_to_response, Change, Cohort, Criterion, TimeToResponse, Timepoint, DEFINITIONS,
};
use crate::records::Course;
use crate::stats::mean_ci;
use crate::wording::{pct, shown, suppress_small, MIN_PATIENTS};

const REGIMENS_CSV: &str = include_str!("../../data/evidence/trial_regimens.csv");

/// Shown on every page.
pub const DISCLAIMER: &str =
    "This is information, not medical advice. It does not replace a consultation with your doctor.";

/// When to see a doctor rather than an acupuncturist.
pub const WARNING_SIGNS: [&str; 4] = [
    "new weakness, or numbness that spreads",
    "a foot wound, blister or ulcer that does not heal",
    "spreading redness, warmth or fever after treatment",
    "sudden breathlessness or chest pain after needling near the chest (call emergency services)",
];

/// Conditions whose neuropathy usually affects the feet.
pub const FOOT_CONDITIONS: [&str; 3] = [
    "diabetic_polyneuropathy",
    "chemotherapy_induced",
    "polyneuropathy_unspecified",
];

/// The clinic the page is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicRef {
    /// The clinic's code (what its public page is opened with: `?clinic=CODE`).
    pub code: String,
    /// Name.
    pub name: String,
}

/// One answered question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// `works`, `how_soon`, `how_many_sessions`, `feet`, `points`, `safety`.
    pub id: &'static str,
    /// The article's question.
    pub question: &'static str,
    /// Sentences generated from the numbers below.
    pub answer_text: String,
    /// What the trials say.
    pub trial_evidence: Value,
    /// What this clinic's records say.
    pub clinic_figures: Value,
    /// Sources (id, citation, url).
    pub sources: Vec<Value>,
}

/// The answers page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answers {
    /// Clinic.
    pub clinic: ClinicRef,
    /// When computed (RFC 3339).
    pub generated_at: String,
    /// Whether the records are simulated demo data.
    pub simulated: bool,
    /// How every figure is defined.
    pub definitions: Vec<&'static str>,
    /// Not medical advice.
    pub disclaimer: &'static str,
    /// When to see a doctor.
    pub warning_signs: Vec<&'static str>,
    /// Figures about fewer patients are not shown.
    pub min_patients: usize,
    /// The six questions.
    pub questions: Vec<Question>,
    /// How complete the clinic's follow-up is: per scheduled timepoint, the
    /// measures recorded of those that fell due (`owner::completion_by_timepoint`;
    /// empty until the caller adds it from the records).
    pub completion: Vec<Value>,
}

mod feet;
mod how_soon;
mod points;
mod safety;
mod sessions;
mod works;

use feet::feet;
use how_soon::how_soon;
use points::{is_foot, point_counts, points, trial_points_top};
use safety::safety;
use sessions::{how_many, median, regimen_json};
use works::works;

fn cite(ids: &[&str]) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .flat_map(|i| i.split(';'))
        .map(str::trim)
        .filter(|i| seen.insert(i.to_string()))
        .filter_map(source)
        .map(|s| json!({"id": s.source_id, "citation": s.citation, "url": s.url}))
        .collect()
}

fn published(id: &str) -> Value {
    published_row(id).map_or(Value::Null, |p| {
        json!({"comparison": p.comparison, "k_trials": p.k_trials, "n_participants": p.n_participants,
               "measure": p.effect_measure, "estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high,
               "p_value": p.p_value, "notes": p.notes, "source": p.source_id})
    })
}

/// The clinic's typical baseline NRS SD, used to restate an SMD in NRS points.
fn baseline_sd(c: &Cohort) -> Option<(f64, usize)> {
    let b: Vec<f64> = c.courses.iter().map(|x| x.1).collect();
    (c.patients >= MIN_PATIENTS)
        .then(|| mean_ci(&b).sd.map(|sd| (sd, b.len())))
        .flatten()
}

fn responders_json(c: &Cohort, at: Timepoint) -> Value {
    let r = responders(c, at);
    shown(
        c.patients,
        json!(r
            .iter()
            .map(
                |x| json!({"criterion": x.criterion, "itt": x.itt, "completers": x.completers,
            "itt_text": pct(&x.itt), "completers_text": pct(&x.completers)})
            )
            .collect::<Vec<_>>()),
    )
}

/// A Kaplan-Meier curve as JSON: subjects, events, quartiles with their
/// intervals, and the curve; suppressed when fewer than MIN_PATIENTS
/// courses are in it.
fn km_json(km: &crate::km::KaplanMeier) -> Value {
    if km.n < MIN_PATIENTS {
        return json!({"suppressed": crate::wording::SUPPRESSED, "n": null, "events": null});
    }
    let q: Vec<crate::km::Quantile> = [0.25, 0.5, 0.75].iter().map(|p| km.quantile(*p)).collect();
    let curve: Vec<Value> = km
        .steps
        .iter()
        .map(|s| {
            json!({"time": s.time, "n_risk": s.n_risk, "n_event": s.n_event, "n_censor": s.n_censor,
                        "surv": s.surv, "lower": s.lower, "upper": s.upper})
        })
        .collect();
    json!({"n": km.n, "events": km.events, "median": q[1], "quartiles": q, "curve": curve})
}

/// The figures behind a cohort's answers, as the API exposes them: courses
/// included and left out (with the reasons), baseline and end-of-course
/// means and SDs, the change, the SMCR with its interval and the
/// baseline-end correlation, and Kaplan-Meier time to response (sessions
/// and days to a first, and sessions to a sustained, 30% reduction), and
/// adverse events overall, by type, by severity and by type x severity.
fn detail_json<'a>(
    co: &Cohort,
    ch: &Change,
    t: &TimeToResponse,
    courses: impl IntoIterator<Item = &'a Course>,
) -> Value {
    let ae = adverse_rates(courses);
    let smcr_ci = match (ch.smcr, ch.smcr_var) {
        (Some(g), Some(v)) if v >= 0.0 => {
            let h = 1.959963984540054 * v.sqrt();
            json!({"estimate": g, "var": v, "lower": g - h, "upper": g + h})
        }
        _ => json!({"estimate": ch.smcr, "var": ch.smcr_var, "lower": null, "upper": null}),
    };
    let smcr = if ch.n < MIN_PATIENTS {
        json!({"suppressed": crate::wording::SUPPRESSED, "estimate": null, "var": null, "lower": null, "upper": null})
    } else {
        smcr_ci
    };
    json!({
        "included_courses": co.analysed,
        "excluded_courses": {"not_started": co.not_started, "no_baseline": co.no_baseline, "zero_baseline": co.zero_baseline},
        "baseline": ch.baseline, "end_of_course": ch.end, "change": ch.change,
        "baseline_end_correlation": if ch.n < MIN_PATIENTS { Value::Null } else { json!(ch.r) },
        "smcr": smcr,
        "time_to_response": {
            "sessions_to_first_30": km_json(&t.sessions),
            "days_to_first_30": km_json(&t.days),
            "sessions_to_sustained_30": km_json(&t.sustained_sessions),
            "days_to_sustained_30": km_json(&t.sustained_days),
        },
        "adverse_events": {
            "sessions": ae.sessions, "events": ae.events, "serious": ae.serious,
            "sessions_with_event": ae.sessions_with_event, "per_1000_sessions": ae.per_1000_sessions,
            "courses_with_event": ae.courses_with_event, "patients_with_event": ae.patients_with_event,
            "by_type": ae.by_type, "by_severity": ae.by_severity, "by_type_severity": ae.by_type_severity,
        },
    })
}

fn by_condition(courses: &[Course]) -> BTreeMap<String, Vec<&Course>> {
    let mut m: BTreeMap<String, Vec<&Course>> = BTreeMap::new();
    for c in courses {
        m.entry(c.condition.clone()).or_default().push(c);
    }
    m
}

/// Answers the six questions from a clinic's courses (with trials a user
/// adds to the trial-level evidence, if any).
pub fn answers(
    clinic: ClinicRef,
    generated_at: String,
    simulated: bool,
    courses: &[Course],
    added: &[AddedTrial],
) -> Answers {
    let all = cohort(courses);
    let ttr = time_to_response(&all);
    let mut questions = vec![
        works(courses, &all, &ttr, added),
        how_soon(&all, &ttr),
        how_many(courses, &all, &ttr),
        feet(courses),
        points(courses),
        safety(courses),
    ];
    // Every figure computed from fewer than MIN_PATIENTS is hidden, in JSON as on the page.
    for q in &mut questions {
        suppress_small(&mut q.clinic_figures);
    }
    Answers {
        clinic,
        generated_at,
        simulated,
        definitions: DEFINITIONS.to_vec(),
        disclaimer: DISCLAIMER,
        warning_signs: WARNING_SIGNS.to_vec(),
        min_patients: MIN_PATIENTS,
        questions,
        completion: vec![],
    }
}

/// Criteria names for display.
pub fn criterion_words(c: Criterion) -> &'static str {
    match c {
        Criterion::Reduction30 => "pain at least 30% lower",
        Criterion::Reduction50 => "pain at least 50% lower",
        Criterion::Points2 => "pain at least 2 points lower",
        Criterion::Pgic => "much or very much improved (PGIC)",
    }
}
