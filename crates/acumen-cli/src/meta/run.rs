//! `acumen meta`: the CSV read, the engine run (inverse-variance, or
//! Mantel-Haenszel/Peto with the blocks metafor has for them), the plots
//! written, and the JSON or table written.

use acumen_meta::analysis::{block, cumul_order};
use acumen_meta::diag::ranktest::{ranktest, RankTest};
use acumen_meta::diag::regtest::{regtest, RegTest};
use acumen_meta::diag::StepSeries;
use acumen_meta::mh::{mantel_haenszel, MhFit, MhOptions};
use acumen_meta::mh_diag::{mh_cumul, mh_equal_effects_fit, mh_leave1out};
use acumen_meta::{analyse, Analysis, MetaError};
use anyhow::{anyhow, bail, Result};

use crate::meta::csv_input::read_csv;

use super::args::{options, pooling, MetaArgs, Pooling};

/// The result of `acumen meta`.
pub enum Outcome {
    /// An inverse-variance analysis.
    Rma(Box<Analysis>),
    /// Mantel-Haenszel or Peto pooling, with the per-row escalc values.
    Mh(Box<MhOutcome>),
}

/// A Mantel-Haenszel or Peto analysis with the blocks metafor has for it.
pub struct MhOutcome {
    /// The pooled fit.
    pub fit: MhFit,
    /// `escalc()` over every row as metafor computes it (no table dropped
    /// unless `--drop00 yes` was given).
    pub escalc: acumen_meta::escalc::Effects,
    /// Whether the predict block is shown (`--all`).
    pub predict: bool,
    /// Leave-one-out analysis.
    pub leave1out: Option<StepSeries>,
    /// Cumulative analysis with its 1-based rows.
    pub cumul: Option<(Vec<usize>, StepSeries)>,
    /// Egger's test on the per-study yi/vi.
    pub regtest: Option<RegTest>,
    /// Begg's test on the per-study yi/vi.
    pub ranktest: Option<RankTest>,
}

/// Options that have no meaning for a table-based method: an error, never dropped.
fn refuse_for_mh(a: &MetaArgs) -> Result<()> {
    let m = &a.method;
    let none = "metafor has none for Mantel-Haenszel or Peto fits; use --method EE for an inverse-variance equal-effects model";
    for (given, what) in [
        (a.influence, "--influence (influence diagnostics)"),
        (a.trimfill, "--trimfill (trim-and-fill)"),
        (a.permutations.is_some(), "--permutations (permutation tests)"),
    ] {
        if given {
            bail!("{what} is not available for --method {m}: {none}");
        }
    }
    for (given, what) in [
        (a.newmods.is_some(), "--newmods"),
        (a.reduced_mods.is_some(), "--reduced-mods"),
        (a.wald.is_some(), "--wald"),
        (a.weights.is_some(), "--weights"),
        (a.tau2.is_some(), "--tau2"),
        (a.btt.is_some(), "--btt"),
        (a.unweighted, "--unweighted"),
        (a.test != "z", "--test"),
    ] {
        if given {
            bail!("{what} does not apply to --method {m} (an equal-effects pooling of 2x2 tables with a z test)");
        }
    }
    Ok(())
}

/// Runs the analysis; errors about the data are prefixed with the file name.
pub fn run(a: &MetaArgs) -> Result<Outcome> {
    let opts = options(a)?;
    let table = read_csv(&a.file)?;
    let with_file = |e: MetaError| anyhow!("{}: {e}", a.file.display());
    match pooling(a) {
        Pooling::Rma => {
            let analysis = analyse(&table, &opts).map_err(with_file)?;
            let plots = crate::meta::plots::PlotArgs {
                forest: a.forest.clone(),
                funnel: a.funnel.clone(),
                cumul_forest: a.cumul_forest.clone(),
                transf: a.transf.clone(),
                favours: a.favours.clone(),
            };
            crate::meta::plots::write_plots(&analysis, a.measure.as_deref(), &plots)?;
            Ok(Outcome::Rma(Box::new(analysis)))
        }
        p => {
            let eo = opts.escalc.ok_or_else(|| {
                anyhow!(
                    "--method {} pools 2x2 tables: give --measure (OR, RR or RD for MH; PETO for PETO)",
                    a.method
                )
            })?;
            refuse_for_mh(a)?;
            if opts.mods.is_some() || opts.subgroup.is_some() {
                bail!("--method {} pools without moderators or subgroups", a.method);
            }
            if a.forest.is_some() || a.funnel.is_some() || a.cumul_forest.is_some() {
                bail!("plots are drawn for inverse-variance models; use --method EE for an equal-effects forest plot");
            }
            let set = acumen_meta::escalc::resolve_columns(eo.measure, |c| table.has(c)).map_err(|missing| {
                with_file(MetaError::MissingColumns {
                    what: format!("measure {}", eo.measure),
                    missing: missing.join(", "),
                })
            })?;
            let mut cols = acumen_meta::escalc::Columns::new();
            for c in set {
                cols.insert(c.to_string(), table.numeric(c).map_err(with_file)?);
            }
            let n = table.n_rows();
            let mo = MhOptions {
                escalc: eo,
                correct: !a.no_correct,
                level: a.level,
            };
            let peto = p == Pooling::Peto;
            let fit = mantel_haenszel(&cols, n, &mo, peto).map_err(with_file)?;
            let plain = acumen_meta::EscalcOptions {
                drop00: a.drop00.is_some() && eo.drop00,
                ..eo
            };
            let escalc = acumen_meta::escalc::escalc(&plain, &cols, n).map_err(with_file)?;
            let b = &opts.blocks;
            let all = opts.all;
            let leave1out = block(b.leave1out, all, || mh_leave1out(&cols, n, &mo, peto)).map_err(with_file)?;
            let cumul = block(b.cumul || opts.cumul_order.is_some(), all, || {
                let rows: Vec<usize> = (0..n).collect();
                let order = cumul_order(&table, opts.cumul_order.as_deref(), &rows)?;
                mh_cumul(&cols, n, &mo, peto, &order)
            })
            .map_err(with_file)?;
            let ee = || mh_equal_effects_fit(&fit, a.level);
            let regtest = block(b.regtest, all, || regtest(&ee()?)).map_err(with_file)?;
            let ranktest = block(b.ranktest, all, || ranktest(&ee()?)).map_err(with_file)?;
            Ok(Outcome::Mh(Box::new(MhOutcome {
                fit,
                escalc,
                predict: all,
                leave1out,
                cumul,
                regtest,
                ranktest,
            })))
        }
    }
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
            serde_json::to_writer_pretty(&mut *w, &crate::meta::json::analysis_json(&analysis))?;
            writeln!(w)?;
        }
        Outcome::Rma(analysis) => w.write_all(crate::meta::text::render(&analysis, a.measure.as_deref()).as_bytes())?,
        Outcome::Mh(m) if json => {
            serde_json::to_writer_pretty(&mut *w, &crate::meta::json::mh_json(&m))?;
            writeln!(w)?;
        }
        Outcome::Mh(m) => {
            w.write_all(crate::meta::text::render_mh(&m, &a.method, a.measure.as_deref().unwrap_or("")).as_bytes())?
        }
    }
    Ok(())
}
