//! The article's six questions, each answered with the trial evidence (with
//! its uncertainty, comparator and source) beside this clinic's own
//! figures, and one or two sentences generated from those numbers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use acumen_knowledge::{point, Flag};

use crate::adverse::adverse_rates;
use crate::evidence::{decisions, pool, published_row, source, surveys, trial_outcomes, AddedTrial};
use crate::outcomes::{
    change, cohort, responders, time_to_response, Change, Cohort, Criterion, TimeToResponse, Timepoint, DEFINITIONS,
};
use crate::records::Course;
use crate::stats::mean_ci;
use crate::wording::{complementary, mean, num, pct, quantile, rate, shown, suppress_small, MIN_PATIENTS, NOT_ENOUGH};

const REGIMENS_CSV: &str = include_str!("../data/evidence/trial_regimens.csv");

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
}

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

fn works(courses: &[Course], all: &Cohort, ttr: &TimeToResponse, added: &[AddedTrial]) -> Question {
    let f2 = published_row("F2");
    let d = decisions(added);
    let pooled = pool(&d);
    let sd = baseline_sd(all);
    let restated = match (f2.and_then(|p| p.estimate), sd) {
        (Some(e), Some((sd, n))) => json!({"points": e * sd, "sd": sd,
            "sd_source": format!("standard deviation of baseline pain in this clinic ({n} courses)"),
            "text": format!("about {} NRS points", num(e * sd, 1))}),
        _ => json!({"text": "not restated: the clinic has too few baselines for a typical SD", "points": null}),
    };
    let end = responders(all, Timepoint::EndOfCourse);
    let ch = change(all);
    let mut per_condition: Vec<Value> = by_condition(courses)
        .into_iter()
        .map(|(cond, cs)| {
            let co = cohort(cs.iter().copied());
            let e = responders(&co, Timepoint::EndOfCourse);
            let chg = change(&co);
            json!({"condition": cond, "figures": shown(co.patients, json!({
                "patients": co.patients, "courses": co.analysed,
                "responders_30_itt": e[0].itt, "responders_30_completers": e[0].completers,
                "responders_30_itt_text": pct(&e[0].itt),
                "mean_change": chg.change, "mean_change_text": mean(&chg.change, "points"),
                "smcr": chg.smcr, "smcr_var": chg.smcr_var, "smcr_label": chg.label,
                "responders": {"session_6": responders_json(&co, Timepoint::Session(6)),
                               "session_12": responders_json(&co, Timepoint::Session(12)),
                               "end_of_course": responders_json(&co, Timepoint::EndOfCourse)},
                "detail": detail_json(&co, &chg, &time_to_response(&co), cs.iter().copied())}))})
        })
        .collect();
    // Per figure, then complementary across the conditions (which add up
    // to the clinic's figures).
    let mut cells: Vec<Value> = per_condition.iter_mut().map(|c| c["figures"].take()).collect();
    cells.iter_mut().for_each(suppress_small);
    complementary(&mut cells);
    for (c, f) in per_condition.iter_mut().zip(cells) {
        c["figures"] = f;
    }
    let clinic = shown(
        all.patients,
        json!({"patients": all.patients, "courses": all.analysed, "left_out": {"not_started": all.not_started,
                "no_baseline": all.no_baseline, "zero_baseline": all.zero_baseline},
               "end_of_course": responders_json(all, Timepoint::EndOfCourse),
               "session_6": responders_json(all, Timepoint::Session(6)),
               "session_12": responders_json(all, Timepoint::Session(12)),
               "mean_change": ch.change, "mean_change_text": mean(&ch.change, "points"),
               "smcr": ch.smcr, "smcr_var": ch.smcr_var, "smcr_label": ch.label,
               "detail": detail_json(all, &ch, ttr, courses),
               "by_condition": per_condition}),
    );
    let mut text = match f2 {
        Some(p) => format!(
            "In {} randomised trials with {} participants, pain fell more with acupuncture than with control: standardized mean difference {} (95% CI {} to {}; Feng 2023){}. Against sham acupuncture the difference was smaller and against conventional treatment it was uncertain.",
            p.k_trials.unwrap_or(0),
            p.n_participants.unwrap_or(0),
            num(p.estimate.unwrap_or(f64::NAN), 2),
            num(p.ci_low.unwrap_or(f64::NAN), 2),
            num(p.ci_high.unwrap_or(f64::NAN), 2),
            restated["points"].as_f64().map_or(String::new(), |x| format!(", about {} points on the 0-10 scale", num(x, 1))),
        ),
        None => String::new(),
    };
    if all.patients >= MIN_PATIENTS && end[0].itt.n == 0 {
        text.push_str(" In this clinic no course has ended yet.");
    } else if all.patients >= MIN_PATIENTS && end[0].itt.n as usize >= MIN_PATIENTS {
        text.push_str(&format!(
            " In this clinic, {} of {} courses that ended had pain at least 30% lower at the end (intention to treat; an uncontrolled cohort, so not proof of effect).",
            pct(&end[0].itt),
            end[0].itt.n
        ));
    } else {
        text.push_str(&format!(" This clinic's own figures: {NOT_ENOUGH}."));
    }
    Question {
        id: "works",
        question: "Does acupuncture work on nerve pain?",
        answer_text: text,
        trial_evidence: json!({
            "published_pooled": {"overall": published("F2"), "vs_sham": published("F3"), "vs_conventional": published("F4")},
            "restated_in_nrs_points": restated,
            "certainty": "Small pilot trials of mixed conditions and controls; per-trial data of the pooled analysis could not be retrieved, so it cannot be re-checked here; effects against sham are smaller than against no treatment.",
            "bundled_trials": d,
            "bundled_pool": pooled,
            "bundled_pool_note": if pooled.is_none() { "fewer than 2 trials have complete arm data: no pooled estimate (add trials to recompute)" } else { "random-effects (REML) pool of the included rows; the published pooled result above is not re-derived from them" },
            "added_trials": added.len(),
        }),
        clinic_figures: clinic,
        sources: cite(&["S1", "S3", "S54"]),
    }
}

struct Regimen {
    trial: String,
    sessions: Option<f64>,
    schedule: String,
    source: String,
}

fn regimens() -> Vec<Regimen> {
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

fn regimen_json() -> (Value, Vec<f64>, Vec<String>) {
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

fn median(v: &[f64]) -> Option<f64> {
    let n = v.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    })
}

fn how_soon(all: &Cohort, t: &TimeToResponse) -> Question {
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

fn how_many(courses: &[Course], all: &Cohort, t: &TimeToResponse) -> Question {
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

fn point_counts<'a>(courses: impl IntoIterator<Item = &'a Course>, keep: impl Fn(&str) -> bool) -> Vec<Value> {
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

fn trial_points_top(keep: impl Fn(&str) -> bool, n: usize) -> Vec<Value> {
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

fn is_foot(code: &str) -> bool {
    point(code).is_some_and(|p| p.has(Flag::Foot))
}

fn feet(courses: &[Course]) -> Question {
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

fn points(courses: &[Course]) -> Question {
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

fn safety(courses: &[Course]) -> Question {
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
