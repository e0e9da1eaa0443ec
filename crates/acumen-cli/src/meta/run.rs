//! `acumen meta`: the CSV read, the engine run (inverse-variance, or
//! Mantel-Haenszel/Peto with the blocks metafor has for them; through the
//! fallback chain with `--fallback`), the plots and the R script written,
//! and the JSON (with its provenance block) or table written.

use acumen_meta::json::{analysis_json, mh_json};
use acumen_meta::{MetaError, Outcome, Pooling, Provenance};
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::meta::csv_input::read_csv;

use super::args::{options_of, MetaArgs};

/// Runs the analysis; errors about the data are prefixed with the file name.
pub fn run(a: &MetaArgs) -> Result<(Outcome, Provenance)> {
    let mut req = a.request();
    if let Some(path) = &a.v_file {
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read the V file", path.display()))?;
        req.v_matrix =
            Some(acumen_meta::mv::vfile::parse_v(&bytes, &path.display().to_string()).map_err(|e| anyhow!("{e}"))?);
    }
    let opts = options_of(a, &req)?;
    if req.pooling() != Pooling::Rma && (a.forest.is_some() || a.funnel.is_some() || a.cumul_forest.is_some()) {
        bail!("plots are drawn for inverse-variance models; use --method EE for an equal-effects forest plot");
    }
    if !req.random.is_empty() {
        if a.forest.is_some() || a.funnel.is_some() || a.cumul_forest.is_some() {
            bail!("plots are drawn for rma.uni models; a multilevel model (--random) has none here yet");
        }
        if a.r_script.is_some() {
            bail!("--r-script writes rma.uni and rma.mh scripts; it does not cover multilevel models (--random) yet");
        }
    }
    let table = read_csv(&a.file)?;
    let (outcome, prov) = req.run_traced(&table, &opts).map_err(|e| match e {
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
    if let Some(path) = &a.r_script {
        let results = results_json(&outcome)?;
        let script = acumen_meta::rscript::r_script(&req, &opts, &table, &results, &prov);
        std::fs::write(path, script).with_context(|| format!("{}: cannot write the R script", path.display()))?;
    }
    Ok((outcome, prov))
}

/// The analysis JSON (without the provenance block).
fn results_json(outcome: &Outcome) -> Result<serde_json::Value> {
    Ok(match outcome {
        Outcome::Rma(a) => serde_json::to_value(analysis_json(a))?,
        Outcome::Mh(m) => mh_json(m),
        Outcome::Mv(m) => acumen_meta::mv::json::mv_json(m),
    })
}

/// Runs and renders in the requested format.
pub fn run_to_string(a: &MetaArgs) -> Result<String> {
    let mut out = Vec::new();
    run_to_writer(a, &mut out)?;
    Ok(String::from_utf8(out)?)
}

/// The results with their provenance block.
#[derive(Serialize)]
struct WithProvenance<'a, T: Serialize> {
    #[serde(flatten)]
    results: T,
    provenance: &'a Provenance,
}

/// Runs and writes the output as it is rendered (JSON is streamed, not built as one string).
pub fn run_to_writer(a: &MetaArgs, w: &mut impl std::io::Write) -> Result<()> {
    let (outcome, prov) = run(a)?;
    let json = a.format == "json";
    if !json {
        if let Some(b) = prov.banner() {
            writeln!(w, "Note: {b}.\n")?;
        }
    }
    match &outcome {
        Outcome::Rma(analysis) if json => {
            let out = WithProvenance {
                results: analysis_json(analysis),
                provenance: &prov,
            };
            serde_json::to_writer_pretty(&mut *w, &out)?;
            writeln!(w)?;
        }
        Outcome::Rma(analysis) => w.write_all(crate::meta::text::render(analysis, a.measure.as_deref()).as_bytes())?,
        Outcome::Mh(m) if json => {
            let out = WithProvenance {
                results: mh_json(m),
                provenance: &prov,
            };
            serde_json::to_writer_pretty(&mut *w, &out)?;
            writeln!(w)?;
        }
        Outcome::Mh(m) => {
            w.write_all(crate::meta::text::render_mh(m, &a.method, a.measure.as_deref().unwrap_or("")).as_bytes())?
        }
        Outcome::Mv(m) if json => {
            let out = WithProvenance {
                results: acumen_meta::mv::json::mv_json(m),
                provenance: &prov,
            };
            serde_json::to_writer_pretty(&mut *w, &out)?;
            writeln!(w)?;
        }
        Outcome::Mv(m) => w.write_all(crate::meta::text_mv::render_mv(m, &a.method).as_bytes())?,
    }
    if !json {
        writeln!(w, "\n{}", prov.footer())?;
    }
    Ok(())
}
