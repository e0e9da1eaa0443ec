//! Predicted (pooled) effects with confidence and prediction intervals,
//! as metafor's `predict.rma`.

use crate::error::MetaError;
use crate::fit::Fit;
use crate::proj::quad_form;

/// Predictions, one entry per requested row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prediction {
    /// Predicted values.
    pub pred: Vec<f64>,
    /// Their standard errors.
    pub se: Vec<f64>,
    /// Confidence interval, lower.
    pub ci_lb: Vec<f64>,
    /// Confidence interval, upper.
    pub ci_ub: Vec<f64>,
    /// Prediction interval, lower (NaN = NA for equal-effects models).
    pub pi_lb: Vec<f64>,
    /// Prediction interval, upper.
    pub pi_ub: Vec<f64>,
}

/// Predicts at the given moderator rows. A row may omit the intercept when
/// the model has one. `None` predicts the pooled effect (intercept-only
/// models) or the fitted value of every study.
pub fn predict(f: &Fit, newmods: Option<&[Vec<f64>]>) -> Result<Prediction, MetaError> {
    let int_incl = f.x.has_intercept();
    let rows: Vec<Vec<f64>> = match newmods {
        None => {
            if f.x.is_intercept_only() {
                vec![vec![1.0]]
            } else {
                (0..f.k).map(|i| f.x.row(i).to_vec()).collect()
            }
        }
        Some(rows) => rows
            .iter()
            .map(|r| {
                if r.len() == f.p {
                    Ok(r.clone())
                } else if int_incl && r.len() + 1 == f.p {
                    let mut v = vec![1.0];
                    v.extend_from_slice(r);
                    Ok(v)
                } else {
                    Err(MetaError::model(format!(
                        "--newmods rows need {} value(s) (one per moderator: {}), got {}",
                        if int_incl { f.p - 1 } else { f.p },
                        f.x.names
                            .iter()
                            .filter(|n| *n != "intrcpt")
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.len()
                    )))
                }
            })
            .collect::<Result<_, _>>()?,
    };
    let mut out = Prediction::default();
    for x in rows {
        let pred: f64 = x.iter().zip(&f.b).map(|(a, b)| a * b).sum();
        let vpred = quad_form(&f.vb, &x);
        let se = vpred.sqrt();
        let spi = (vpred + f.tau2).sqrt();
        out.pred.push(pred);
        out.se.push(se);
        out.ci_lb.push(pred - f.crit * se);
        out.ci_ub.push(pred + f.crit * se);
        // Equal-effects models have no prediction interval in metafor (NA).
        let (pi_lb, pi_ub) = if f.opts.method.is_equal_effects() {
            (f64::NAN, f64::NAN)
        } else {
            (pred - f.crit * spi, pred + f.crit * spi)
        };
        out.pi_lb.push(pi_lb);
        out.pi_ub.push(pi_ub);
    }
    Ok(out)
}
