//! # acumen-evidence
//!
//! The judgement rules of an evidence project, pure and without IO:
//! [`rob`] holds Cochrane's risk of bias 2 (five domains, each judged low,
//! some concerns or high with a support text, and the overall judgement the
//! tool's algorithm suggests), and [`grade`] the GRADE assistant: a
//! suggestion with its reason for each of the five domains (risk of bias,
//! inconsistency, imprecision, indirectness, publication bias), computed
//! from a pooled result and the trials' weights, which a reviewer confirms
//! or overrides, and the certainty they lead to; [`version`] a project's
//! frozen content, its RFC 8785 hash and the trial changelog between two
//! versions; [`changelog`] the line of what moved; [`sof`] the
//! Summary-of-Findings table; [`rm5`] RevMan 5 import into the engine's
//! columns; [`project`] a version's analysis through `acumen-meta` (pooled
//! result, GRADE, SoF row, sensitivity reruns); [`bundled`] the project the
//! answers page reads, built from the trials with retrievable arm data;
//! [`import`] the preview of a CSV or .rm5 file's trials with per-row errors.
#![deny(missing_docs)]

pub mod bundled;
pub mod changelog;
pub mod grade;
pub mod import;
pub mod project;
pub mod rm5;
pub mod rob;
pub mod sof;
pub mod version;
