//! Integration tests of the registry API (one test binary).

#[macro_use]
mod helpers;
mod answers;
mod flows;
mod fuzz;
mod pages;
mod refusals;
mod safety;
mod security;
mod storage;
