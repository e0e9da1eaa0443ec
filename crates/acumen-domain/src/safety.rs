//! Point-of-care safety rules: a patient's safety profile and a planned
//! session in, findings out. Each finding names its rule, says why in plain
//! words and cites its source. Pure: the caller loads the profile and writes.

use serde::Serialize;

use acumen_knowledge::{point, Limb, Point};

use crate::plan::{Plan, Side, Site};
use crate::profile::{Pregnancy, SafetyProfile};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The session may not be recorded without a practitioner's override with a reason.
    HardStop,
    /// The session may be recorded only with a written rationale.
    NeedsRationale,
    /// Shown and stored with the session.
    Warning,
    /// Evidence the practitioner should know.
    Info,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Rule id (`PTX_DEPTH`, ...).
    pub rule_id: &'static str,
    /// Why, in plain words.
    pub reason: String,
    /// Where the rule comes from.
    pub source: &'static str,
    /// The points concerned (empty for patient-level rules).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
}

const SRC_PREG: &str = "Betts & Budd, Acupunct Med 2011;29:137 (http://aim.bmj.com/content/29/2/137); \
Carr, Acupunct Med 2015, 15 trials and a cohort of 5,885: no objective evidence of harm \
(https://pmc.ncbi.nlm.nih.gov/articles/PMC4680134)";
const SRC_BLEED: &str = "Medscape, acupuncture safety: exclude severe bleeding disorders \
(https://www.medscape.com/viewarticle/501973_6); Cybularz et al., Med Acupunct 2015, no bleeding with \
platelets < 100,000/µL under shallow needling (https://pmc.ncbi.nlm.nih.gov/articles/PMC4491150)";
const SRC_DEVICE: &str = "Medscape, acupuncture safety: no electroacupuncture near implanted electrical \
devices such as pacemakers (https://www.medscape.com/viewarticle/501973_6)";
const SRC_CHEMO: &str = "eCAM 2013, precautions for acupuncture in cancer care: avoid needling with \
neutrophils < 500/mm³; recent blood counts in active chemotherapy \
(https://www.hindawi.com/journals/ecam/2013/437948/tab3/)";
const SRC_SKIN: &str = "Xu et al., eCAM 2013: infection is the leading complication in case reports \
(https://pmc.ncbi.nlm.nih.gov/articles/PMC3616356); do not needle ulcerated skin \
(https://www.hindawi.com/journals/ecam/2013/437948/tab3/)";
const SRC_LYMPH: &str = "White et al., BMJ 2001;323:485, cellulitis after needling an oedematous leg \
(https://pmc.ncbi.nlm.nih.gov/articles/PMC48133); oncology practice: avoid the affected limb";
const SRC_PTX: &str = "Pneumothorax is the commonest serious adverse event: Bull WHO 2010 \
(https://pmc.ncbi.nlm.nih.gov/articles/PMC2995190); German acupuncture programme, 5 pneumothoraces \
(https://www.zora.uzh.ch/id/eprint/13864/)";
const SRC_EA_CHEMO: &str = "Greenlee et al., Breast Cancer Res Treat 2016 \
(https://pmc.ncbi.nlm.nih.gov/articles/PMC4924571)";

/// Every rule id, in the order findings are reported within a severity.
pub const RULES: [&str; 13] = [
    "BLEED_SEVERE",
    "DEVICE_EA",
    "ANC_LOW",
    "SKIN_BREACH",
    "FOOT_NO_SKIN_CHECK",
    "HAND_NO_SKIN_CHECK",
    "PTX_DEPTH",
    "PREG_POINT",
    "ANTICOAG",
    "PLT_LOW",
    "COUNTS_STALE",
    "LYMPH_LIMB",
    "EA_CHEMO_PREV",
];

/// Condition codes that make feet and hands count as insensate.
pub const INSENSATE_CONDITIONS: [&str; 2] = ["diabetic_polyneuropathy", "chemotherapy_induced"];

/// Platelets below this (x10^9/L) draw a warning.
pub const PLATELETS_LOW: f64 = 50.0;
/// Neutrophils below this (x10^9/L) during chemotherapy stop needling.
pub const NEUTROPHILS_LOW: f64 = 0.5;
/// Blood counts older than this many days are stale during chemotherapy.
pub const COUNTS_MAX_AGE_DAYS: i64 = 14;

struct Planned<'a> {
    info: &'static Point,
    side: Side,
    depth: bool,
    angle: bool,
    code: &'a str,
}

fn sites(p: &Planned) -> Vec<Site> {
    let foot = p.info.has(acumen_knowledge::Flag::Foot);
    let hand = p.info.has(acumen_knowledge::Flag::Hand);
    let (l, r) = match (foot, hand) {
        (true, _) => (Site::LeftFoot, Site::RightFoot),
        (_, true) => (Site::LeftHand, Site::RightHand),
        _ => return vec![],
    };
    match p.side {
        Side::Left => vec![l],
        Side::Right => vec![r],
        Side::Both => vec![l, r],
    }
}

fn names(ps: &[&Planned]) -> Vec<String> {
    let mut v: Vec<String> = ps.iter().map(|p| p.code.to_string()).collect();
    v.dedup();
    v
}

fn join(v: &[String]) -> String {
    v.join(", ")
}

/// Why a foot or hand counts as insensate, or None.
fn insensate(profile: &SafetyProfile, conditions: &[String], site: Site) -> Option<&'static str> {
    if profile.diabetes == Some(true) {
        Some("diabetes")
    } else if conditions.iter().any(|c| c == "diabetic_polyneuropathy") {
        Some("diabetic neuropathy")
    } else if conditions.iter().any(|c| c == "chemotherapy_induced") {
        Some("chemotherapy-induced neuropathy")
    } else if profile
        .reduced_sensation
        .iter()
        .flatten()
        .any(|l| Site::parse_many(l).is_some_and(|s| s.contains(&site)))
    {
        Some("reduced sensation recorded")
    } else {
        None
    }
}

fn days_before(day: time::Date, date: Option<&String>) -> Option<i64> {
    let d = crate::plan::day_of(date?)?;
    Some((day - d).whole_days())
}

/// Runs every rule. `conditions` are the patient's condition codes.
pub fn check(profile: &SafetyProfile, conditions: &[String], plan: &Plan) -> Vec<Finding> {
    let planned: Vec<Planned> = plan
        .points
        .iter()
        .filter_map(|p| {
            Some(Planned {
                info: point(&p.code)?,
                side: p.side,
                depth: p.depth_mm.is_some(),
                angle: p.angle.is_some(),
                code: &p.code,
            })
        })
        .collect();
    let mut out = Vec::new();
    let mut add = |severity, rule_id, reason: String, source, points: Vec<String>| {
        out.push(Finding {
            severity,
            rule_id,
            reason,
            source,
            points,
        })
    };

    // Pregnancy.
    if profile.pregnancy == Some(Pregnancy::Yes) {
        let hits: Vec<&Planned> = planned.iter().filter(|p| p.info.pregnancy_caution).collect();
        if !hits.is_empty() {
            let n = names(&hits);
            let done = if plan.has_rationale {
                " A rationale is recorded."
            } else {
                " Record your rationale (and the patient's consent) to needle them."
            };
            add(
                Severity::NeedsRationale,
                "PREG_POINT",
                format!(
                    "The patient is pregnant and {} {} traditional pregnancy-caution point{}; reviews found no objective evidence of harm, so this needs a rationale rather than a stop.{done}",
                    join(&n),
                    if n.len() == 1 { "is a" } else { "are" },
                    if n.len() == 1 { "" } else { "s" },
                ),
                SRC_PREG,
                n,
            );
        }
    }

    if matches!(profile.pregnancy, None | Some(Pregnancy::Unknown)) {
        let hits: Vec<&Planned> = planned.iter().filter(|p| p.info.pregnancy_caution).collect();
        if !hits.is_empty() {
            let n = names(&hits);
            add(
                Severity::Warning,
                "PREG_POINT",
                format!(
                    "Pregnancy is not recorded and {} {} traditional pregnancy-caution point{}: ask the patient and record it before needling.",
                    join(&n),
                    if n.len() == 1 { "is a" } else { "are" },
                    if n.len() == 1 { "" } else { "s" },
                ),
                SRC_PREG,
                n,
            );
        }
    }

    // Bleeding.
    let needling = !planned.is_empty();
    if profile.anticoagulant.is_none() && needling {
        add(
            Severity::Warning,
            "ANTICOAG",
            "Anticoagulant use is not recorded: ask the patient and record it before needling.".into(),
            SRC_BLEED,
            vec![],
        );
    }
    if profile.bleeding_disorder.is_none() && needling {
        add(
            Severity::Warning,
            "BLEED_SEVERE",
            "Bleeding disorders are not recorded: ask the patient and record it before needling (a severe one, such as haemophilia, needs physician clearance).".into(),
            SRC_BLEED,
            vec![],
        );
    }
    if profile.anticoagulant == Some(true) {
        add(
            Severity::Warning,
            "ANTICOAG",
            "The patient takes an anticoagulant: needle shallowly, use fewer needles and press each site for a minute after withdrawal; record the INR if known.".into(),
            SRC_BLEED,
            vec![],
        );
    }
    let platelets = [
        profile.platelets,
        profile.chemotherapy.as_ref().and_then(|c| c.platelets),
    ]
    .into_iter()
    .flatten()
    .reduce(f64::min);
    if let Some(p) = platelets.filter(|p| *p < PLATELETS_LOW) {
        add(
            Severity::Warning,
            "PLT_LOW",
            format!("Platelets {p} ×10⁹/L (below {PLATELETS_LOW}): bleeding risk; needle shallowly, use fewer needles and press after withdrawal."),
            SRC_BLEED,
            vec![],
        );
    }
    if profile
        .bleeding_disorder
        .as_ref()
        .is_some_and(|b| b.severe && !b.clearance_documented)
    {
        add(
            Severity::HardStop,
            "BLEED_SEVERE",
            "Severe bleeding disorder (such as haemophilia) without documented physician clearance: do not needle until clearance is recorded.".into(),
            SRC_BLEED,
            vec![],
        );
    }

    // Implanted device.
    if profile.implanted_device.is_none() && plan.electrical {
        add(
            Severity::Warning,
            "DEVICE_EA",
            "Implanted electrical devices (such as a pacemaker) are not recorded: ask the patient and record it before using electrical stimulation.".into(),
            SRC_DEVICE,
            vec![],
        );
    }
    if profile.implanted_device == Some(true) && plan.electrical {
        add(
            Severity::HardStop,
            "DEVICE_EA",
            "The patient has an implanted electrical device (such as a pacemaker): electrical stimulation must not be used; needle manually instead.".into(),
            SRC_DEVICE,
            vec![],
        );
    }

    // Chemotherapy.
    if profile.chemotherapy.is_none() && needling {
        add(
            Severity::Warning,
            "ANC_LOW",
            "Chemotherapy is not recorded: ask the patient and record it (with the latest neutrophil and platelet counts) before needling.".into(),
            SRC_CHEMO,
            vec![],
        );
    }
    if let Some(ch) = profile.chemotherapy.as_ref().filter(|c| c.active) {
        if let Some(n) = ch.neutrophils.filter(|n| *n < NEUTROPHILS_LOW) {
            add(
                Severity::HardStop,
                "ANC_LOW",
                format!("Neutrophils {n} ×10⁹/L (below {NEUTROPHILS_LOW}) during chemotherapy: infection risk; do not needle."),
                SRC_CHEMO,
                vec![],
            );
        }
        let recent = |v: Option<f64>, d: Option<&String>| {
            v.is_some() && days_before(plan.day, d).is_some_and(|a| (0..=COUNTS_MAX_AGE_DAYS).contains(&a))
        };
        if !recent(ch.neutrophils, ch.neutrophils_date.as_ref()) && !recent(ch.platelets, ch.platelets_date.as_ref()) {
            add(
                Severity::Warning,
                "COUNTS_STALE",
                format!("Active chemotherapy and no neutrophil or platelet count in the {COUNTS_MAX_AGE_DAYS} days before this session: obtain recent blood counts."),
                SRC_CHEMO,
                vec![],
            );
        }
    }

    // Skin: broken skin anywhere a point goes, then insensate limbs without a check.
    let broken: Vec<&Planned> = planned
        .iter()
        .filter(|p| sites(p).iter().any(|s| plan.skin.broken.contains(s)))
        .collect();
    if !broken.is_empty() {
        let where_: Vec<&str> = plan.skin.broken.iter().map(|s| s.words()).collect();
        let n = names(&broken);
        add(
            Severity::HardStop,
            "SKIN_BREACH",
            format!(
                "The skin check recorded an ulcer or fissure ({}): do not needle {} there.",
                where_.join(", "),
                join(&n)
            ),
            SRC_SKIN,
            n,
        );
    }
    for (flag, rule, word) in [
        (acumen_knowledge::Flag::Foot, "FOOT_NO_SKIN_CHECK", "foot"),
        (acumen_knowledge::Flag::Hand, "HAND_NO_SKIN_CHECK", "hand"),
    ] {
        let mut why = None;
        let hits: Vec<&Planned> = planned
            .iter()
            .filter(|p| {
                p.info.has(flag)
                    && sites(p).into_iter().any(|s| {
                        let reason = insensate(profile, conditions, s).filter(|_| !plan.skin.checked.contains(&s));
                        why = why.or(reason);
                        reason.is_some()
                    })
            })
            .collect();
        if let Some(why) = why {
            let n = names(&hits);
            add(
                Severity::HardStop,
                rule,
                format!(
                    "{} on an insensate {word} ({why}) and no skin check of that {word} at this visit: inspect for ulcers, fissures and oedema first.",
                    join(&n)
                ),
                SRC_SKIN,
                n,
            );
        } else {
            // Nothing known makes the limb insensate, but diabetes or
            // reduced sensation is not recorded: ask, or check the skin.
            let unknown: Vec<&str> = [
                (profile.diabetes.is_none(), "diabetes"),
                (profile.reduced_sensation.is_none(), "reduced sensation"),
            ]
            .into_iter()
            .filter_map(|(m, w)| m.then_some(w))
            .collect();
            let hits: Vec<&Planned> = planned
                .iter()
                .filter(|p| p.info.has(flag) && sites(p).into_iter().any(|s| !plan.skin.checked.contains(&s)))
                .collect();
            if !unknown.is_empty() && !hits.is_empty() {
                let n = names(&hits);
                add(
                    Severity::Warning,
                    rule,
                    format!(
                        "{} on the {word} and {} not recorded: ask the patient and record it, or check the skin of that {word}, before needling.",
                        join(&n),
                        if unknown.len() == 1 {
                            format!("{} is", unknown[0])
                        } else {
                            format!("{} are", unknown.join(" and "))
                        }
                    ),
                    SRC_SKIN,
                    n,
                );
            }
        }
    }

    // Lymphoedema.
    if profile.lymphoedema.is_none() {
        let on_limb: Vec<&Planned> = planned.iter().filter(|p| p.info.limb.is_some()).collect();
        if !on_limb.is_empty() {
            let n = names(&on_limb);
            add(
                Severity::Warning,
                "LYMPH_LIMB",
                format!(
                    "{} on a limb and lymphoedema is not recorded: ask the patient and record it before needling.",
                    join(&n)
                ),
                SRC_LYMPH,
                n,
            );
        }
    }
    let lymphoedema = profile.lymphoedema.as_deref().unwrap_or(&[]);
    let lymph: Vec<&Planned> = planned
        .iter()
        .filter(|p| {
            let Some(limb) = p.info.limb else { return false };
            let limb = if limb == Limb::Arm { "arm" } else { "leg" };
            lymphoedema.iter().any(|l| {
                let (side, l_limb) = l.split_once('_').unwrap_or(("", l));
                l_limb == limb
                    && match p.side {
                        Side::Left => side == "left",
                        Side::Right => side == "right",
                        Side::Both => true,
                    }
            })
        })
        .collect();
    if !lymph.is_empty() {
        let n = names(&lymph);
        add(
            Severity::Warning,
            "LYMPH_LIMB",
            format!(
                "{} on a limb with lymphoedema ({}): cellulitis risk; avoid the affected limb.",
                join(&n),
                lymphoedema.join(", ").replace('_', " ")
            ),
            SRC_LYMPH,
            n,
        );
    }

    // Pneumothorax.
    let ptx: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.info.pneumothorax_risk && !(p.depth && p.angle))
        .collect();
    if !ptx.is_empty() {
        let n = names(&ptx);
        add(
            Severity::HardStop,
            "PTX_DEPTH",
            format!(
                "{} lie{} over the lung: record the needle depth and angle for each (the record is incomplete without them).",
                join(&n),
                if n.len() == 1 { "s" } else { "" }
            ),
            SRC_PTX,
            n,
        );
    }

    // Electroacupuncture to prevent neuropathy during chemotherapy: only for
    // a prevention course of a patient in active, neurotoxic chemotherapy
    // (the rule table in docs/safety_rules.md).
    let neurotoxic_now = profile.chemotherapy.as_ref().is_some_and(|c| c.active && c.neurotoxic);
    if plan.electrical && plan.prevention && neurotoxic_now {
        add(
            Severity::Info,
            "EA_CHEMO_PREV",
            "Electroacupuncture to prevent neuropathy during neurotoxic chemotherapy: in a sham-controlled trial during taxane treatment, the electroacupuncture group had worse worst-pain at week 16 (+1.62 points on 0-10, p = 0.04).".into(),
            SRC_EA_CHEMO,
            vec![],
        );
    }

    out.sort_by_key(|f| (f.severity, RULES.iter().position(|r| *r == f.rule_id)));
    out
}
