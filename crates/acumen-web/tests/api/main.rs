//! Integration tests of the registry API (one test binary).

#[macro_use]
mod helpers;
mod answers;
mod corrections;
mod evidence;
mod flows;
mod follow_up;
mod fuzz;
mod messaging;
mod owner;
mod pages;
mod patient_form;
mod portal;
mod projects;
mod refusals;
mod safety;
mod security;
#[path = "../support/sinks.rs"]
mod sinks;
mod storage;
