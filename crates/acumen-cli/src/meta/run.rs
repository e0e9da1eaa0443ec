//! `acumen meta`: the CSV read, the engine run (inverse-variance, or
//! Mantel-Haenszel/Peto with the blocks metafor has for them), the plots
//! written, and the JSON or table written.

use acumen_meta::{MetaError, Outcome, Pooling};
use anyhow::{anyhow, bail, Result};

use crate::meta::csv_input::read_csv;

use super::args::{options_of, MetaArgs};

/// Runs the analysis; errors about the data are prefixed with the file name.
pub fn run(a: &MetaArgs) -> Result<Outcome> {
    let req = a.request();
    let opts = options_of(a, &req)?;
    if req.pooling() != Pooling::Rma && (a.forest.is_some() || a.funnel.is_some() || a.cumul_forest.is_some()) {
        bail!("plots are drawn for inverse-variance models; use --method EE for an equal-effects forest plot");
    }
    let table = read_csv(&a.file)?;
    let outcome = req.run(&table, &opts).map_err(|e| match e {
        // A refused option is the caller's, not the file's.
        MetaError::Usage(msg) => anyhow!(msg),
        e => anyhow!("{}: {e}", a.file.display()),
    })?;
    if let Outcome::Rma(analysis) = &outcome {
        let plots = crate::meta::plots::PlotArgs {
            forest: a.forest.clone(),
            funnel: a.funnel.clone(),
            cumul_forest: a.cumul_forest.clone(),
            transf: a.transf.clone(),
            favours: a.favours.clone(),
        };
        crate::meta::plots::write_plots(analysis, a.measure.as_deref(), &plots)?;
    }
    Ok(outcome)
}

/// Runs and renders in the requested format.
pub fn run_to_string(a: &MetaArgs) -> Result<String> {
    let mut out = Vec::new();
    run_to_writer(a, &mut out)?;
    Ok(String::from_utf8(out)?)
}

/// Runs and writes the output as it is rendered (JSON is streamed, not built as one string).
pub fn run_to_writer(a: &MetaArgs, w: &mut impl std::io::Write) -> Result<()> {
    let outcome = run(a)?;
    let json = a.format == "json";
    match outcome {
        Outcome::Rma(analysis) if json => {
            serde_json::to_writer_pretty(&mut *w, &acumen_meta::json::analysis_json(&analysis))?;
            writeln!(w)?;
        }
        Outcome::Rma(analysis) => w.write_all(crate::meta::text::render(&analysis, a.measure.as_deref()).as_bytes())?,
        Outcome::Mh(m) if json => {
            serde_json::to_writer_pretty(&mut *w, &acumen_meta::json::mh_json(&m))?;
            writeln!(w)?;
        }
        Outcome::Mh(m) => {
            w.write_all(crate::meta::text::render_mh(&m, &a.method, a.measure.as_deref().unwrap_or("")).as_bytes())?
        }
    }
    Ok(())
}
