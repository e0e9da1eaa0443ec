//! # acumen-analytics
//!
//! What a clinic's own records say, measured the IMMPACT way, beside the
//! trial evidence: responders (≥ 30 %, ≥ 50 %, ≥ 2 points, PGIC much or very
//! much improved) with Wilson intervals under intention-to-treat and
//! completer denominators, Kaplan-Meier time to response with
//! log-Greenwood intervals, mean change and the pre-post standardized mean
//! change, adverse-event rates with exact intervals, the bundled trial
//! evidence with its inclusion rules, and the answers to the article's six
//! questions. Pure: the caller loads the records.
#![deny(missing_docs)]

pub mod adverse;
pub mod answers;
pub mod evidence;
pub mod km;
pub mod outcomes;
pub mod owner;
pub mod records;
pub mod stats;
pub mod wording;
