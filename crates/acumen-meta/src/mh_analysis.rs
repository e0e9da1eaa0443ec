//! Mantel-Haenszel and Peto analyses with the blocks metafor 3.8 has for
//! `rma.mh` and `rma.peto`: the pooled fit, `escalc()` over every row as
//! metafor computes it, and leave-one-out, cumulative analysis, Egger's and
//! Begg's tests; the options they do not take are refused, never dropped.

use crate::analysis::{block, cumul_order};
use crate::diag::ranktest::{ranktest, RankTest};
use crate::diag::regtest::{regtest, RegTest};
use crate::diag::StepSeries;
use crate::mh::{mantel_haenszel, MhFit, MhOptions};
use crate::mh_diag::{mh_cumul, mh_equal_effects_fit, mh_leave1out};
use crate::request::{Pooling, Request};
use crate::{AnalysisOptions, MetaError, Table};

/// A Mantel-Haenszel or Peto analysis with the blocks metafor has for it.
pub struct MhOutcome {
    /// The pooled fit.
    pub fit: MhFit,
    /// `escalc()` over every row as metafor computes it (no table dropped
    /// unless `--drop00 yes` was given).
    pub escalc: crate::escalc::Effects,
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
fn refuse_for_mh(a: &Request) -> Result<(), MetaError> {
    let m = &a.method;
    let none = "metafor has none for Mantel-Haenszel or Peto fits; use --method EE for an inverse-variance equal-effects model";
    for (given, what) in [
        (a.influence, "--influence (influence diagnostics)"),
        (a.trimfill, "--trimfill (trim-and-fill)"),
        (a.permutations.is_some(), "--permutations (permutation tests)"),
    ] {
        if given {
            return Err(MetaError::Usage(format!(
                "{what} is not available for --method {m}: {none}"
            )));
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
            return Err(MetaError::Usage(format!(
                "{what} does not apply to --method {m} (an equal-effects pooling of 2x2 tables with a z test)"
            )));
        }
    }
    Ok(())
}

/// Pools the 2x2 tables of `table` as `a` asks (MH or PETO) with the blocks asked for.
pub fn analyse_mh(table: &Table, a: &Request, opts: &AnalysisOptions) -> Result<MhOutcome, MetaError> {
    let eo = opts.escalc.ok_or_else(|| {
        MetaError::Usage(format!(
            "--method {} pools 2x2 tables: give --measure (OR, RR or RD for MH; PETO for PETO)",
            a.method
        ))
    })?;
    refuse_for_mh(a)?;
    if opts.mods.is_some() || opts.subgroup.is_some() {
        return Err(MetaError::Usage(format!(
            "--method {} pools without moderators or subgroups",
            a.method
        )));
    }
    let set =
        crate::escalc::resolve_columns(eo.measure, |c| table.has(c)).map_err(|missing| MetaError::MissingColumns {
            what: format!("measure {}", eo.measure),
            missing: missing.join(", "),
        })?;
    let mut cols = crate::escalc::Columns::new();
    for c in set {
        cols.insert(c.to_string(), table.numeric(c)?);
    }
    let n = table.n_rows();
    let mo = MhOptions {
        escalc: eo,
        correct: !a.no_correct,
        level: a.level,
    };
    let peto = a.pooling() == Pooling::Peto;
    let fit = mantel_haenszel(&cols, n, &mo, peto)?;
    let plain = crate::EscalcOptions {
        drop00: a.drop00.is_some() && eo.drop00,
        ..eo
    };
    let escalc = crate::escalc::escalc(&plain, &cols, n)?;
    let b = &opts.blocks;
    let all = opts.all;
    let leave1out = block(b.leave1out, all, || mh_leave1out(&cols, n, &mo, peto))?;
    let cumul = block(b.cumul || opts.cumul_order.is_some(), all, || {
        let rows: Vec<usize> = (0..n).collect();
        let order = cumul_order(&table, opts.cumul_order.as_deref(), &rows)?;
        mh_cumul(&cols, n, &mo, peto, &order)
    })?;
    let ee = || mh_equal_effects_fit(&fit, a.level);
    let regtest = block(b.regtest, all, || regtest(&ee()?))?;
    let ranktest = block(b.ranktest, all, || ranktest(&ee()?))?;
    Ok(MhOutcome {
        fit,
        escalc,
        predict: all,
        leave1out,
        cumul,
        regtest,
        ranktest,
    })
}
