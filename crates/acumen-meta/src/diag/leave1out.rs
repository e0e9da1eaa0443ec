//! Leave-one-out analysis (metafor's `leave1out`): the fit without study i.

use super::{need_intercept_only, StepSeries};
use crate::{Fit, MetaError};

/// Refits the intercept-only model once per left-out study.
pub fn leave1out(f: &Fit) -> Result<StepSeries, MetaError> {
    need_intercept_only(f, "leave-one-out analysis")?;
    let mut out = StepSeries::default();
    for i in 0..f.k {
        f.opts.budget.check()?;
        let keep: Vec<bool> = (0..f.k).map(|j| j != i).collect();
        out.push(f.refit_subset(&keep, false).ok().as_ref());
    }
    Ok(out)
}
