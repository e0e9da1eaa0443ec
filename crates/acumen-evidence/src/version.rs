//! A project's content and its frozen versions: a version is identified by
//! the SHA-256 of its canonical JSON (RFC 8785, through `canon-json`), so
//! the same content gives the same hash whatever the key order, whitespace
//! or number spelling it was written with; and the changelog of the trials
//! between two versions.

use std::collections::BTreeMap;

use canon_json::CanonJsonSerialize;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The question, as PICO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pico {
    /// Population.
    pub population: String,
    /// Intervention.
    pub intervention: String,
    /// Comparator.
    pub comparator: String,
    /// Outcome.
    pub outcome: String,
}

/// What a trial compared acupuncture with (the sensitivity reruns group
/// trials by it; the bundled project never pools across it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// Sham or placebo acupuncture, or a placebo.
    Sham,
    /// Usual care, with acupuncture added on top.
    UsualCare,
    /// A waiting list (no treatment meanwhile).
    Waitlist,
    /// A drug.
    Drug,
    /// Anything else (another active treatment).
    Other,
}

impl Comparator {
    /// Every comparator, in the order pages list them.
    pub const ALL: [Comparator; 5] = [
        Comparator::Sham,
        Comparator::UsualCare,
        Comparator::Waitlist,
        Comparator::Drug,
        Comparator::Other,
    ];

    /// Its name in words.
    pub fn words(self) -> &'static str {
        match self {
            Comparator::Sham => "sham or placebo",
            Comparator::UsualCare => "usual care",
            Comparator::Waitlist => "waiting list",
            Comparator::Drug => "a drug",
            Comparator::Other => "another treatment",
        }
    }

    /// Its name in JSON and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Comparator::Sham => "sham",
            Comparator::UsualCare => "usual_care",
            Comparator::Waitlist => "waitlist",
            Comparator::Drug => "drug",
            Comparator::Other => "other",
        }
    }

    /// The comparator of a key, if it is one.
    pub fn from_key(key: &str) -> Option<Comparator> {
        Comparator::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// One trial: its id within the project, its citation and its row in any
/// of the engine's input shapes (column → cell text, as in a CSV), with
/// its comparator and risk-of-bias 2 assessment where known (left out of
/// the canonical JSON when absent, so a version's hash does not change by
/// the fields growing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trial {
    /// Stable id within the project (e.g. "lu2020").
    pub id: String,
    /// Where the numbers come from.
    pub citation: String,
    /// The engine's columns and their cells.
    pub row: BTreeMap<String, String>,
    /// The condition its participants had (trials of different conditions
    /// are pooled only where the project's question says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// What acupuncture was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<Comparator>,
    /// Risk of bias 2 for the project's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rob: Option<crate::rob::Assessment>,
}

/// A reviewer's GRADE judgement of one domain, as a version keeps it: the
/// concern in force and, where it differs from the assistant's suggestion,
/// why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// The domain.
    pub domain: crate::grade::Domain,
    /// The concern the reviewer settled on.
    pub concern: crate::grade::Concern,
    /// The reviewer's reason (required where it overrides the suggestion).
    #[serde(default)]
    pub reason: String,
}

/// What a version freezes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// The question.
    pub question: Pico,
    /// The trials.
    pub trials: Vec<Trial>,
    /// The analysis options (the engine's `Request` as JSON).
    pub options: serde_json::Value,
    /// The minimal important difference on the analysis scale (default:
    /// SMD 0.5, 1 point for an MD, RR 1.25 as ln 1.25 for ratios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<f64>,
    /// The reviewer's GRADE judgements (a domain without one stands at the
    /// assistant's suggestion, unconfirmed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grade: Vec<Judgement>,
}

/// The canonical JSON (RFC 8785) of any value.
pub fn canonical_json(value: &impl Serialize) -> String {
    // Serializing plain data to a string cannot fail: no maps with
    // non-string keys and no non-finite numbers reach it (serde_json
    // writes those as null before canon-json sees them).
    value.to_canon_json_string().expect("plain data serializes")
}

/// The version hash: SHA-256 of the canonical JSON, in hex.
pub fn version_hash(content: &Content) -> String {
    hex::encode(Sha256::digest(canonical_json(content).as_bytes()))
}

/// How a trial changed between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TrialChange {
    /// In the new version only.
    Added {
        /// The trial's id.
        id: String,
    },
    /// In the old version only.
    Removed {
        /// The trial's id.
        id: String,
    },
    /// In both, with different cells or citation.
    Edited {
        /// The trial's id.
        id: String,
        /// Each changed field: (name, old, new); a cell absent on one side is "".
        fields: Vec<(String, String, String)>,
    },
}

/// The trials added, removed and edited from `old` to `new`, in id order.
pub fn trial_changes(old: &Content, new: &Content) -> Vec<TrialChange> {
    let by_id = |c: &Content| {
        c.trials
            .iter()
            .map(|t| (t.id.clone(), t.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (by_id(old), by_id(new));
    let mut out = Vec::new();
    let ids: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for id in ids {
        match (a.get(id), b.get(id)) {
            (None, Some(_)) => out.push(TrialChange::Added { id: id.clone() }),
            (Some(_), None) => out.push(TrialChange::Removed { id: id.clone() }),
            (Some(x), Some(y)) if x != y => {
                let mut fields = Vec::new();
                if x.citation != y.citation {
                    fields.push(("citation".into(), x.citation.clone(), y.citation.clone()));
                }
                let word = |c: Option<Comparator>| c.map(|c| c.key().to_string()).unwrap_or_default();
                if x.condition != y.condition {
                    let c = |t: &Trial| t.condition.clone().unwrap_or_default();
                    fields.push(("condition".into(), c(x), c(y)));
                }
                if x.comparator != y.comparator {
                    fields.push(("comparator".into(), word(x.comparator), word(y.comparator)));
                }
                let rob = |t: &Trial| {
                    t.rob
                        .as_ref()
                        .map_or("not assessed".to_string(), |r| r.overall.words().to_string())
                };
                if x.rob != y.rob {
                    fields.push(("risk of bias".into(), rob(x), rob(y)));
                }
                let cols: std::collections::BTreeSet<&String> = x.row.keys().chain(y.row.keys()).collect();
                for c in cols {
                    let (u, v) = (
                        x.row.get(c).cloned().unwrap_or_default(),
                        y.row.get(c).cloned().unwrap_or_default(),
                    );
                    if u != v {
                        fields.push((c.clone(), u, v));
                    }
                }
                out.push(TrialChange::Edited { id: id.clone(), fields });
            }
            _ => {}
        }
    }
    out
}
