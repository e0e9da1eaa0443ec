//! # acumen-meta
//!
//! A meta-analysis engine that gives the numbers of R's metafor (3.8):
//! effect sizes (`escalc`), fixed- and random-effects models and
//! meta-regression with fifteen tau^2 estimators (`rma.uni`), heterogeneity
//! statistics, Q-profile intervals, predictions and subgroup analyses.
//!
//! The crate is pure: it reads no files and writes nothing. Every algorithm
//! costs O(k p^2) per iteration and never builds a k x k matrix.
//!
//! ```
//! use acumen_meta::{fit, Design, FitOptions, Method};
//! let yi = [-0.89, -1.59, -1.35, -1.44, -0.22];
//! let vi = [0.33, 0.19, 0.42, 0.02, 0.05];
//! let f = fit(&yi, &vi, Design::intercept(5), &FitOptions { method: Method::DL, ..Default::default() }).unwrap();
//! assert!(f.tau2 > 0.0 && f.ci_lb[0] < f.b[0]);
//! // Bad input is an error, never a panic:
//! assert!(fit(&[], &[], Design::intercept(0), &FitOptions::default()).is_err());
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod batch;
pub mod budget;
pub mod confint;
pub mod confint_pl;
pub mod csv;
pub mod design;
pub mod diag;
pub mod dist;
pub mod error;
pub mod escalc;
pub mod escalc_more;
pub mod fit;
pub mod formula;
pub mod json;
pub mod method;
pub mod mh;
pub mod mh_analysis;
pub mod mh_diag;
pub mod model_frame;
pub mod mv;
pub mod predict;
pub mod proj;
pub mod provenance;
pub mod quadform;
pub mod request;
pub mod residuals;
pub mod root;
pub mod rscript;
mod seed;
pub mod simulate;
pub mod subgroup;
pub mod sumlog;
pub mod table;
pub mod tau2;
pub mod tolerance;

pub use analysis::{analyse, Analysis, AnalysisOptions, Dropped};
pub use budget::Budget;
pub use design::Design;
pub use error::{DataError, MetaError};
pub use escalc::{AddTo, EscalcOptions, Measure, VType};
pub use fit::{fit, Fit, FitStats};
pub use method::{FitOptions, Method, Test};
pub use provenance::Provenance;
pub use request::{Outcome, Pooling, Request};
pub use table::Table;
