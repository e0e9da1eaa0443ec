//! The GRADE assistant: for each domain a suggested judgement with its
//! reason, computed from a pooled result and the trials' weights and risk
//! of bias; a reviewer confirms each or overrides it with a reason; the
//! certainty of evidence from randomised trials starts high and goes down
//! one level per serious concern (two per very serious), to very low.
//!
//! The rules (each tested case by case with its reason string):
//! - Risk of bias: the share of the weight from trials at high risk over
//!   50 % is very serious; over 25 %, or high plus some concerns over 50 %,
//!   is serious. A trial without an assessment counts as some concerns.
//! - Inconsistency: with one trial it cannot be judged; I² ≥ 75 % with a
//!   prediction interval beyond the MID on both sides is very serious;
//!   I² ≥ 50 %, or a prediction interval that crosses the null where the
//!   confidence interval does not, is serious.
//! - Imprecision (minimally contextualised, thresholds −MID, 0, +MID): a
//!   confidence interval spanning important effects in both directions is
//!   very serious; one spanning an important and a trivial effect (it
//!   crosses −MID or +MID) is serious, as is a total size below the optimal
//!   information size (continuous outcomes: 4 (z₀.₉₇₅ + z₀.₈)² / d², d the
//!   MID in standard deviations; α = 0.05, power 80 %).
//! - Publication bias: funnel-plot tests only when k ≥ 10 (Cochrane
//!   Handbook 13.3.5.4); Egger's p < 0.10 is serious.
//! - Indirectness: the reviewer's own judgement of the PICO; the assistant
//!   suggests "not serious" and says so.

use serde::{Deserialize, Serialize};

use crate::rob::Level;

/// qnorm(0.975) and qnorm(0.8) as R prints them with 16 digits.
const Z_975: f64 = 1.959963984540054;
const Z_80: f64 = 0.8416212335729143;

/// How serious a domain's concern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    /// No downgrade.
    NotSerious,
    /// Down one level.
    Serious,
    /// Down two levels.
    VerySerious,
}

impl Concern {
    /// Levels down.
    pub fn levels(self) -> u8 {
        match self {
            Concern::NotSerious => 0,
            Concern::Serious => 1,
            Concern::VerySerious => 2,
        }
    }
}

/// The five GRADE domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Risk of bias.
    RiskOfBias,
    /// Inconsistency.
    Inconsistency,
    /// Imprecision.
    Imprecision,
    /// Indirectness.
    Indirectness,
    /// Publication bias.
    PublicationBias,
}

/// The certainty of the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Very low.
    VeryLow,
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

impl Certainty {
    /// Randomised trials start high; each level down, to very low.
    pub fn from_rcts(levels_down: u8) -> Certainty {
        match levels_down {
            0 => Certainty::High,
            1 => Certainty::Moderate,
            2 => Certainty::Low,
            _ => Certainty::VeryLow,
        }
    }

    /// The words GRADE uses.
    pub fn words(self) -> &'static str {
        match self {
            Certainty::High => "high",
            Certainty::Moderate => "moderate",
            Certainty::Low => "low",
            Certainty::VeryLow => "very low",
        }
    }
}

/// A trial's part in the pooled result.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialWeight {
    /// The trial's weight in the model (any scale; shares are computed).
    pub weight: f64,
    /// Its overall risk of bias 2 judgement, if assessed.
    pub rob: Option<Level>,
}

/// The pooled result the suggestions read, on the analysis scale (log
/// scale for ratio measures), with the null at 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// Number of trials.
    pub k: usize,
    /// Confidence interval.
    pub ci: (f64, f64),
    /// Prediction interval (random-effects models with k ≥ 2).
    pub pi: Option<(f64, f64)>,
    /// I² in percent.
    pub i2: f64,
    /// Participants in all trials.
    pub n_total: Option<f64>,
    /// Egger's regression test p-value, where computed.
    pub egger_p: Option<f64>,
}

/// What the reviewer sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The minimal important difference on the analysis scale (> 0).
    pub mid: f64,
    /// The MID in standard deviations, for the optimal information size of
    /// a continuous outcome (the MID itself for SMD; MID / SD for MD);
    /// `None` where it does not apply (ratio measures need a control risk).
    pub mid_in_sd: Option<f64>,
}

/// A computed suggestion for one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The domain.
    pub domain: Domain,
    /// The suggested judgement.
    pub concern: Concern,
    /// Why, in words.
    pub reason: String,
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

/// Risk of bias from the weight shares.
pub fn risk_of_bias(trials: &[TrialWeight]) -> Suggestion {
    let total: f64 = trials.iter().map(|t| t.weight).sum();
    let share = |f: &dyn Fn(&TrialWeight) -> bool| {
        if total > 0.0 {
            // `+ 0.0`: an empty f64 sum is −0.0, which would print "-0 %".
            (trials.iter().filter(|t| f(t)).map(|t| t.weight).sum::<f64>() + 0.0) / total
        } else {
            0.0
        }
    };
    let high = share(&|t| t.rob == Some(Level::High));
    let concerns = share(&|t| t.rob != Some(Level::Low));
    let unassessed = trials.iter().filter(|t| t.rob.is_none()).count();
    let mut reason = format!(
        "{} of the weight from trials at high risk of bias, {} at high risk or with some concerns",
        pct(high),
        pct(concerns)
    );
    if unassessed > 0 {
        reason.push_str(&format!(
            " ({unassessed} trial{} not assessed, counted as some concerns)",
            if unassessed == 1 { "" } else { "s" }
        ));
    }
    let concern = if high > 0.5 {
        Concern::VerySerious
    } else if high > 0.25 || concerns > 0.5 {
        Concern::Serious
    } else {
        Concern::NotSerious
    };
    Suggestion {
        domain: Domain::RiskOfBias,
        concern,
        reason,
    }
}

fn crosses(lo: f64, hi: f64, x: f64) -> bool {
    lo < x && x < hi
}

/// Inconsistency from I² and the prediction interval.
pub fn inconsistency(p: &Pooled, s: &Settings) -> Suggestion {
    let d = Domain::Inconsistency;
    if p.k < 2 {
        return Suggestion {
            domain: d,
            concern: Concern::NotSerious,
            reason: "one trial: inconsistency cannot be judged".into(),
        };
    }
    let i2 = format!("I² = {:.0} %", p.i2);
    let (concern, reason) = match p.pi {
        Some((lo, hi)) if p.i2 >= 75.0 && lo < -s.mid && hi > s.mid => (
            Concern::VerySerious,
            format!("{i2} and the prediction interval ({lo:.2} to {hi:.2}) reaches important effects in both directions"),
        ),
        Some((lo, hi)) if crosses(lo, hi, 0.0) && !crosses(p.ci.0, p.ci.1, 0.0) => (
            Concern::Serious,
            format!("{i2}; the prediction interval ({lo:.2} to {hi:.2}) crosses no effect although the confidence interval does not"),
        ),
        _ if p.i2 >= 50.0 => (Concern::Serious, format!("{i2}: substantial heterogeneity")),
        Some((lo, hi)) => (Concern::NotSerious, format!("{i2}; the prediction interval ({lo:.2} to {hi:.2}) agrees with the confidence interval about no effect")),
        None => (Concern::NotSerious, i2),
    };
    Suggestion {
        domain: d,
        concern,
        reason,
    }
}

/// The optimal information size of a continuous outcome (participants in
/// all, two equal arms): 4 (z₀.₉₇₅ + z₀.₈)² / d².
pub fn optimal_information_size(mid_in_sd: f64) -> f64 {
    4.0 * (Z_975 + Z_80).powi(2) / (mid_in_sd * mid_in_sd)
}

/// Imprecision from the confidence interval against −MID, 0, +MID and the
/// optimal information size.
pub fn imprecision(p: &Pooled, s: &Settings) -> Suggestion {
    let (lo, hi) = p.ci;
    let m = s.mid;
    let ci = format!("the confidence interval ({lo:.2} to {hi:.2})");
    let (mut concern, mut reason) = if lo < -m && hi > m {
        (
            Concern::VerySerious,
            format!("{ci} includes important effects in both directions (MID {m})"),
        )
    } else if crosses(lo, hi, -m) || crosses(lo, hi, m) {
        (
            Concern::Serious,
            format!("{ci} includes both an important and a trivial effect (MID {m})"),
        )
    } else {
        (Concern::NotSerious, format!("{ci} lies on one side of the MID ({m})"))
    };
    match (s.mid_in_sd, p.n_total) {
        (Some(d), Some(n)) => {
            let ois = optimal_information_size(d);
            if n < ois {
                if concern == Concern::NotSerious {
                    concern = Concern::Serious;
                }
                reason.push_str(&format!(
                    "; {n:.0} participants, fewer than the optimal information size of {:.0}",
                    ois.ceil()
                ));
            } else {
                reason.push_str(&format!(
                    "; {n:.0} participants reach the optimal information size of {:.0}",
                    ois.ceil()
                ));
            }
        }
        (None, _) => reason.push_str("; no optimal information size (it needs a continuous outcome's MID in SD units)"),
        (Some(_), None) => reason.push_str("; the number of participants is not known"),
    }
    Suggestion {
        domain: Domain::Imprecision,
        concern,
        reason,
    }
}

/// Publication bias: Egger's test when k ≥ 10.
pub fn publication_bias(p: &Pooled) -> Suggestion {
    let d = Domain::PublicationBias;
    match p.egger_p {
        _ if p.k < 10 => Suggestion {
            domain: d,
            concern: Concern::NotSerious,
            reason: format!(
                "k = {}: funnel-plot tests need at least 10 trials; judge from the search and the trials' funding",
                p.k
            ),
        },
        Some(pv) if pv < 0.10 => Suggestion {
            domain: d,
            concern: Concern::Serious,
            reason: format!("Egger's test p = {pv:.3} < 0.10: small-study effects"),
        },
        Some(pv) => Suggestion {
            domain: d,
            concern: Concern::NotSerious,
            reason: format!("Egger's test p = {pv:.3} ≥ 0.10"),
        },
        None => Suggestion {
            domain: d,
            concern: Concern::NotSerious,
            reason: "Egger's test was not computed".into(),
        },
    }
}

/// Indirectness: the reviewer's judgement.
pub fn indirectness() -> Suggestion {
    Suggestion {
        domain: Domain::Indirectness,
        concern: Concern::NotSerious,
        reason: "not computed: compare the trials' population, intervention, comparator and outcome with the question"
            .into(),
    }
}

/// All five suggestions, in GRADE's order.
pub fn suggest(trials: &[TrialWeight], p: &Pooled, s: &Settings) -> Vec<Suggestion> {
    vec![
        risk_of_bias(trials),
        inconsistency(p, s),
        indirectness(),
        imprecision(p, s),
        publication_bias(p),
    ]
}

/// A reviewer's decision on one domain: the suggestion confirmed, or
/// another judgement with a reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// What the assistant suggested.
    pub suggestion: Suggestion,
    /// The judgement in force.
    pub concern: Concern,
    /// The reviewer's reason when it differs from the suggestion.
    pub override_reason: Option<String>,
}

impl Decision {
    /// The suggestion as it stands.
    pub fn confirm(suggestion: Suggestion) -> Decision {
        Decision {
            concern: suggestion.concern,
            suggestion,
            override_reason: None,
        }
    }

    /// Another judgement; refused without a reason.
    pub fn overrule(suggestion: Suggestion, concern: Concern, reason: &str) -> Result<Decision, String> {
        if reason.trim().is_empty() {
            return Err("an override needs a reason: say why you judge this domain differently".into());
        }
        Ok(Decision {
            suggestion,
            concern,
            override_reason: Some(reason.trim().to_string()),
        })
    }
}

/// The certainty the decisions lead to (randomised trials).
pub fn certainty(decisions: &[Decision]) -> Certainty {
    Certainty::from_rcts(decisions.iter().map(|d| d.concern.levels()).sum())
}
