//! The use cases, one function each, called by both the JSON API
//! (`crate::api`) and the pages (`crate::pages`), which never call each
//! other. A function takes the state, the caller ([`crate::auth::Authed`])
//! and parsed input, checks role and tenancy through [`crate::access`],
//! validates, writes or reads through the store, and returns store rows or
//! typed results; nothing here knows HTTP beyond the error type.

pub mod accounts;
pub mod answers;
pub mod chart;
pub mod corrections;
pub mod day;
pub mod follow_up;
pub mod messaging;
pub mod oversight;
pub mod owner;
pub mod portal;
pub mod project_answers;
pub mod projects;
pub mod records;
pub mod sessions;
pub mod snapshot;
