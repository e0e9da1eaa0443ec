//! Diagnostics of Mantel-Haenszel and Peto fits, as metafor 3.8 computes
//! them for `rma.mh` and `rma.peto`: leave-one-out and cumulative analyses
//! refit the table-based method on subsets of the 2x2 tables; Egger's and
//! Begg's tests work on the per-study `yi`/`vi` with an equal-effects model
//! (metafor's `regtest` and `ranktest` take `x$yi`, `x$vi` and method "FE").
//! Influence diagnostics, trim-and-fill and permutation tests do not exist
//! for these models in metafor, and are refused by the caller.

use crate::design::Design;
use crate::diag::StepSeries;
use crate::error::MetaError;
use crate::escalc::Columns;
use crate::fit::{fit, Fit};
use crate::method::{FitOptions, Method};
use crate::mh::{complete_tables, mantel_haenszel, MhFit, MhOptions};

/// The columns of `cols` restricted to `rows`, in that order.
fn subset(cols: &Columns, rows: &[usize]) -> Columns {
    cols.iter()
        .map(|(name, v)| (name.clone(), rows.iter().map(|&i| v[i]).collect()))
        .collect()
}

/// Appends the summary of one table-based refit (NaN where it failed).
/// tau^2 is NA: these are equal-effects models.
fn push(s: &mut StepSeries, f: Option<&MhFit>) {
    let nan = f64::NAN;
    let v = match f {
        Some(f) => [f.b, f.se, f.stat, f.pval, f.ci_lb, f.ci_ub, f.qe, f.qe_p, f.i2, f.h2],
        None => [nan; 10],
    };
    for (col, x) in [
        &mut s.estimate,
        &mut s.se,
        &mut s.stat,
        &mut s.pval,
        &mut s.ci_lb,
        &mut s.ci_ub,
        &mut s.q,
        &mut s.qp,
        &mut s.i2,
        &mut s.h2,
    ]
    .into_iter()
    .zip(v)
    {
        col.push(x);
    }
    s.tau2.push(nan);
}

fn refit(cols: &Columns, rows: &[usize], o: &MhOptions, peto: bool) -> Option<MhFit> {
    mantel_haenszel(&subset(cols, rows), rows.len(), o, peto).ok()
}

/// Leave-one-out (metafor's `leave1out.rma.mh` / `.rma.peto`): one entry per
/// data row, NaN for an incomplete table or a refit that fails.
pub fn mh_leave1out(cols: &Columns, n: usize, o: &MhOptions, peto: bool) -> Result<StepSeries, MetaError> {
    let complete = complete_tables(cols, n)?;
    if complete.iter().filter(|c| **c).count() < 2 {
        return Err(MetaError::model("leave-one-out needs at least 2 studies (k = 1)"));
    }
    let mut s = StepSeries::default();
    for i in 0..n {
        if !complete[i] {
            push(&mut s, None);
            continue;
        }
        let rows: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        push(&mut s, refit(cols, &rows, o, peto).as_ref());
    }
    Ok(s)
}

/// Cumulative analysis (metafor's `cumul.rma.mh` / `.rma.peto`) in the given
/// order of data rows: one entry per complete table, each pooling that table
/// and every row before it. Returns the 1-based rows reported, in order.
pub fn mh_cumul(
    cols: &Columns,
    n: usize,
    o: &MhOptions,
    peto: bool,
    order: &[usize],
) -> Result<(Vec<usize>, StepSeries), MetaError> {
    let complete = complete_tables(cols, n)?;
    let mut s = StepSeries::default();
    let mut ids = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        if !complete[i] {
            continue;
        }
        ids.push(i + 1);
        push(&mut s, refit(cols, &order[..=pos], o, peto).as_ref());
    }
    Ok((ids, s))
}

/// The equal-effects model over the studies with a finite `yi`/`vi` that
/// metafor's `regtest` and `ranktest` fit for a table-based model.
pub fn mh_equal_effects_fit(f: &MhFit, level: f64) -> Result<Fit, MetaError> {
    let (yi, vi): (Vec<f64>, Vec<f64>) =
        f.yi.iter()
            .zip(&f.vi)
            .filter(|(y, v)| y.is_finite() && v.is_finite())
            .map(|(y, v)| (*y, *v))
            .unzip();
    if yi.is_empty() {
        return Err(MetaError::model("no study has an estimate (yi/vi) for this test"));
    }
    let k = yi.len();
    let opts = FitOptions {
        method: Method::FE,
        level,
        ..Default::default()
    };
    fit(&yi, &vi, Design::intercept(k), &opts)
}
