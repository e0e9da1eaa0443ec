//! `acumen meta`: CSV in, metafor's numbers out. `args` holds the options
//! (names and defaults as metafor's `rma`), `run` reads the CSV and runs the
//! engine (`acumen_meta::Request`), writes the JSON (`acumen_meta::json`) or
//! the table (`text`), and `plots` the forest and funnel plots.

pub mod args;
pub mod csv_input;
pub mod plots;
pub mod run;
pub mod text;
pub mod text_blocks;
pub mod text_mv;

pub use args::MetaArgs;
pub use run::{run, run_to_string, run_to_writer};
