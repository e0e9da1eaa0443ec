//! The distribution of a positive weighted sum of independent χ²₁
//! variables, Q = Σ λⱼ Zⱼ² (λⱼ > 0): what the generalized Q-profile
//! interval of τ² needs (metafor gets it from CompQuadForm's `farebrother`,
//! Farebrother's AS 204, which sums Ruben's series). Here Ruben's series is
//! summed the same way: with β = min λ,
//!
//! P(Q ≤ q) = Σₖ cₖ F_{m+2k}(q / β),
//!
//! where F_ν is the χ² distribution function with ν degrees of freedom,
//! c₀ = Πⱼ √(β/λⱼ), cₖ = (1/k) Σ_{r<k} g_{k−r} c_r and gₖ = ½ Σⱼ (1 − β/λⱼ)ᵏ.
//! The cₖ are a probability distribution and F_{m+2k} falls with k, so the
//! rest of the series after term K is at most (1 − Σ_{k≤K} cₖ)·F_{m+2K+2}:
//! the sum stops when that bound is below [`ACCURACY`].

use statrs::function::gamma::ln_gamma;

use crate::dist::pchisq;
use crate::error::MetaError;

/// The absolute accuracy of the probabilities (CompQuadForm's default is 1e-10).
pub const ACCURACY: f64 = 1e-12;

/// Most terms of the series (CompQuadForm's default `maxit`).
pub const MAX_TERMS: usize = 100_000;

/// P(Σ λⱼ Zⱼ² > q), the area to the right of `q` (CompQuadForm's `Qq`).
pub fn upper_tail(q: f64, lambda: &[f64]) -> Result<f64, MetaError> {
    Ok(1.0 - lower_tail(q, lambda)?)
}

/// P(Σ λⱼ Zⱼ² ≤ q).
pub fn lower_tail(q: f64, lambda: &[f64]) -> Result<f64, MetaError> {
    if lambda.is_empty() || lambda.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
        return Err(MetaError::model(
            "the weighted sum of chi-squares needs positive, finite weights",
        ));
    }
    if !q.is_finite() {
        return Err(MetaError::model("the quadratic form is not a finite number"));
    }
    if q <= 0.0 {
        return Ok(0.0);
    }
    let m = lambda.len() as f64;
    let beta = lambda.iter().copied().fold(f64::INFINITY, f64::min);
    let a: Vec<f64> = lambda.iter().map(|l| 1.0 - beta / l).collect();
    let y = q / beta;
    // c_0 in logs, so that many weights do not underflow it.
    let c0 = lambda.iter().map(|l| 0.5 * (beta / l).ln()).sum::<f64>().exp();
    // F_m(y), then F_{ν+2}(y) = F_ν(y) − y^{ν/2} e^{−y/2} / (2^{ν/2} Γ(ν/2 + 1)).
    let mut f = pchisq(y, m, true);
    let mut term = ((m / 2.0) * (y / 2.0).ln() - y / 2.0 - ln_gamma(m / 2.0 + 1.0)).exp();
    let mut nu = m;
    let (mut c, mut g) = (vec![c0], vec![0.0]);
    let mut powers = a.clone();
    let (mut sum, mut mass) = (c0 * f, c0);
    for k in 1..MAX_TERMS {
        g.push(0.5 * powers.iter().sum::<f64>());
        powers.iter_mut().zip(&a).for_each(|(p, a)| *p *= a);
        let ck = (0..k).map(|r| g[k - r] * c[r]).sum::<f64>() / k as f64;
        c.push(ck);
        f = (f - term).max(0.0);
        nu += 2.0;
        term *= y / nu;
        sum += ck * f;
        mass += ck;
        // What the rest of the series can still add.
        if (1.0 - mass).max(0.0) * (f - term).max(0.0) < ACCURACY {
            return Ok(sum.clamp(0.0, 1.0));
        }
    }
    Err(MetaError::model(format!(
        "the distribution of the generalized Q statistic did not converge in {MAX_TERMS} terms (weights {:.3e} to {:.3e})",
        beta,
        lambda.iter().copied().fold(0.0, f64::max)
    )))
}
