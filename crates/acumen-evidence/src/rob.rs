//! Risk of bias 2 (Sterne et al., BMJ 2019;366:l4898): five domains per
//! trial and outcome, each judged low / some concerns / high with a support
//! text, and the overall judgement.

use serde::{Deserialize, Serialize};

/// A judgement of one domain, or of the whole trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
}

impl Level {
    /// The words RoB 2 uses.
    pub fn words(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::SomeConcerns => "some concerns",
            Level::High => "high",
        }
    }
}

/// The five domains, in RoB 2's order.
pub const DOMAINS: [&str; 5] = [
    "bias arising from the randomisation process",
    "bias due to deviations from intended interventions",
    "bias due to missing outcome data",
    "bias in measurement of the outcome",
    "bias in selection of the reported result",
];

/// One domain's judgement with the reviewer's support text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The judgement.
    pub level: Level,
    /// Why (quotes from the paper, the reviewer's reasoning).
    pub support: String,
}

/// A trial's assessment for one outcome: the five domains and the overall
/// judgement the reviewer settles on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// The domains, in [`DOMAINS`] order.
    pub domains: [Domain; 5],
    /// The overall judgement as the reviewer set it.
    pub overall: Level,
    /// Why, where it differs from the suggestion.
    pub overall_support: String,
}

/// The overall judgement RoB 2's algorithm suggests, with its reason: low
/// when every domain is low; high when any domain is high; some concerns
/// otherwise — where three or more domains raise some concerns the reason
/// says that RoB 2 lets the reviewer judge that high ("some concerns in
/// multiple domains in a way that substantially lowers confidence").
pub fn suggested_overall(domains: &[Domain; 5]) -> (Level, String) {
    let high: Vec<usize> = (0..5).filter(|&i| domains[i].level == Level::High).collect();
    let some: Vec<usize> = (0..5).filter(|&i| domains[i].level == Level::SomeConcerns).collect();
    let names = |ix: &[usize]| ix.iter().map(|&i| format!("D{}", i + 1)).collect::<Vec<_>>().join(", ");
    if !high.is_empty() {
        return (
            Level::High,
            format!("high: at least one domain is at high risk ({})", names(&high)),
        );
    }
    match some.len() {
        0 => (Level::Low, "low: every domain is at low risk".into()),
        1 | 2 => (
            Level::SomeConcerns,
            format!("some concerns: raised in {} and no domain at high risk", names(&some)),
        ),
        _ => (
            Level::SomeConcerns,
            format!(
                "some concerns: raised in {} domains ({}); RoB 2 allows judging this high if together they substantially lower confidence",
                some.len(),
                names(&some)
            ),
        ),
    }
}
