//! The effect-size measures metafor users reach for after the classic ones,
//! with metafor 3.8's formulas and defaults: PFT (Freeman–Tukey double
//! arcsine of a proportion; `add` 0), IRD, IRLN, IRS and IRFT (incidence
//! rates; `add` 1/2 where a count is zero for IRD and IRLN, 0 for IRS and
//! IRFT), ROMC (log ratio of matched means), MNLN (log mean), CVR and VR
//! (log ratios of coefficients of variation and of variabilities), UCOR
//! (the Olkin–Pratt unbiased correlation, with LS or UB variances). The
//! inverse of PFT for pooled values is [`ipft_hm`] (metafor's
//! `transf.ipft.hm`).

use crate::escalc::{bad, check_min, corrections, EscalcOptions, Input, Measure, Out};

/// Computes `o.measure` (one of this file's) for every row.
pub(crate) fn more(o: &EscalcOptions, inp: &Input) -> Out {
    let n = inp.n;
    let (mut yi, mut vi) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    let g = |c: &str, i: usize| inp.get(c, i);
    match o.measure {
        Measure::PFT => {
            for i in 0..n {
                check_min(g("xi", i), i, "xi", 0.0, false, "event counts must be >= 0")?;
                check_min(g("ni", i), i, "ni", 1.0, false, "sample sizes must be >= 1")?;
                if let (Some(x), Some(m)) = (g("xi", i), g("ni", i)) {
                    if x > m {
                        return Err(bad(i, "xi", format!("xi = {x} is larger than ni = {m}")));
                    }
                    let add = o.add.unwrap_or(0.0);
                    let fix = corrections(o.to, &[x == 0.0 || x == m])[0];
                    let (x, m) = if fix { (x + add, m + 2.0 * add) } else { (x, m) };
                    yi[i] = pft(x, m);
                    vi[i] = 1.0 / (4.0 * m + 2.0);
                }
            }
        }
        Measure::IRD => {
            let add = o.add.unwrap_or(0.5);
            let rows: Vec<Option<(f64, f64, f64, f64)>> = (0..n)
                .map(|i| {
                    for c in ["x1i", "x2i"] {
                        check_min(g(c, i), i, c, 0.0, false, "event counts must be >= 0")?;
                    }
                    for c in ["t1i", "t2i"] {
                        check_min(g(c, i), i, c, 0.0, true, "person-times must be > 0")?;
                    }
                    Ok(match (g("x1i", i), g("t1i", i), g("x2i", i), g("t2i", i)) {
                        (Some(a), Some(b), Some(c), Some(d)) if !(o.drop00 && a == 0.0 && c == 0.0) => {
                            Some((a, b, c, d))
                        }
                        _ => None,
                    })
                })
                .collect::<Result<_, crate::MetaError>>()?;
            let zero: Vec<bool> = rows
                .iter()
                .map(|r| r.is_some_and(|(a, _, c, _)| a == 0.0 || c == 0.0))
                .collect();
            let fix = corrections(o.to, &zero);
            for i in 0..n {
                let Some((mut x1, t1, mut x2, t2)) = rows[i] else {
                    continue;
                };
                if fix[i] {
                    x1 += add;
                    x2 += add;
                }
                let (r1, r2) = (x1 / t1, x2 / t2);
                yi[i] = r1 - r2;
                vi[i] = r1 / t1 + r2 / t2;
            }
        }
        Measure::IRLN | Measure::IRS | Measure::IRFT => {
            let add = o.add.unwrap_or(if o.measure == Measure::IRLN { 0.5 } else { 0.0 });
            let rows: Vec<Option<(f64, f64)>> = (0..n)
                .map(|i| {
                    check_min(g("xi", i), i, "xi", 0.0, false, "event counts must be >= 0")?;
                    check_min(g("ti", i), i, "ti", 0.0, true, "person-times must be > 0")?;
                    Ok(g("xi", i).zip(g("ti", i)))
                })
                .collect::<Result<_, crate::MetaError>>()?;
            let zero: Vec<bool> = rows.iter().map(|r| r.is_some_and(|(x, _)| x == 0.0)).collect();
            let fix = corrections(o.to, &zero);
            for i in 0..n {
                let Some((mut x, t)) = rows[i] else { continue };
                if fix[i] && o.measure != Measure::IRFT {
                    x += add;
                }
                let ir = x / t;
                (yi[i], vi[i]) = match o.measure {
                    Measure::IRLN => (ir.ln(), 1.0 / x),
                    Measure::IRS => (ir.sqrt(), 1.0 / (4.0 * t)),
                    _ => (0.5 * (ir.sqrt() + (ir + 1.0 / t).sqrt()), 1.0 / (4.0 * t)),
                };
            }
        }
        Measure::ROMC => {
            for i in 0..n {
                for c in ["sd1i", "sd2i"] {
                    check_min(g(c, i), i, c, 0.0, true, "standard deviations must be > 0")?;
                }
                check_min(g("ni", i), i, "ni", 2.0, false, "sample sizes must be >= 2")?;
                if let Some(r) = g("ri", i) {
                    if !(-1.0..=1.0).contains(&r) {
                        return Err(bad(
                            i,
                            "ri",
                            format!("ri = {r} is not a correlation (between -1 and 1)"),
                        ));
                    }
                }
                if let (Some(m1), Some(m2), Some(s1), Some(s2), Some(m), Some(r)) = (
                    g("m1i", i),
                    g("m2i", i),
                    g("sd1i", i),
                    g("sd2i", i),
                    g("ni", i),
                    g("ri", i),
                ) {
                    yi[i] = (m1 / m2).ln();
                    vi[i] = s1 * s1 / (m * m1 * m1) + s2 * s2 / (m * m2 * m2) - 2.0 * r * s1 * s2 / (m1 * m2 * m);
                }
            }
        }
        Measure::UCOR => {
            for i in 0..n {
                check_min(g("ni", i), i, "ni", 0.0, true, "sample sizes must be > 0")?;
                if let Some(r) = g("ri", i) {
                    if !(-1.0..=1.0).contains(&r) {
                        return Err(bad(
                            i,
                            "ri",
                            format!("ri = {r} is not a correlation (between -1 and 1)"),
                        ));
                    }
                }
                if let (Some(r), Some(m)) = (g("ri", i), g("ni", i)) {
                    let x = 1.0 - r * r;
                    let y = r * hyp2f1(0.5, 0.5, (m - 2.0) / 2.0, x);
                    yi[i] = y;
                    vi[i] = match o.vtype {
                        crate::escalc::VType::LS => (1.0 - y * y).powi(2) / (m - 1.0),
                        crate::escalc::VType::UB => {
                            y * y - (1.0 - (m - 3.0) / (m - 2.0) * x * hyp2f1(1.0, 1.0, m / 2.0, x))
                        }
                    };
                }
            }
        }
        Measure::MNLN => {
            for i in 0..n {
                check_min(g("sdi", i), i, "sdi", 0.0, true, "standard deviations must be > 0")?;
                check_min(g("ni", i), i, "ni", 2.0, false, "sample sizes must be >= 2")?;
                if let (Some(m), Some(s), Some(k)) = (g("mi", i), g("sdi", i), g("ni", i)) {
                    yi[i] = m.ln();
                    vi[i] = s * s / (k * m * m);
                }
            }
        }
        _ => {
            // CVR and VR: two groups' means, SDs and sizes.
            for i in 0..n {
                for c in ["sd1i", "sd2i"] {
                    check_min(g(c, i), i, c, 0.0, true, "standard deviations must be > 0")?;
                }
                for c in ["n1i", "n2i"] {
                    check_min(g(c, i), i, c, 2.0, false, "group sizes must be >= 2")?;
                }
                if let (Some(m1), Some(s1), Some(n1), Some(m2), Some(s2), Some(n2)) = (
                    g("m1i", i),
                    g("sd1i", i),
                    g("n1i", i),
                    g("m2i", i),
                    g("sd2i", i),
                    g("n2i", i),
                ) {
                    let (c1, c2) = (1.0 / (2.0 * (n1 - 1.0)), 1.0 / (2.0 * (n2 - 1.0)));
                    (yi[i], vi[i]) = if o.measure == Measure::CVR {
                        (
                            (s1 / m1).ln() + c1 - (s2 / m2).ln() - c2,
                            c1 + s1 * s1 / (n1 * m1 * m1) + c2 + s2 * s2 / (n2 * m2 * m2),
                        )
                    } else {
                        ((s1 / s2).ln() + c1 - c2, c1 + c2)
                    };
                }
            }
        }
    }
    Ok((yi, vi))
}

/// Gauss's hypergeometric function 2F1(a, b; c; x) for 0 <= x <= 1 and
/// c > a + b (NaN otherwise, as metafor's `.Fcalc`), by its series.
pub fn hyp2f1(a: f64, b: f64, c: f64, x: f64) -> f64 {
    if !(c > a + b) || !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    let (mut sum, mut term) = (1.0_f64, 1.0_f64);
    for k in 0..20_000_000u32 {
        let kf = f64::from(k);
        term *= (a + kf) * (b + kf) / ((c + kf) * (kf + 1.0)) * x;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    sum
}

/// The Freeman–Tukey double arcsine of `x` events in `n`.
pub fn pft(x: f64, n: f64) -> f64 {
    0.5 * ((x / (n + 1.0)).sqrt().asin() + ((x + 1.0) / (n + 1.0)).sqrt().asin())
}

/// metafor's `transf.ipft.hm`: a pooled double-arcsine value back to a
/// proportion with the harmonic mean of the studies' sample sizes.
pub fn ipft_hm(x: f64, ni: &[f64]) -> f64 {
    let used: Vec<f64> = ni.iter().copied().filter(|v| v.is_finite()).collect();
    let nhm = 1.0 / (used.iter().map(|v| 1.0 / v).sum::<f64>() / used.len() as f64);
    if x > pft(nhm, nhm) {
        return 1.0;
    }
    if x < pft(0.0, nhm) {
        return 0.0;
    }
    let s = (2.0 * x).sin();
    let z = 0.5 * (1.0 - (2.0 * x).cos().signum() * (1.0 - (s + (s - 1.0 / s) / nhm).powi(2)).sqrt());
    if z.is_nan() {
        f64::NAN
    } else {
        z
    }
}
