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

/// What a Mantel-Haenszel or Peto pooling needs beyond the analysis options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MhRequest<'a> {
    /// Peto's method (else Mantel-Haenszel).
    pub peto: bool,
    /// The continuity correction of the MH test.
    pub correct: bool,
    /// Confidence level in percent.
    pub level: f64,
    /// Whether the caller asked for drop00 explicitly (escalc then drops too).
    pub drop00_given: bool,
    /// The method's name, for messages (`MH`, `PETO`).
    pub method: &'a str,
}

/// Pools the 2x2 tables of `table` (MH or Peto) with the blocks `opts` asks for.
pub fn analyse_mh(table: &Table, opts: &AnalysisOptions, a: &MhRequest) -> Result<MhOutcome, MetaError> {
    let eo = opts.escalc.ok_or_else(|| {
        MetaError::Usage(format!(
            "--method {} pools 2x2 tables: give --measure (OR, RR or RD for MH; PETO for PETO)",
            a.method
        ))
    })?;
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
        correct: a.correct,
        level: a.level,
    };
    let peto = a.peto;
    let fit = mantel_haenszel(&cols, n, &mo, peto)?;
    let plain = crate::EscalcOptions {
        drop00: a.drop00_given && eo.drop00,
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
