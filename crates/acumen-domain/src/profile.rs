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

/// Reads a yes / no / not recorded item: `true`, `"yes"` or a non-empty
/// list (`"anticoagulant": ["apixaban"]`) is yes; `false`, `"no"` or an
/// empty list is no; absent, `null` or `"not_recorded"` is not recorded.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Loose>::deserialize(d)? {
        None => None,
        Some(Loose::Flag(b)) => Some(b),
        Some(Loose::List(v)) => Some(!v.is_empty()),
        Some(Loose::Word(w)) => match w.as_str() {
            "yes" | "true" => Some(true),
            "no" | "false" | "none" => Some(false),
            "not_recorded" | "unknown" | "" => None,
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "must be true, false or not_recorded, got '{w}'"
                )))
            }
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

impl Chemotherapy {
    /// No chemotherapy.
    pub fn none() -> Chemotherapy {
        Chemotherapy {
            active: false,
            neurotoxic: false,
            neutrophils: None,
            neutrophils_date: None,
            platelets: None,
            platelets_date: None,
        }
    }
}

impl TryFrom<ChemoRepr> for Chemotherapy {
    type Error = String;
    fn try_from(r: ChemoRepr) -> Result<Self, String> {
        Ok(match r {
            ChemoRepr::Flag(active) => Chemotherapy {
                active,
                ..Chemotherapy::none()
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

/// The safety profile checked at the point of care. Every item has three
/// states: yes, no, and not recorded (`None`, written `null` or left out),
/// which a rule that reads the item answers with a finding that asks for
/// it, never by passing silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SafetyProfile {
    /// Pregnancy status (`None`: not recorded).
    #[serde(alias = "pregnant")]
    pub pregnancy: Option<Pregnancy>,
    /// Date the pregnancy status was recorded.
    pub pregnancy_date: Option<String>,
    /// Takes anticoagulants (`None`: not recorded).
    #[serde(default, alias = "anticoagulants", deserialize_with = "flag")]
    pub anticoagulant: Option<bool>,
    /// Bleeding disorder: `severe: false` for none or a mild one (`None`: not recorded).
    pub bleeding_disorder: Option<BleedingDisorder>,
    /// Implanted electrical device (pacemaker, ...) (`None`: not recorded).
    #[serde(default, alias = "pacemaker", deserialize_with = "flag")]
    pub implanted_device: Option<bool>,
    /// Diabetes (`None`: not recorded).
    #[serde(default, deserialize_with = "flag")]
    pub diabetes: Option<bool>,
    /// Where sensation is reduced: feet, hands, left_foot, right_foot,
    /// left_hand, right_hand; `[]` for nowhere (`None`: not recorded).
    #[serde(default)]
    pub reduced_sensation: Option<Vec<String>>,
    /// Latest platelet count outside chemotherapy, x10^9/L.
    pub platelets: Option<f64>,
    /// Its date.
    pub platelets_date: Option<String>,
    /// Chemotherapy: `active: false` for none (`None`: not recorded).
    pub chemotherapy: Option<Chemotherapy>,
    /// Limbs with lymphoedema: left_arm, right_arm, left_leg, right_leg;
    /// `[]` for none (`None`: not recorded).
    #[serde(default)]
    pub lymphoedema: Option<Vec<String>>,
}

/// The items of a profile a clinician records, in the order forms and
/// banners name them: (field, words).
pub const PROFILE_ITEMS: [(&str, &str); 8] = [
    ("pregnancy", "pregnancy"),
    ("anticoagulant", "anticoagulants"),
    ("bleeding_disorder", "bleeding disorder"),
    ("chemotherapy", "chemotherapy"),
    ("implanted_device", "implanted electrical device"),
    ("diabetes", "diabetes"),
    ("reduced_sensation", "reduced sensation"),
    ("lymphoedema", "lymphoedema"),
];

/// Limbs a lymphoedema entry may name.
pub const LIMBS: [&str; 4] = ["left_arm", "right_arm", "left_leg", "right_leg"];
/// Places a reduced-sensation entry may name.
pub const SENSATION_SITES: [&str; 6] = ["feet", "hands", "left_foot", "right_foot", "left_hand", "right_hand"];

impl SafetyProfile {
    /// A profile with every item recorded as no (what a stored profile of
    /// before the three states meant when it left an item out).
    pub fn all_no() -> SafetyProfile {
        SafetyProfile {
            pregnancy: Some(Pregnancy::No),
            anticoagulant: Some(false),
            bleeding_disorder: Some(BleedingDisorder {
                severe: false,
                clearance_documented: false,
            }),
            implanted_device: Some(false),
            diabetes: Some(false),
            reduced_sensation: Some(vec![]),
            chemotherapy: Some(Chemotherapy::none()),
            lymphoedema: Some(vec![]),
            ..SafetyProfile::default()
        }
    }

    /// Sets every item that `given` says was not written (it is asked with
    /// the item's keys, aliases included) to no, leaving items written as
    /// `null` not recorded.
    pub fn fill_absent(&mut self, given: impl Fn(&[&str]) -> bool) {
        let no = SafetyProfile::all_no();
        if !given(&["pregnancy", "pregnant"]) {
            self.pregnancy = self.pregnancy.or(no.pregnancy);
        }
        if !given(&["anticoagulant", "anticoagulants"]) {
            self.anticoagulant = self.anticoagulant.or(no.anticoagulant);
        }
        if !given(&["bleeding_disorder"]) && self.bleeding_disorder.is_none() {
            self.bleeding_disorder = no.bleeding_disorder;
        }
        if !given(&["implanted_device", "pacemaker"]) {
            self.implanted_device = self.implanted_device.or(no.implanted_device);
        }
        if !given(&["diabetes"]) {
            self.diabetes = self.diabetes.or(no.diabetes);
        }
        if !given(&["reduced_sensation"]) && self.reduced_sensation.is_none() {
            self.reduced_sensation = no.reduced_sensation;
        }
        if !given(&["chemotherapy"]) && self.chemotherapy.is_none() {
            self.chemotherapy = no.chemotherapy;
        }
        if !given(&["lymphoedema"]) && self.lymphoedema.is_none() {
            self.lymphoedema = no.lymphoedema;
        }
    }

    /// The items not recorded, in words (pregnancy "unknown" counts as not recorded).
    pub fn not_recorded(&self) -> Vec<&'static str> {
        let missing = [
            matches!(self.pregnancy, None | Some(Pregnancy::Unknown)),
            self.anticoagulant.is_none(),
            self.bleeding_disorder.is_none(),
            self.chemotherapy.is_none(),
            self.implanted_device.is_none(),
            self.diabetes.is_none(),
            self.reduced_sensation.is_none(),
            self.lymphoedema.is_none(),
        ];
        PROFILE_ITEMS
            .iter()
            .zip(missing)
            .filter(|(_, m)| *m)
            .map(|((_, w), _)| *w)
            .collect()
    }

    /// What is recorded as present, in words for a banner.
    pub fn flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.pregnancy == Some(Pregnancy::Yes) {
            v.push(match &self.pregnancy_date {
                Some(d) => format!("pregnant (recorded {d})"),
                None => "pregnant".to_string(),
            });
        }
        for (on, w) in [
            (self.anticoagulant, "takes an anticoagulant"),
            (self.implanted_device, "implanted electrical device"),
            (self.diabetes, "diabetes"),
        ] {
            if on == Some(true) {
                v.push(w.to_string());
            }
        }
        if let Some(b) = &self.bleeding_disorder {
            if b.severe {
                v.push(if b.clearance_documented {
                    "severe bleeding disorder (clearance documented)".to_string()
                } else {
                    "severe bleeding disorder".to_string()
                });
            }
        }
        if self.chemotherapy.as_ref().is_some_and(|c| c.active) {
            v.push("in chemotherapy".into());
        }
        for (list, w) in [
            (&self.reduced_sensation, "reduced sensation"),
            (&self.lymphoedema, "lymphoedema"),
        ] {
            if let Some(a) = list.as_ref().filter(|a| !a.is_empty()) {
                let parts: Vec<String> = a.iter().map(|x| x.replace('_', " ")).collect();
                v.push(format!("{w}: {}", parts.join(", ")));
            }
        }
        v
    }

    /// Checks every rule under `prefix` (`safety`, `profile`). A stored
    /// record (`record`) must also date a pregnancy and every blood count.
    pub fn check(&self, c: &mut Check, prefix: &str, record: bool) {
        if let Some(d) = &self.pregnancy_date {
            c.date(d, &format!("{prefix}.pregnancy_date"));
        }
        if record && self.pregnancy == Some(Pregnancy::Yes) && self.pregnancy_date.is_none() {
            c.fail(format!("{prefix}.pregnancy_date"), "is required when pregnancy is yes");
        }
        for (i, l) in self.reduced_sensation.iter().flatten().enumerate() {
            c.ensure(
                SENSATION_SITES.contains(&l.as_str()),
                &format!("{prefix}.reduced_sensation[{i}]"),
                "must be feet, hands, left_foot, right_foot, left_hand or right_hand",
            );
        }
        for (i, l) in self.lymphoedema.iter().flatten().enumerate() {
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
