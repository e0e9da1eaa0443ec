//! # acumen-plot
//!
//! Forest and funnel plots for meta-analyses, and step/line charts over
//! sessions (Kaplan-Meier curves, pain diaries), written as SVG by a small,
//! deterministic string builder (byte-stable output), and turned into PNG by
//! resvg with a font that ships in this crate. Pure: no files, no system
//! fonts, no network; the caller writes the bytes. `from_analysis` turns an
//! engine analysis into forest, funnel and cumulative-forest data;
//! `rob_forest` adds risk-of-bias 2 traffic lights beside a forest plot.
#![deny(missing_docs)]

pub mod curve;
pub mod forest;
pub mod from_analysis;
pub mod funnel;
pub mod png;
pub mod rob_forest;
pub mod scale;
pub mod svg;

pub use curve::{chart_svg, Chart, Join, RefLine};
pub use forest::{forest_svg, Block, Forest, StudyRow, Summary};
pub use funnel::{funnel_svg, Funnel};
pub use png::svg_to_png;
pub use rob_forest::{rob_forest_svg, Light, RobRow};
pub use scale::Transf;
