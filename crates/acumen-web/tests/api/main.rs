//! Integration tests of the registry API (one test binary).

mod answers;
mod flows;
mod helpers;
mod pages;
mod refusals;
mod safety;
mod storage;
