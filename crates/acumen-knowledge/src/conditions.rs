//! The bundled list of neuropathic-pain conditions with their ICD-10-CM
//! (United States) and WHO ICD-10 codes. A trailing `-` means "any
//! completing character" as in the ICD-10-CM index.

/// A neuropathic-pain condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    /// Stable code used in the API.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// ICD-10-CM codes.
    pub icd10cm: &'static [&'static str],
    /// WHO ICD-10 codes (empty where WHO ICD-10 has no specific code).
    pub icd10_who: &'static [&'static str],
    /// Body regions usually affected.
    pub regions: &'static [&'static str],
}

/// Body regions a condition can affect.
pub const REGIONS: [&str; 8] = ["feet", "hands", "legs", "arms", "face", "trunk", "back", "neck"];

/// Every condition.
pub const CONDITIONS: [Condition; 10] = [
    Condition {
        code: "diabetic_polyneuropathy",
        name: "Diabetic polyneuropathy",
        icd10cm: &["E11.42", "E10.42", "E11.40"],
        icd10_who: &["E11.4", "G63.2"],
        regions: &["feet", "legs", "hands"],
    },
    Condition {
        code: "chemotherapy_induced",
        name: "Chemotherapy-induced peripheral neuropathy",
        icd10cm: &["G62.0", "T45.1X5-"],
        icd10_who: &["G62.0"],
        regions: &["feet", "hands"],
    },
    Condition {
        code: "postherpetic_neuralgia",
        name: "Postherpetic neuralgia",
        icd10cm: &["B02.29", "B02.22"],
        icd10_who: &["B02.2", "G53.0"],
        regions: &["trunk", "face"],
    },
    Condition {
        code: "carpal_tunnel",
        name: "Carpal tunnel syndrome",
        icd10cm: &["G56.0-"],
        icd10_who: &["G56.0"],
        regions: &["hands"],
    },
    Condition {
        code: "other_mononeuropathy",
        name: "Other mononeuropathy",
        icd10cm: &["G56.-", "G57.-", "G58.-"],
        icd10_who: &["G56", "G57", "G58"],
        regions: &["arms", "legs"],
    },
    Condition {
        code: "radiculopathy",
        name: "Radiculopathy",
        icd10cm: &["M54.1-", "M50.1-", "M51.1-"],
        icd10_who: &["M54.1", "M50.1", "M51.1"],
        regions: &["back", "neck", "legs", "arms"],
    },
    Condition {
        code: "trigeminal_neuralgia",
        name: "Trigeminal neuralgia",
        icd10cm: &["G50.0"],
        icd10_who: &["G50.0"],
        regions: &["face"],
    },
    Condition {
        code: "phantom_limb_pain",
        name: "Phantom limb pain",
        icd10cm: &["G54.6"],
        icd10_who: &["G54.6"],
        regions: &["arms", "legs"],
    },
    Condition {
        code: "central_post_stroke_pain",
        name: "Central post-stroke pain",
        icd10cm: &["G89.0"],
        icd10_who: &[],
        regions: &["arms", "legs", "face", "trunk"],
    },
    Condition {
        code: "polyneuropathy_unspecified",
        name: "Polyneuropathy, unspecified",
        icd10cm: &["G62.9"],
        icd10_who: &["G62.9"],
        regions: &["feet", "hands"],
    },
];

/// Looks a condition up by its code.
pub fn condition(code: &str) -> Option<&'static Condition> {
    CONDITIONS.iter().find(|c| c.code == code)
}
