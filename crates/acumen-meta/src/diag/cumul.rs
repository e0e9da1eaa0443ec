//! Cumulative meta-analysis (metafor's `cumul`): step i pools the first i
//! studies in the chosen order.

use super::StepSeries;
use crate::{Fit, MetaError};

/// Cumulative fits; `order[i]` is the position (0-based, among the studies
/// used) of the i-th study to add.
pub fn cumul(f: &Fit, order: &[usize]) -> Result<StepSeries, MetaError> {
    if !f.x.is_intercept_only() {
        return Err(MetaError::model(
            "cumulative meta-analysis needs a model without moderators (drop --mods)",
        ));
    }
    let mut out = StepSeries::default();
    let mut keep = vec![false; f.k];
    for &i in order {
        f.opts.budget.check()?;
        keep[i] = true;
        out.push(f.refit_subset(&keep, false).ok().as_ref());
    }
    Ok(out)
}

/// Stable ascending order of `key` (NaN last), as R's `order`.
pub fn stable_order(key: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_by(|&a, &b| {
        key[a]
            .partial_cmp(&key[b])
            .unwrap_or_else(|| key[a].is_nan().cmp(&key[b].is_nan()))
    });
    idx
}
