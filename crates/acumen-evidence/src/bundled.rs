//! The bundled evidence project: the trials of `data/trial_arm_data_2026-12.csv`
//! whose arm data could be retrieved in full (Lu 2020, Rostock 2013, Ursini
//! 2011; `data/trial_arm_data_2026-12.md` says how they were found and why
//! the others could not be used), each with its condition and comparator
//! and its citation, as `data/bundled_project.json`. Their conditions and
//! comparators all differ, so the answers page reads each (condition,
//! comparator) group on its own and pools none of them together.

use std::sync::LazyLock;

use crate::version::Content;

const BUNDLED_JSON: &str = include_str!("../data/bundled_project.json");

static BUNDLED: LazyLock<Content> =
    LazyLock::new(|| serde_json::from_str(BUNDLED_JSON).expect("data/bundled_project.json is a project's content"));

/// The bundled project's content (its version hash is
/// [`crate::version::version_hash`] of it).
pub fn bundled() -> &'static Content {
    &BUNDLED
}

/// Why the answers page shows the bundled trials one group at a time.
pub const WHY_NOT_POOLED: &str = "Only three trials of acupuncture for nerve pain report their arm data in full (means, SDs and numbers per group), and no two of them share both a condition and a comparator: Lu 2020 (chemotherapy neuropathy, against a waiting list), Rostock 2013 (chemotherapy neuropathy, against placebo capsules, a symptom score rather than pain alone) and Ursini 2011 (acute shingles pain, against drugs). Pooling them would mix different questions, so each is shown on its own; the pooled figure above is the published meta-analysis, quoted with its citation.";
