//! Probability distributions with R's accuracy (`pnorm`, `qnorm`, `pt`, `qt`,
//! `pchisq`, `qchisq`, `pf`, `pbeta`, `qbeta`).
//!
//! statrs 0.19 alone is not accurate enough (its normal tail uses truncated
//! constants and its `qt` loses all precision near the median), so this module
//! builds every function from the regularized incomplete beta and gamma
//! functions, computes the smaller tail directly and polishes quantiles with
//! Newton steps on the accurate cdf. Arguments outside the domain give `NaN`,
//! never a panic. The values are tested against R 4.2 in `tests/`.

use statrs::function::beta::{beta_reg, ln_beta};
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};

const SQRT_2: f64 = std::f64::consts::SQRT_2;
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Normal cumulative distribution; `lower = false` gives the upper tail.
pub fn pnorm(x: f64, lower: bool) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let z = if lower { -x } else { x };
    0.5 * libm::erfc(z / SQRT_2)
}

/// Standard normal density.
pub fn dnorm(x: f64) -> f64 {
    (-0.5 * x * x - LN_SQRT_2PI).exp()
}

/// Normal quantile (Wichura's AS 241, the algorithm R uses); `lower = false`
/// means `p` is an upper-tail probability.
pub fn qnorm(p: f64, lower: bool) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    // q = p - 0.5 in the lower-tail frame; r uses the smaller tail directly.
    let (p_low, p_up) = if lower { (p, 1.0 - p) } else { (1.0 - p, p) };
    let q = if lower { p - 0.5 } else { 0.5 - p };
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((r * 2509.080_928_730_122_7 + 33430.575_583_588_128) * r + 67265.770_927_008_7) * r
                + 45921.953_931_549_87)
                * r
                + 13731.693_765_509_461)
                * r
                + 1971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((r * 5226.495_278_852_545 + 28729.085_735_721_943) * r + 39307.895_800_092_71) * r
                + 21213.794_301_586_597)
                * r
                + 5394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let tail = p_low.min(p_up);
    if tail <= 0.0 {
        return if q < 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let mut r = (-tail.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((r * 7.745_450_142_783_414e-4 + 0.022_723_844_989_269_184) * r + 0.241_780_725_177_450_6) * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((r * 1.050_750_071_644_416_9e-9 + 5.475_938_084_995_345e-4) * r + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_08)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((r * 2.010_334_399_292_288_1e-7 + 2.711_555_568_743_487_6e-5) * r + 0.001_242_660_947_388_078_4) * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((r * 2.044_263_103_389_939_7e-15 + 1.421_511_758_316_446e-7) * r + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_888)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

/// The two accurate pieces of the t distribution at `t`: the tail beyond
/// |t| and the mass between 0 and |t| (each from its own incomplete beta,
/// so neither suffers cancellation).
fn t_parts(t: f64, df: f64) -> (f64, f64) {
    let t2 = t * t;
    let tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t2));
    let dev = 0.5 * beta_reg(0.5, df / 2.0, t2 / (df + t2));
    (tail, dev)
}

/// Student t cumulative distribution with `df` degrees of freedom.
pub fn pt(t: f64, df: f64, lower: bool) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if (t > 0.0) == lower { 1.0 } else { 0.0 };
    }
    if df.is_infinite() || df > 4e5 {
        // R's own choice for very large df: a corrected normal approximation.
        let v = 1.0 / (4.0 * df);
        return pnorm(t * (1.0 - v) / (1.0 + t * t * 2.0 * v).sqrt(), lower);
    }
    let (tail, dev) = t_parts(t, df);
    // The small side is `tail`; the large side is 0.5 + dev.
    let small_side = if tail < 0.25 { tail } else { 0.5 - dev };
    let large_side = if tail < 0.25 { 0.5 + dev } else { 1.0 - tail };
    if (t > 0.0) == lower {
        large_side
    } else {
        small_side
    }
}

/// Student t density.
pub fn dt(t: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return dnorm(t);
    }
    let lc = ln_gamma((df + 1.0) / 2.0) - ln_gamma(df / 2.0) - 0.5 * (df * std::f64::consts::PI).ln();
    (lc - (df + 1.0) / 2.0 * (t * t / df).ln_1p()).exp()
}

/// Student t quantile; `lower = false` means `p` is an upper-tail probability.
pub fn qt(p: f64, df: f64, lower: bool) -> f64 {
    if !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() || df > 1e10 {
        return qnorm(p, lower);
    }
    // Work with the upper tail probability q of the answer t.
    let q = if lower { 1.0 - p } else { p };
    if q == 0.5 {
        return 0.0;
    }
    if q == 0.0 {
        return f64::INFINITY;
    }
    if q == 1.0 {
        return f64::NEG_INFINITY;
    }
    // Solve in the smaller tail and reflect.
    let (qs, sign) = if q < 0.5 {
        (q, 1.0)
    } else {
        (if lower { p } else { 1.0 - p }, -1.0)
    };
    // Near the median, solve for the mass between 0 and t, which is known
    // exactly from the input (p - 0.5 is exact for p in [0.25, 0.75]).
    if (0.25..=0.75).contains(&p) {
        let dev_target = (p - 0.5).abs();
        let mut t = qnorm(0.5 + dev_target, true).max(f64::MIN_POSITIVE);
        for _ in 0..100 {
            let (_, dev) = t_parts(t, df);
            let next = t - (dev - dev_target) / dt(t, df);
            let next = if next <= 0.0 { t / 2.0 } else { next };
            let done = (next - t).abs() <= 2.0 * f64::EPSILON * t;
            t = next;
            if done {
                break;
            }
        }
        return if (p > 0.5) == lower { t } else { -t };
    }
    let mut t = if df == 1.0 {
        (std::f64::consts::PI * (0.5 - qs)).tan()
    } else if df == 2.0 {
        let a = 4.0 * qs * (1.0 - qs);
        (2.0 / a - 2.0).sqrt()
    } else {
        // Hill's/Cornish-Fisher style start from the normal quantile.
        let z = qnorm(qs, false);
        let g1 = (z.powi(3) + z) / 4.0;
        let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
        let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
        z + g1 / df + g2 / (df * df) + g3 / (df * df * df)
    };
    if !t.is_finite() || t <= 0.0 {
        t = 1.0;
    }
    newton_upper(&mut t, qs, |x| pt(x, df, false), |x| dt(x, df), 0.0);
    sign * t
}

/// Newton iterations for `upper(x) = target`, staying above `lo`; in log
/// scale for tiny tail probabilities.
fn newton_upper(x: &mut f64, target: f64, upper: impl Fn(f64) -> f64, dens: impl Fn(f64) -> f64, lo: f64) {
    let log_target = target.ln();
    for _ in 0..200 {
        let s = upper(*x);
        let d = dens(*x);
        if !(s > 0.0) || !(d > 0.0) {
            break;
        }
        // d/dx log S(x) = -f/S: Newton on the log scale is stable in both tails.
        let step = (s.ln() - log_target) * s / d;
        let mut next = *x + step;
        if next <= lo {
            next = (*x + lo) / 2.0;
        }
        let done = (next - *x).abs() <= 4.0 * f64::EPSILON * x.abs().max(f64::MIN_POSITIVE);
        *x = next;
        if done {
            break;
        }
    }
}

/// Chi-squared cumulative distribution.
pub fn pchisq(x: f64, df: f64, lower: bool) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return if lower { 0.0 } else { 1.0 };
    }
    if x.is_infinite() {
        return if lower { 1.0 } else { 0.0 };
    }
    if lower {
        gamma_lr(df / 2.0, x / 2.0)
    } else {
        gamma_ur(df / 2.0, x / 2.0)
    }
}

/// Chi-squared density.
pub fn dchisq(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let k = df / 2.0;
    ((k - 1.0) * x.ln() - x / 2.0 - k * std::f64::consts::LN_2 - ln_gamma(k)).exp()
}

/// Chi-squared quantile.
pub fn qchisq(p: f64, df: f64, lower: bool) -> f64 {
    if !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let q = if lower { 1.0 - p } else { p };
    if q == 1.0 {
        return 0.0;
    }
    if q == 0.0 {
        return f64::INFINITY;
    }
    // Wilson-Hilferty start.
    let z = qnorm(q, false);
    let h = 2.0 / (9.0 * df);
    let mut x = df * (1.0 - h + z * h.sqrt()).powi(3);
    if !(x > 0.0) || !x.is_finite() {
        // Small-x tail: P(X <= x) ~ (x/2)^(k) / Gamma(k+1).
        let k = df / 2.0;
        let pl = 1.0 - q;
        x = 2.0 * ((pl.ln() + ln_gamma(k + 1.0)) / k).exp();
        if !(x > 0.0) {
            x = 1e-300;
        }
    }
    if q > 0.5 {
        // Lower tail is the small one: Newton on log of the lower cdf.
        let pl = if lower { p } else { 1.0 - p };
        let log_target = pl.ln();
        for _ in 0..200 {
            let c = pchisq(x, df, true);
            let d = dchisq(x, df);
            if !(c > 0.0) || !(d > 0.0) {
                break;
            }
            let step = -(c.ln() - log_target) * c / d;
            let mut next = x + step;
            if next <= 0.0 {
                next = x / 2.0;
            }
            let done = (next - x).abs() <= 4.0 * f64::EPSILON * x;
            x = next;
            if done {
                break;
            }
        }
        x
    } else {
        newton_upper(&mut x, q, |v| pchisq(v, df, false), |v| dchisq(v, df), 0.0);
        x
    }
}

/// F cumulative distribution with `d1` and `d2` degrees of freedom.
pub fn pf(f: f64, d1: f64, d2: f64, lower: bool) -> f64 {
    if f.is_nan() || !(d1 > 0.0) || !(d2 > 0.0) {
        return f64::NAN;
    }
    if f <= 0.0 {
        return if lower { 0.0 } else { 1.0 };
    }
    if f.is_infinite() {
        return if lower { 1.0 } else { 0.0 };
    }
    if d2.is_infinite() {
        return pchisq(f * d1, d1, lower);
    }
    // Each tail from its own incomplete beta; a tail is only ever taken as
    // 1 - (other tail) when it is the larger one, so nothing cancels.
    let upper = beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f));
    let lower_v = beta_reg(d1 / 2.0, d2 / 2.0, d1 * f / (d2 + d1 * f));
    if lower {
        if lower_v < 0.5 {
            lower_v
        } else {
            1.0 - upper
        }
    } else if upper < 0.5 {
        upper
    } else {
        1.0 - lower_v
    }
}

/// Beta cumulative distribution; `lower = false` gives the upper tail
/// (computed directly, not as 1 - lower).
pub fn pbeta(x: f64, a: f64, b: f64, lower: bool) -> f64 {
    if x.is_nan() || !(a > 0.0) || !(b > 0.0) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return if lower { 0.0 } else { 1.0 };
    }
    if x >= 1.0 {
        return if lower { 1.0 } else { 0.0 };
    }
    if lower {
        beta_reg(a, b, x)
    } else {
        beta_reg(b, a, 1.0 - x)
    }
}

/// Beta density.
pub fn dbeta(x: f64, a: f64, b: f64) -> f64 {
    if !(x > 0.0 && x < 1.0) {
        return 0.0;
    }
    ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_beta(a, b)).exp()
}

/// Beta quantile (lower tail): the `x` with `pbeta(x, a, b) = p`.
/// Safeguarded Newton on the log of the smaller tail, inside a bracket
/// that shrinks every step, so it converges in both tails.
pub fn qbeta(p: f64, a: f64, b: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || !(a > 0.0) || !(b > 0.0) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    // Solve in the smaller tail: lower tail increasing in x, upper decreasing.
    let lower = p <= 0.5;
    let target = if lower { p } else { 1.0 - p };
    let log_target = target.ln();
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let mut x = (a / (a + b)).clamp(1e-3, 1.0 - 1e-3);
    for _ in 0..1000 {
        let f = pbeta(x, a, b, lower);
        // Too much mass in the tail: move towards the tail's end.
        if (f > target) == lower {
            hi = x;
        } else {
            lo = x;
        }
        let d = dbeta(x, a, b);
        let mut next = if f > 0.0 && d > 0.0 {
            let slope = if lower { d } else { -d };
            x - (f.ln() - log_target) * f / slope
        } else {
            f64::NAN
        };
        if !(next > lo && next < hi) {
            next = if lo > 0.0 && hi / lo > 4.0 {
                (lo * hi).sqrt()
            } else {
                0.5 * (lo + hi)
            };
        }
        let done = (next - x).abs() <= 4.0 * f64::EPSILON * x || hi - lo <= f64::EPSILON * hi;
        x = next;
        if done {
            break;
        }
    }
    x
}
