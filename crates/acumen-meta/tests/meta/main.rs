//! Integration tests of acumen-meta, compiled as one test binary.

mod batch;
mod dist_vs_r;
mod escalc_hand;
mod genq;
mod helpers;
mod measure_cases;
mod metafor_cases;
mod mv_cases;
mod properties;
mod provenance;
