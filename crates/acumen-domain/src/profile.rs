//! A patient's safety profile: what the point-of-care rules read. It is
//! stored with the patient and may also be sent with a safety check, so it
//! reads the shapes clients write (`"pregnancy": "yes"` or `"pregnant":
//! true`, `"chemotherapy": true` or an object with counts) and is validated
//! by one function for both.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Check;

/// Pregnancy status (`"yes"`, `"no"`, `"unknown"`; `true`/`false` are read as yes/no).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "Loose")]
pub enum Pregnancy {
    /// Not pregnant.
    No,
    /// Pregnant.
    Yes,
    /// Unknown / not asked.
    Unknown,
}

/// A value written as a boolean, a word or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Flag(bool),
    Word(String),
    List(Vec<serde_json::Value>),
}

impl TryFrom<Loose> for Pregnancy {
    type Error = String;
    fn try_from(r: Loose) -> Result<Self, String> {
        match r {
            Loose::Flag(true) => Ok(Pregnancy::Yes),
            Loose::Flag(false) => Ok(Pregnancy::No),
            Loose::Word(w) => match w.as_str() {
                "yes" => Ok(Pregnancy::Yes),
                "no" => Ok(Pregnancy::No),
                "unknown" => Ok(Pregnancy::Unknown),
                _ => Err(format!("pregnancy must be yes, no or unknown, got '{w}'")),
            },
            Loose::List(_) => Err("pregnancy must be yes, no or unknown".into()),
        }
    }
}

/// Reads a yes/no that may be written `true`, `"yes"`, or as a non-empty
/// list (`"anticoagulant": ["apixaban"]`).
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Loose>::deserialize(d)? {
        None => false,
        Some(Loose::Flag(b)) => b,
        Some(Loose::List(v)) => !v.is_empty(),
        Some(Loose::Word(w)) => match w.as_str() {
            "yes" | "true" => true,
            "no" | "false" | "none" | "" => false,
            _ => return Err(serde::de::Error::custom(format!("must be true or false, got '{w}'"))),
        },
    })
}

fn yes() -> bool {
    true
}

/// Chemotherapy details with the latest blood counts (x10^9/L);
/// `"chemotherapy": true` is read as active chemotherapy without counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ChemoRepr")]
pub struct Chemotherapy {
    /// Whether chemotherapy is ongoing (default true).
    pub active: bool,
    /// Whether the agent is neurotoxic.
    pub neurotoxic: bool,
    /// Latest absolute neutrophil count, x10^9/L.
    pub neutrophils: Option<f64>,
    /// Its date.
    pub neutrophils_date: Option<String>,
    /// Latest platelet count, x10^9/L.
    pub platelets: Option<f64>,
    /// Its date.
    pub platelets_date: Option<String>,
}

#[derive(Deserialize)]
struct ChemoFields {
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    neurotoxic: bool,
    #[serde(alias = "anc")]
    neutrophils: Option<f64>,
    #[serde(alias = "anc_date")]
    neutrophils_date: Option<String>,
    platelets: Option<f64>,
    platelets_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ChemoRepr {
    Flag(bool),
    Fields(ChemoFields),
}

impl TryFrom<ChemoRepr> for Chemotherapy {
    type Error = String;
    fn try_from(r: ChemoRepr) -> Result<Self, String> {
        Ok(match r {
            ChemoRepr::Flag(active) => Chemotherapy {
                active,
                neurotoxic: false,
                neutrophils: None,
                neutrophils_date: None,
                platelets: None,
                platelets_date: None,
            },
            ChemoRepr::Fields(f) => Chemotherapy {
                active: f.active,
                neurotoxic: f.neurotoxic,
                neutrophils: f.neutrophils,
                neutrophils_date: f.neutrophils_date,
                platelets: f.platelets,
                platelets_date: f.platelets_date,
            },
        })
    }
}

/// Bleeding disorder details; `"severe"`/`"mild"` or `true` (severity
/// unknown, read as severe until a clearance is documented) are accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BleedRepr")]
pub struct BleedingDisorder {
    /// Severe (e.g. haemophilia).
    pub severe: bool,
    /// Physician clearance documented.
    pub clearance_documented: bool,
}

#[derive(Deserialize)]
struct BleedFields {
    #[serde(default = "yes")]
    severe: bool,
    #[serde(default, alias = "clearance", alias = "physician_clearance")]
    clearance_documented: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BleedRepr {
    Flag(bool),
    Word(String),
    Fields(BleedFields),
}

impl TryFrom<BleedRepr> for BleedingDisorder {
    type Error = String;
    fn try_from(r: BleedRepr) -> Result<Self, String> {
        let (severe, clearance_documented) = match r {
            BleedRepr::Flag(b) => (b, false),
            BleedRepr::Word(w) => match w.as_str() {
                "severe" => (true, false),
                "mild" | "moderate" | "none" => (false, false),
                _ => {
                    return Err(format!(
                        "bleeding_disorder must be severe, moderate, mild or none, got '{w}'"
                    ))
                }
            },
            BleedRepr::Fields(f) => (f.severe, f.clearance_documented),
        };
        Ok(BleedingDisorder {
            severe,
            clearance_documented,
        })
    }
}

/// The safety profile checked at the point of care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SafetyProfile {
    /// Pregnancy status.
    #[serde(alias = "pregnant")]
    pub pregnancy: Option<Pregnancy>,
    /// Date the pregnancy status was recorded.
    pub pregnancy_date: Option<String>,
    /// Takes anticoagulants.
    #[serde(default, alias = "anticoagulants", deserialize_with = "flag")]
    pub anticoagulant: bool,
    /// Bleeding disorder, if any.
    pub bleeding_disorder: Option<BleedingDisorder>,
    /// Implanted electrical device (pacemaker, ...).
    #[serde(default, alias = "pacemaker", deserialize_with = "flag")]
    pub implanted_device: bool,
    /// Diabetes.
    #[serde(default, deserialize_with = "flag")]
    pub diabetes: bool,
    /// Where sensation is reduced: feet, hands, left_foot, right_foot, left_hand, right_hand.
    #[serde(default)]
    pub reduced_sensation: Vec<String>,
    /// Latest platelet count outside chemotherapy, x10^9/L.
    pub platelets: Option<f64>,
    /// Its date.
    pub platelets_date: Option<String>,
    /// Chemotherapy, if any.
    pub chemotherapy: Option<Chemotherapy>,
    /// Limbs with lymphoedema: left_arm, right_arm, left_leg, right_leg.
    #[serde(default)]
    pub lymphoedema: Vec<String>,
}

/// Limbs a lymphoedema entry may name.
pub const LIMBS: [&str; 4] = ["left_arm", "right_arm", "left_leg", "right_leg"];
/// Places a reduced-sensation entry may name.
pub const SENSATION_SITES: [&str; 6] = ["feet", "hands", "left_foot", "right_foot", "left_hand", "right_hand"];

impl SafetyProfile {
    /// Checks every rule under `prefix` (`safety`, `profile`). A stored
    /// record (`record`) must also date a pregnancy and every blood count.
    pub fn check(&self, c: &mut Check, prefix: &str, record: bool) {
        if let Some(d) = &self.pregnancy_date {
            c.date(d, &format!("{prefix}.pregnancy_date"));
        }
        if record && self.pregnancy == Some(Pregnancy::Yes) && self.pregnancy_date.is_none() {
            c.fail(format!("{prefix}.pregnancy_date"), "is required when pregnancy is yes");
        }
        for (i, l) in self.reduced_sensation.iter().enumerate() {
            c.ensure(
                SENSATION_SITES.contains(&l.as_str()),
                &format!("{prefix}.reduced_sensation[{i}]"),
                "must be feet, hands, left_foot, right_foot, left_hand or right_hand",
            );
        }
        for (i, l) in self.lymphoedema.iter().enumerate() {
            c.ensure(
                LIMBS.contains(&l.as_str()),
                &format!("{prefix}.lymphoedema[{i}]"),
                "must be left_arm, right_arm, left_leg or right_leg",
            );
        }
        let chemo = self.chemotherapy.as_ref();
        for (v, d, name, hi) in [
            (
                self.platelets,
                self.platelets_date.as_ref(),
                "platelets".to_string(),
                2000.0,
            ),
            (
                chemo.and_then(|c| c.neutrophils),
                chemo.and_then(|c| c.neutrophils_date.as_ref()),
                "chemotherapy.neutrophils".into(),
                100.0,
            ),
            (
                chemo.and_then(|c| c.platelets),
                chemo.and_then(|c| c.platelets_date.as_ref()),
                "chemotherapy.platelets".into(),
                2000.0,
            ),
        ] {
            if let Some(d) = d {
                c.date(d, &format!("{prefix}.{name}_date"));
            }
            if let Some(v) = v {
                c.range(v, 0.0, hi, &format!("{prefix}.{name}"));
                if record && d.is_none() {
                    c.fail(format!("{prefix}.{name}_date"), "is required with the count");
                }
            }
        }
    }
}
