//! acumen-analytics against R (`fixtures/analytics_cases.json`, written by
//! `fixtures/make_analytics_fixtures.R`) and a hand-checked clinic.

mod clinic;
mod evidence;
mod owner;
mod suppression;
mod vs_r;
