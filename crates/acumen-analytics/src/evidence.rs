//! The bundled trial evidence (`data/evidence/`, each row with its source):
//! the published pooled result the article cites, the trial-level pain
//! outcomes with the rules that decide which may be pooled, the published
//! safety surveys, and a random-effects pool (REML, as metafor) of the
//! eligible trials plus any a user adds.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use acumen_meta::escalc::smd;
use acumen_meta::{fit, DataError, Design, FitOptions, MetaError, Table, VType};

const POOLED_CSV: &str = include_str!("../data/evidence/feng2023_pooled.csv");
const TRIALS_CSV: &str = include_str!("../data/evidence/trial_pain_outcomes.csv");
const SURVEYS_CSV: &str = include_str!("../data/evidence/acupuncture_safety_surveys.csv");
const SOURCES_CSV: &str = include_str!("../data/evidence/sources.csv");

/// A published source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Id (`S1`).
    pub source_id: String,
    /// Citation.
    pub citation: String,
    /// Where it was read.
    pub url: String,
    /// Which part was used.
    pub part_used: String,
}

/// A published pooled result (Feng et al. 2023).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedPooled {
    /// Row id.
    pub row_id: String,
    /// Kind of result.
    pub analysis: String,
    /// Comparison.
    pub comparison: String,
    /// Trials.
    pub k_trials: Option<u32>,
    /// Participants.
    pub n_participants: Option<u32>,
    /// Effect measure.
    pub effect_measure: Option<String>,
    /// Estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
    /// P value.
    pub p_value: Option<f64>,
    /// Notes.
    pub notes: String,
    /// Source.
    pub source_id: String,
}

/// A trial-level outcome row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// Row id.
    pub row_id: String,
    /// Trial.
    pub trial_id: String,
    /// Condition.
    pub condition: String,
    /// Design.
    pub design: String,
    /// Control.
    pub control_type: String,
    /// Acupuncture arm size.
    pub n_acupuncture: Option<f64>,
    /// Control arm size.
    pub n_control: Option<f64>,
    /// Instrument.
    pub instrument: String,
    /// Time point.
    pub timepoint: String,
    /// Kind of value (mean change, mean score, ...).
    pub value_type: String,
    /// Acupuncture arm value (text: some rows hold counts or before-after pairs).
    pub acu_value: String,
    /// Its SD.
    pub acu_sd: Option<f64>,
    /// Control arm value.
    pub ctrl_value: String,
    /// Its SD.
    pub ctrl_sd: Option<f64>,
    /// Notes.
    pub notes: String,
    /// Source.
    pub source_id: String,
}

/// A published safety survey figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    /// Row id.
    pub row_id: String,
    /// Study.
    pub study: String,
    /// Who reported.
    pub reporter: String,
    /// Denominator (patients, treatments, ...).
    pub denominator: String,
    /// Its size.
    pub denominator_value: Option<f64>,
    /// What was counted.
    pub finding: String,
    /// Value (text).
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Notes.
    pub notes: String,
    /// Source.
    pub source_id: String,
}

fn read<T: for<'de> Deserialize<'de>>(text: &str, name: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .unwrap_or_else(|e| panic!("bundled {name} is malformed: {e}"))
}

static SOURCES: LazyLock<Vec<Source>> = LazyLock::new(|| read(SOURCES_CSV, "sources.csv"));
static POOLED: LazyLock<Vec<PublishedPooled>> = LazyLock::new(|| read(POOLED_CSV, "feng2023_pooled.csv"));
static TRIALS: LazyLock<Vec<TrialOutcome>> = LazyLock::new(|| read(TRIALS_CSV, "trial_pain_outcomes.csv"));
static SURVEYS: LazyLock<Vec<Survey>> = LazyLock::new(|| read(SURVEYS_CSV, "acupuncture_safety_surveys.csv"));

/// Every source.
pub fn sources() -> &'static [Source] {
    &SOURCES
}

/// A source by id (`S1`).
pub fn source(id: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.source_id == id)
}

/// The published pooled results.
pub fn published() -> &'static [PublishedPooled] {
    &POOLED
}

/// A published pooled result by row id (`F2`: overall).
pub fn published_row(id: &str) -> Option<&'static PublishedPooled> {
    POOLED.iter().find(|p| p.row_id == id)
}

/// The trial-level outcome rows.
pub fn trial_outcomes() -> &'static [TrialOutcome] {
    &TRIALS
}

/// The safety surveys.
pub fn surveys() -> &'static [Survey] {
    &SURVEYS
}

/// A trial as it enters (or not) the pooled analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Trial or study label.
    pub trial: String,
    /// Row (bundled row id, or the CSV row number of an added trial).
    pub row: String,
    /// Outcome.
    pub outcome: String,
    /// Whether it is pooled.
    pub included: bool,
    /// Why (not).
    pub reason: String,
    /// Hedges' g (negative = less pain with acupuncture) and its variance, when computable.
    pub smd: Option<(f64, f64)>,
    /// Participants.
    pub n: Option<f64>,
    /// `change` or `final` scores.
    pub scores: Option<&'static str>,
    /// Source ids, or "added by user".
    pub source: String,
}

/// The random-effects pool of the included trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// Trials.
    pub k: usize,
    /// Participants.
    pub n: f64,
    /// Pooled SMD (REML).
    pub estimate: f64,
    /// Lower bound.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Between-trial variance.
    pub tau2: f64,
    /// I² (%).
    pub i2: f64,
    /// `change` or `final`: the scores pooled.
    pub scores: &'static str,
}

fn is_pain(instrument: &str) -> bool {
    let i = instrument.to_ascii_lowercase();
    i.contains("pain") && !i.contains("interference")
}

fn scores_of(value_type: &str) -> Option<&'static str> {
    let v = value_type.to_ascii_lowercase();
    if v.contains("change") && !v.contains("within-group") {
        Some("change")
    } else if v.contains("mean score") || v.contains("final") {
        Some("final")
    } else {
        None
    }
}

/// A trial a user adds (the evidence engine's SMD columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddedTrial {
    /// Label.
    pub study: String,
    /// CSV row (1-based, header excluded).
    pub row: usize,
    /// Acupuncture arm: mean, SD, size.
    pub arm1: (f64, f64, f64),
    /// Control arm: mean, SD, size.
    pub arm2: (f64, f64, f64),
    /// `change` or `final`.
    pub scores: &'static str,
    /// Whether higher scores mean more pain relief (the sign is flipped).
    pub higher_is_better: bool,
}

/// Reads added trials from a table with columns `m1i sd1i n1i m2i sd2i n2i`
/// (arm 1 = acupuncture) and optional `study`, `scores` (change|final,
/// default change) and `higher_is_better` (yes|no). Errors name row and column.
pub fn added_trials(t: &Table) -> Result<Vec<AddedTrial>, MetaError> {
    let cols = ["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"];
    let missing: Vec<&str> = cols.iter().copied().filter(|c| !t.has(c)).collect();
    if !missing.is_empty() {
        return Err(MetaError::MissingColumns {
            what: "added trials".into(),
            missing: missing.join(", "),
        });
    }
    let num: Vec<Vec<Option<f64>>> = cols.iter().map(|c| t.numeric(c)).collect::<Result<_, _>>()?;
    let raw = |c: &str, i: usize| t.col_index(c).map(|j| t.cell(i, j).trim().to_string());
    let text = |c: &str, i: usize| raw(c, i).map(|s| s.to_ascii_lowercase());
    let mut out = Vec::new();
    for i in 0..t.n_rows() {
        let v: Vec<f64> = num.iter().map(|c| c[i].unwrap_or(f64::NAN)).collect();
        let scores = match text("scores", i).as_deref() {
            None | Some("") | Some("change") => "change",
            Some("final") => "final",
            Some(other) => {
                return Err(MetaError::Data(DataError {
                    row: Some(i),
                    column: "scores".into(),
                    message: format!("'{other}' must be change or final"),
                }));
            }
        };
        let higher_is_better = matches!(text("higher_is_better", i).as_deref(), Some("yes" | "true" | "1"));
        let label = raw("study", i);
        out.push(AddedTrial {
            study: label
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("added trial {}", i + 1)),
            row: i + 1,
            arm1: (v[0], v[1], v[2]),
            arm2: (v[3], v[4], v[5]),
            scores,
            higher_is_better,
        });
    }
    Ok(out)
}

fn effect(arm1: (f64, f64, f64), arm2: (f64, f64, f64), flip: bool) -> Option<(f64, f64)> {
    let ok = |a: (f64, f64, f64)| a.0.is_finite() && a.1 > 0.0 && a.2 >= 2.0;
    if !ok(arm1) || !ok(arm2) {
        return None;
    }
    let (y, v) = smd(arm1.0, arm1.1, arm1.2, arm2.0, arm2.1, arm2.2, VType::LS);
    Some((if flip { -y } else { y }, v))
}

/// Decides, for every bundled row and every added trial, whether it is
/// pooled: randomised, a pain outcome, complete arm data, one outcome per
/// trial, signs aligned (negative = less pain), and only one kind of score
/// (the kind most trials report; change scores on a tie).
pub fn decisions(added: &[AddedTrial]) -> Vec<Decision> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for r in TRIALS.iter() {
        let design = r.design.to_ascii_lowercase();
        let scores = scores_of(&r.value_type);
        let value = |s: &str| s.trim().parse::<f64>().ok();
        let arms = (
            (value(&r.acu_value), r.acu_sd, r.n_acupuncture),
            (value(&r.ctrl_value), r.ctrl_sd, r.n_control),
        );
        let complete = match arms {
            ((Some(a), Some(sa), Some(na)), (Some(c), Some(sc), Some(nc))) => Some(((a, sa, na), (c, sc, nc))),
            _ => None,
        };
        let (included, reason) = if !design.contains("rct") || design.contains("uncontrolled") {
            (false, "not a randomised trial".to_string())
        } else if !is_pain(&r.instrument) {
            (false, format!("not a pain outcome ({})", r.instrument))
        } else if seen.contains(&r.trial_id) {
            (
                false,
                "another pain outcome of this trial is already included".to_string(),
            )
        } else if complete.is_none() || scores.is_none() {
            (
                false,
                "arm sizes, means or SDs not reported in the retrieved source".to_string(),
            )
        } else {
            seen.push(r.trial_id.clone());
            (true, "randomised, pain outcome, complete arm data".to_string())
        };
        let flip = r.instrument.to_ascii_lowercase().contains("higher = better");
        out.push(Decision {
            trial: r.trial_id.clone(),
            row: r.row_id.clone(),
            outcome: format!("{} at {}", r.instrument, r.timepoint),
            included,
            reason,
            smd: complete.and_then(|(a, c)| effect(a, c, flip)),
            n: complete.map(|(a, c)| a.2 + c.2),
            scores,
            source: r.source_id.clone(),
        });
    }
    for a in added {
        let e = effect(a.arm1, a.arm2, a.higher_is_better);
        out.push(Decision {
            trial: a.study.clone(),
            row: format!("added row {}", a.row),
            outcome: "pain (added by user)".into(),
            included: e.is_some(),
            reason: if e.is_some() {
                "added by user: complete arm data".into()
            } else {
                "added by user: a mean, SD (> 0) or arm size (>= 2) is missing".into()
            },
            smd: e,
            n: e.map(|_| a.arm1.2 + a.arm2.2),
            scores: Some(a.scores),
            source: "added by user".into(),
        });
    }
    // Never mix change and final scores: keep the kind most included trials report.
    let count = |k: &str| out.iter().filter(|d| d.included && d.scores == Some(k)).count();
    let keep = if count("final") > count("change") {
        "final"
    } else {
        "change"
    };
    for d in out.iter_mut().filter(|d| d.included && d.scores != Some(keep)) {
        d.included = false;
        d.reason = format!(
            "{} scores are not mixed with the {keep} scores pooled here",
            d.scores.unwrap_or("other")
        );
    }
    out
}

/// Pools the included trials (REML, z test, 95%); None with fewer than 2.
pub fn pool(decisions: &[Decision]) -> Option<Pooled> {
    let inc: Vec<&Decision> = decisions.iter().filter(|d| d.included).collect();
    if inc.len() < 2 {
        return None;
    }
    let yi: Vec<f64> = inc.iter().filter_map(|d| d.smd.map(|e| e.0)).collect();
    let vi: Vec<f64> = inc.iter().filter_map(|d| d.smd.map(|e| e.1)).collect();
    let f = fit(&yi, &vi, Design::intercept(yi.len()), &FitOptions::default()).ok()?;
    Some(Pooled {
        k: yi.len(),
        n: inc.iter().filter_map(|d| d.n).sum(),
        estimate: f.b[0],
        ci_low: f.ci_lb[0],
        ci_high: f.ci_ub[0],
        tau2: f.tau2,
        i2: f.i2,
        scores: inc[0].scores.unwrap_or("change"),
    })
}
