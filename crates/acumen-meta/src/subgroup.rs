//! Subgroup analysis: one intercept-only fit per level of a grouping
//! column, and the test for subgroup differences (Q-between from an
//! equal-effects model on the subgroup estimates).

use crate::design::Design;
use crate::dist::pchisq;
use crate::error::MetaError;
use crate::fit::{fit, Fit};
use crate::method::FitOptions;

/// Subgroup fits and the test for differences between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroups {
    /// Level names in order.
    pub levels: Vec<String>,
    /// One fit per level.
    pub fits: Vec<Fit>,
    /// Q-between.
    pub q_between: f64,
    /// Its degrees of freedom (levels - 1).
    pub q_between_df: usize,
    /// Its p-value.
    pub q_between_p: f64,
}

/// Fits every level. `group[i]` is the level index of study i (None = no group).
pub fn subgroups(
    yi: &[f64],
    vi: &[f64],
    weights: Option<&[f64]>,
    levels: &[String],
    group: &[Option<usize>],
    opts: &FitOptions,
) -> Result<Subgroups, MetaError> {
    let mut fits = Vec::new();
    let mut used = Vec::new();
    for (l, name) in levels.iter().enumerate() {
        let idx: Vec<usize> = (0..yi.len()).filter(|&i| group[i] == Some(l)).collect();
        if idx.is_empty() {
            continue;
        }
        let y: Vec<f64> = idx.iter().map(|&i| yi[i]).collect();
        let v: Vec<f64> = idx.iter().map(|&i| vi[i]).collect();
        let mut o = opts.clone();
        o.btt = None;
        o.weights = weights.map(|w| idx.iter().map(|&i| w[i]).collect());
        let f = fit(&y, &v, Design::intercept(y.len()), &o)
            .map_err(|e| MetaError::model(format!("subgroup '{name}': {e}")))?;
        fits.push(f);
        used.push(name.clone());
    }
    if fits.is_empty() {
        return Err(MetaError::model("no study has a subgroup value"));
    }
    let est: Vec<f64> = fits.iter().map(|f| f.b[0]).collect();
    let var: Vec<f64> = fits.iter().map(|f| f.se[0] * f.se[0]).collect();
    let w: Vec<f64> = var.iter().map(|v| 1.0 / v).collect();
    let sw: f64 = w.iter().sum();
    let mean = w.iter().zip(&est).map(|(w, y)| w * y).sum::<f64>() / sw;
    let q: f64 = w.iter().zip(&est).map(|(w, y)| w * (y - mean).powi(2)).sum();
    let df = fits.len() - 1;
    let p = if df > 0 { pchisq(q, df as f64, false) } else { f64::NAN };
    Ok(Subgroups {
        levels: used,
        fits,
        q_between: if df > 0 { q } else { f64::NAN },
        q_between_df: df,
        q_between_p: p,
    })
}
