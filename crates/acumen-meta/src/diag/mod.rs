//! Model diagnostics, as metafor's post-fit functions: leave-one-out,
//! influence, publication-bias tests, trim-and-fill, cumulative and
//! permutation analyses, model comparisons.

pub mod anova;
pub mod cumul;
pub mod influence;
pub mod leave1out;
pub mod permutest;
pub mod ranktest;
pub mod regtest;
pub mod trimfill;

/// Summary of one intercept-only fit, as leave-one-out and cumulative
/// analyses report it per step. NaN where a refit failed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepSeries {
    /// Pooled estimates.
    pub estimate: Vec<f64>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// z or t statistics.
    pub stat: Vec<f64>,
    /// p-values.
    pub pval: Vec<f64>,
    /// Lower confidence bounds.
    pub ci_lb: Vec<f64>,
    /// Upper confidence bounds.
    pub ci_ub: Vec<f64>,
    /// Heterogeneity statistics.
    pub q: Vec<f64>,
    /// Their p-values.
    pub qp: Vec<f64>,
    /// tau^2.
    pub tau2: Vec<f64>,
    /// I^2.
    pub i2: Vec<f64>,
    /// H^2.
    pub h2: Vec<f64>,
}

impl StepSeries {
    /// Appends the summary of `f`, or NAs when the fit failed.
    pub fn push(&mut self, f: Option<&crate::Fit>) {
        let nan = f64::NAN;
        match f {
            Some(f) => {
                self.estimate.push(f.b[0]);
                self.se.push(f.se[0]);
                self.stat.push(f.stat[0]);
                self.pval.push(f.pval[0]);
                self.ci_lb.push(f.ci_lb[0]);
                self.ci_ub.push(f.ci_ub[0]);
                self.q.push(f.qe);
                self.qp.push(f.qe_p);
                // metafor reports no tau^2 column for equal-effects models.
                self.tau2
                    .push(if f.opts.method.is_equal_effects() { nan } else { f.tau2 });
                self.i2.push(f.i2);
                self.h2.push(f.h2);
            }
            None => {
                for v in [
                    &mut self.estimate,
                    &mut self.se,
                    &mut self.stat,
                    &mut self.pval,
                    &mut self.ci_lb,
                    &mut self.ci_ub,
                    &mut self.q,
                    &mut self.qp,
                    &mut self.tau2,
                    &mut self.i2,
                    &mut self.h2,
                ] {
                    v.push(nan);
                }
            }
        }
    }
}

/// Error unless the model is intercept-only with k > 1.
pub(crate) fn need_intercept_only(f: &crate::Fit, what: &str) -> Result<(), crate::MetaError> {
    if !f.x.is_intercept_only() {
        return Err(crate::MetaError::model(format!(
            "{what} needs a model without moderators (drop --mods)"
        )));
    }
    if f.k < 2 {
        return Err(crate::MetaError::model(format!(
            "{what} needs at least 2 studies (k = {})",
            f.k
        )));
    }
    Ok(())
}
