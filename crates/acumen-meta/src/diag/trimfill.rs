//! Trim-and-fill (metafor's `trimfill`, L0 estimator).

use crate::design::Design;
use crate::method::{FitOptions, Test};
use crate::{fit, Fit, MetaError};

/// The trim-and-fill result.
#[derive(Debug, Clone, PartialEq)]
pub struct TrimFill {
    /// Estimator ("L0").
    pub estimator: &'static str,
    /// Side on which studies are missing ("left" or "right").
    pub side: &'static str,
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Its standard error.
    pub se_k0: f64,
    /// The model fitted to observed plus filled studies (the original fit when k0 = 0).
    pub fit: Fit,
    /// Outcomes: observed studies first, then filled ones.
    pub yi_filled: Vec<f64>,
    /// Sampling variances in the same order.
    pub vi_filled: Vec<f64>,
    /// Whether each entry is filled.
    pub fill: Vec<bool>,
}

/// R's `rank(x, ties.method = "first")`, 1-based.
fn rank_first(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].partial_cmp(&x[b]).unwrap_or(std::cmp::Ordering::Equal));
    let mut r = vec![0.0; x.len()];
    for (pos, &i) in idx.iter().enumerate() {
        r[i] = (pos + 1) as f64;
    }
    r
}

/// Runs trim-and-fill on an intercept-only model.
pub fn trimfill(f: &Fit, maxiter: usize) -> Result<TrimFill, MetaError> {
    super::need_intercept_only(f, "trim-and-fill")?;
    // metafor's trimfill() refits without the model's `control`: its fits
    // use the default iteration limit and step length, not the model's.
    let base = FitOptions {
        method: f.opts.method,
        weighted: f.opts.weighted,
        skip_r2: true,
        budget: f.opts.budget.clone(),
        ..Default::default()
    };
    let with_w = |idx: &[usize]| -> FitOptions {
        let mut o = base.clone();
        o.weights = f.opts.weights.as_ref().map(|w| idx.iter().map(|&i| w[i]).collect());
        o
    };
    // Side from the sign of the sqrt(vi) slope.
    let rows: Vec<Vec<f64>> = f.vi.iter().map(|v| vec![1.0, v.sqrt()]).collect();
    let all: Vec<usize> = (0..f.k).collect();
    let slope = fit(
        &f.yi,
        &f.vi,
        Design::from_rows(vec!["intrcpt".into(), "sei".into()], &rows),
        &with_w(&all),
    )?;
    // With equal sampling variances (equal arm sizes) sqrt(vi) is collinear
    // with the intercept: the slope, and so the side, cannot be estimated
    // (metafor stops here too).
    let Some(slope_b) = slope.b.get(1).copied().filter(|b| b.is_finite()) else {
        return Err(MetaError::model(
            "trim-and-fill cannot estimate on which side studies are missing: the sampling variances are all equal (or too large to compute with), so the funnel has no slope",
        ));
    };
    let side = if slope_b < 0.0 { "right" } else { "left" };
    let sgn = if side == "right" { -1.0 } else { 1.0 };
    let y0: Vec<f64> = f.yi.iter().map(|y| sgn * y).collect();
    let mut ix: Vec<usize> = (0..f.k).collect();
    ix.sort_by(|&a, &b| y0[a].partial_cmp(&y0[b]).unwrap_or(std::cmp::Ordering::Equal));
    let yi: Vec<f64> = ix.iter().map(|&i| y0[i]).collect();
    let vi: Vec<f64> = ix.iter().map(|&i| f.vi[i]).collect();
    let k = f.k;
    let kf = k as f64;
    let (mut k0, mut k0_prev) = (0usize, usize::MAX);
    let mut se_k0 = 0.0;
    let mut beta = 0.0;
    let mut yi_c: Vec<f64> = Vec::new();
    let mut iter = 0;
    while k0 != k0_prev {
        k0_prev = k0;
        iter += 1;
        if iter > maxiter {
            return Err(MetaError::model("trim-and-fill did not converge"));
        }
        let keep = k - k0;
        let idx: Vec<usize> = ix[..keep].to_vec();
        let r = fit(&yi[..keep], &vi[..keep], Design::intercept(keep), &with_w(&idx))?;
        beta = r.b[0];
        yi_c = yi.iter().map(|y| y - beta).collect();
        let ranks = rank_first(&yi_c.iter().map(|v| v.abs()).collect::<Vec<_>>());
        let sr: f64 = (0..k).filter(|&i| yi_c[i] > 0.0).map(|i| ranks[i]).sum();
        let k0_raw = (4.0 * sr - kf * (kf + 1.0)) / (2.0 * kf - 1.0);
        let var_sr = 1.0 / 24.0
            * (kf * (kf + 1.0) * (2.0 * kf + 1.0) + 10.0 * k0_raw.powi(3) + 27.0 * k0_raw.powi(2) + 17.0 * k0_raw
                - 18.0 * kf * k0_raw.powi(2)
                - 18.0 * kf * k0_raw
                + 6.0 * kf * kf * k0_raw);
        se_k0 = (4.0 * var_sr.sqrt() / (2.0 * kf - 1.0)).max(0.0);
        // R's round() rounds half to even.
        let rounded = k0_raw.round_ties_even().max(0.0);
        k0 = rounded as usize;
        if k0 >= k {
            return Err(MetaError::model(
                "trim-and-fill estimated as many missing studies as observed ones",
            ));
        }
    }
    if k0 == 0 {
        return Ok(TrimFill {
            estimator: "L0",
            side,
            k0,
            se_k0,
            fit: f.clone(),
            yi_filled: f.yi.clone(),
            vi_filled: f.vi.clone(),
            fill: vec![false; k],
        });
    }
    // Filled values 2*beta - y (in the original direction) for the k0 largest.
    let filled_y: Vec<f64> = (k - k0..k).map(|i| sgn * (2.0 * beta - yi[i])).collect();
    let _ = &yi_c;
    let filled_v: Vec<f64> = (k - k0..k).map(|i| vi[i]).collect();
    let mut yf = f.yi.clone();
    yf.extend(&filled_y);
    let mut vf = f.vi.clone();
    vf.extend(&filled_v);
    let mut o = base.clone();
    o.test = Test::Z;
    o.level = 95.0;
    o.skip_r2 = false;
    o.weights = f.opts.weights.as_ref().map(|w| {
        let mut w2 = w.clone();
        w2.extend((k - k0..k).map(|i| w[ix[i]]));
        w2
    });
    let filled_fit = fit(&yf, &vf, Design::intercept(yf.len()), &o)?;
    let mut fill = vec![false; k];
    fill.extend(vec![true; k0]);
    Ok(TrimFill {
        estimator: "L0",
        side,
        k0,
        se_k0,
        fit: filled_fit,
        yi_filled: yf,
        vi_filled: vf,
        fill,
    })
}
