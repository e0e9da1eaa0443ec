//! Mantel-Haenszel (metafor's `rma.mh`, for OR, RR and RD) and Peto's
//! one-step method (`rma.peto`): equal-effects pooling straight from the
//! 2x2 tables, with Q computed around the pooled estimate from the
//! per-study yi/vi of `escalc`.

use crate::dist::{pchisq, pnorm, qnorm};
use crate::error::MetaError;
use crate::escalc::{escalc, Columns, EscalcOptions, Measure};
use crate::method::alpha_of_level;

/// Options of the table-based methods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MhOptions {
    /// yi/vi settings (measure, add, to, drop00) for the Q statistic.
    pub escalc: EscalcOptions,
    /// Continuity correction of the Cochran-Mantel-Haenszel test.
    pub correct: bool,
    /// Confidence level.
    pub level: f64,
}

/// Result of Mantel-Haenszel or Peto pooling; NaN = NA.
#[derive(Debug, Clone, PartialEq)]
pub struct MhFit {
    /// Tables with complete counts.
    pub k: usize,
    /// Studies with a finite yi/vi.
    pub k_yi: usize,
    /// Pooled estimate (log scale for OR/RR/PETO).
    pub b: f64,
    /// Its standard error.
    pub se: f64,
    /// z statistic.
    pub stat: f64,
    /// p-value.
    pub pval: f64,
    /// Confidence interval.
    pub ci_lb: f64,
    /// Confidence interval.
    pub ci_ub: f64,
    /// Heterogeneity statistic.
    pub qe: f64,
    /// Its p-value.
    pub qe_p: f64,
    /// I^2.
    pub i2: f64,
    /// H^2.
    pub h2: f64,
    /// The per-row outcomes used for Q, one per data row (metafor's `yi.f`):
    /// NaN where a table is incomplete or a double-zero table is dropped.
    pub yi: Vec<f64>,
    /// Their sampling variances (`vi.f`), likewise.
    pub vi: Vec<f64>,
    /// Weights in percent, one per data row (`weights()`): NaN for
    /// incomplete tables.
    pub weights_pct: Vec<f64>,
    /// Residuals, their standard errors and standardized residuals, one per
    /// data row (`rstandard()`): NaN where `yi` is.
    pub rstandard: (Vec<f64>, Vec<f64>, Vec<f64>),
    /// Cochran, CMH, Breslow-Day and Tarone tests (MH with OR only):
    /// `[CO, COp, MH, MHp, BD, BDp, TA, TAp]`, and the number of informative tables.
    pub or_tests: Option<([f64; 8], usize)>,
}

fn tables(cols: &Columns, n: usize) -> Result<Vec<Option<[f64; 4]>>, MetaError> {
    let get = |c: &str, i: usize| cols.get(c).and_then(|v| v[i]);
    Ok((0..n)
        .map(|i| {
            let a = get("ai", i)?;
            let c = get("ci", i)?;
            let b = get("bi", i).or_else(|| Some(get("n1i", i)? - a))?;
            let d = get("di", i).or_else(|| Some(get("n2i", i)? - c))?;
            Some([a, b, c, d])
        })
        .collect())
}

/// Pools the tables by Mantel-Haenszel (`peto = false`) or Peto.
pub fn mantel_haenszel(cols: &Columns, n: usize, o: &MhOptions, peto: bool) -> Result<MhFit, MetaError> {
    let m = o.escalc.measure;
    if peto && m != Measure::PETO {
        return Err(MetaError::model("--method PETO needs --measure PETO"));
    }
    if !peto && !matches!(m, Measure::OR | Measure::RR | Measure::RD) {
        return Err(MetaError::model(format!(
            "--method MH works with --measure OR, RR or RD (2x2 tables), not {m}"
        )));
    }
    let e = escalc(&o.escalc, cols, n)?;
    let rows = tables(cols, n)?;
    let t: Vec<[f64; 4]> = rows.iter().flatten().copied().collect();
    let k = t.len();
    if k == 0 {
        return Err(MetaError::model("no complete 2x2 table to analyse (k = 0)"));
    }
    let (yi, vi): (Vec<f64>, Vec<f64>) =
        e.yi.iter()
            .zip(&e.vi)
            .filter(|(y, v)| !y.is_nan() && !v.is_nan())
            .map(|(y, v)| (*y, *v))
            .unzip();
    let k_yi = yi.len();
    let sw: f64 = t.iter().map(|r| mh_weight(r, m, peto)).sum();
    let weights_pct: Vec<f64> = rows
        .iter()
        .map(|r| r.as_ref().map_or(f64::NAN, |t| mh_weight(t, m, peto) / sw * 100.0))
        .collect();
    let col = |j: usize| t.iter().map(|r| r[j]).collect::<Vec<f64>>();
    let (ai, bi, ci, di) = (col(0), col(1), col(2), col(3));
    let n1: Vec<f64> = (0..k).map(|i| ai[i] + bi[i]).collect();
    let n2: Vec<f64> = (0..k).map(|i| ci[i] + di[i]).collect();
    let nn: Vec<f64> = (0..k).map(|i| n1[i] + n2[i]).collect();
    let sum = |f: &dyn Fn(usize) -> f64| (0..k).map(f).sum::<f64>();
    let nan = f64::NAN;
    let mut or_tests = None;
    let (b, se, qe_override) = if peto {
        let xt: Vec<f64> = (0..k).map(|i| ai[i] + ci[i]).collect();
        let yt: Vec<f64> = (0..k).map(|i| bi[i] + di[i]).collect();
        let ei: Vec<f64> = (0..k).map(|i| xt[i] * n1[i] / nn[i]).collect();
        let vv: Vec<f64> = (0..k)
            .map(|i| xt[i] * yt[i] * (n1[i] / nn[i]) * (n2[i] / nn[i]) / (nn[i] - 1.0))
            .collect();
        let sv: f64 = vv.iter().filter(|v| v.is_finite()).sum();
        if sv == 0.0 {
            return Err(MetaError::model(
                "all tables have no events (or only events): Peto's method cannot pool them",
            ));
        }
        let oe = sum(&|i| ai[i] - ei[i]);
        let b = oe / sv;
        let kpos = vv.iter().filter(|v| **v > 0.0).count();
        let q1: f64 = (0..k)
            .filter(|&i| vv[i] > 0.0)
            .map(|i| (ai[i] - ei[i]).powi(2) / vv[i])
            .sum();
        let qe = (q1 - oe * oe / sv).max(0.0);
        (b, (1.0 / sv).sqrt(), Some((qe, kpos)))
    } else {
        match m {
            Measure::OR => {
                let r = sum(&|i| (ai[i] / nn[i]) * di[i]);
                let s = sum(&|i| (bi[i] / nn[i]) * ci[i]);
                let pi = |i: usize| ai[i] / nn[i] + di[i] / nn[i];
                let qi = |i: usize| bi[i] / nn[i] + ci[i] / nn[i];
                let ri = |i: usize| (ai[i] / nn[i]) * di[i];
                let si = |i: usize| (bi[i] / nn[i]) * ci[i];
                let (b, se, expb) = if r == 0.0 || s == 0.0 {
                    (nan, nan, nan)
                } else {
                    let se = (0.5
                        * (sum(&|i| pi(i) * ri(i)) / (r * r)
                            + sum(&|i| pi(i) * si(i) + qi(i) * ri(i)) / (r * s)
                            + sum(&|i| qi(i) * si(i)) / (s * s)))
                        .sqrt();
                    ((r / s).ln(), se, r / s)
                };
                let xt: Vec<f64> = (0..k).map(|i| ai[i] + ci[i]).collect();
                let yt: Vec<f64> = (0..k).map(|i| bi[i] + di[i]).collect();
                let cc = if o.correct { 0.5 } else { 0.0 };
                let (co, mh) = if xt.iter().sum::<f64>() == 0.0 || yt.iter().sum::<f64>() == 0.0 {
                    (nan, nan)
                } else {
                    let dev = (sum(&|i| ai[i] - (n1[i] / nn[i]) * xt[i]).abs() - cc).powi(2);
                    (
                        dev / sum(&|i| (n1[i] / nn[i]) * (n2[i] / nn[i]) * (xt[i] * (yt[i] / nn[i]))),
                        dev / sum(&|i| (n1[i] / nn[i]) * (n2[i] / nn[i]) * (xt[i] * (yt[i] / (nn[i] - 1.0)))),
                    )
                };
                let (bd, bdp, ta, tap, kpos) = if b.is_nan() {
                    (nan, nan, nan, nan, 0)
                } else {
                    let n11: Vec<f64> = (0..k)
                        .map(|i| {
                            if expb == 1.0 {
                                (n1[i] / nn[i]) * xt[i]
                            } else {
                                let a = expb * (n1[i] + xt[i]) + (n2[i] - xt[i]);
                                let bb = (a * a - 4.0 * n1[i] * xt[i] * expb * (expb - 1.0)).sqrt();
                                (a - bb) / (2.0 * (expb - 1.0))
                            }
                        })
                        .collect();
                    let pos: Vec<usize> = (0..k).filter(|&i| n11[i] > 0.0 && xt[i] > 0.0 && yt[i] > 0.0).collect();
                    let kpos = pos.len();
                    let inv = |i: usize| {
                        let (a11, a12, a21) = (n11[i], n1[i] - n11[i], xt[i] - n11[i]);
                        let a22 = n11[i] - n1[i] - xt[i] + nn[i];
                        1.0 / (1.0 / a11 + 1.0 / a12 + 1.0 / a21 + 1.0 / a22)
                    };
                    let bd = pos
                        .iter()
                        .map(|&i| (ai[i] - n11[i]).powi(2) / inv(i))
                        .sum::<f64>()
                        .max(0.0);
                    let dsum: f64 = pos.iter().map(|&i| ai[i] - n11[i]).sum();
                    let ta = (bd - dsum * dsum / pos.iter().map(|&i| inv(i)).sum::<f64>()).max(0.0);
                    let (bdp, tap) = if kpos > 1 {
                        (
                            pchisq(bd, (kpos - 1) as f64, false),
                            pchisq(ta, (kpos - 1) as f64, false),
                        )
                    } else {
                        (nan, nan)
                    };
                    (bd, bdp, ta, tap, kpos)
                };
                or_tests = Some((
                    [co, pchisq(co, 1.0, false), mh, pchisq(mh, 1.0, false), bd, bdp, ta, tap],
                    kpos,
                ));
                (b, se, None)
            }
            Measure::RR => {
                let r = sum(&|i| ai[i] * (n2[i] / nn[i]));
                let s = sum(&|i| ci[i] * (n1[i] / nn[i]));
                if ai.iter().sum::<f64>() == 0.0 || ci.iter().sum::<f64>() == 0.0 {
                    (nan, nan, None)
                } else {
                    let se = (sum(&|i| (n1[i] / nn[i]) * (n2[i] / nn[i]) * (ai[i] + ci[i]) - (ai[i] / nn[i]) * ci[i])
                        / (r * s))
                        .sqrt();
                    ((r / s).ln(), se, None)
                }
            }
            _ => {
                let w = sum(&|i| n1[i] * (n2[i] / nn[i]));
                let b = sum(&|i| ai[i] * (n2[i] / nn[i]) - ci[i] * (n1[i] / nn[i])) / w;
                let num = b * sum(&|i| {
                    ci[i] * (n1[i] / nn[i]).powi(2) - ai[i] * (n2[i] / nn[i]).powi(2)
                        + (n1[i] / nn[i]) * (n2[i] / nn[i]) * (n2[i] - n1[i]) / 2.0
                }) + sum(&|i| ai[i] * (n2[i] - ci[i]) / nn[i] + ci[i] * (n1[i] - ai[i]) / nn[i]) / 2.0;
                (b, (num / (w * w)).sqrt(), None)
            }
        }
    };
    let alpha = alpha_of_level(o.level);
    let crit = qnorm(alpha / 2.0, false);
    let stat = b / se;
    let dfq = k_yi as f64 - 1.0;
    let (qe, qe_p, i2, h2) = match qe_override {
        Some((qe, kpos)) => {
            if kpos > 1 {
                (qe, pchisq(qe, dfq, false), (100.0 * (qe - dfq) / qe).max(0.0), qe / dfq)
            } else {
                (qe, 1.0, 0.0, 1.0)
            }
        }
        None => {
            if k_yi > 1 {
                let qe = (0..k_yi).map(|i| (yi[i] - b).powi(2) / vi[i]).sum::<f64>().max(0.0);
                (qe, pchisq(qe, dfq, false), (100.0 * (qe - dfq) / qe).max(0.0), qe / dfq)
            } else {
                (0.0, 1.0, 0.0, 1.0)
            }
        }
    };
    let mut resid: Vec<f64> = e.yi.iter().map(|y| y - b).collect();
    for r in resid.iter_mut() {
        if r.abs() < 100.0 * f64::EPSILON {
            *r = 0.0;
        }
    }
    let se_r: Vec<f64> = e.vi.iter().map(|v| v.sqrt()).collect();
    let z: Vec<f64> = resid.iter().zip(&se_r).map(|(r, s)| r / s).collect();
    Ok(MhFit {
        k,
        k_yi,
        weights_pct,
        rstandard: (resid, se_r, z),
        b,
        se,
        stat,
        pval: 2.0 * pnorm(stat.abs(), false),
        ci_lb: b - crit * se,
        ci_ub: b + crit * se,
        qe,
        qe_p,
        i2,
        h2,
        yi: e.yi,
        vi: e.vi,
        or_tests,
    })
}

/// The weight metafor's `weights.rma.mh` / `weights.rma.peto` gives a table
/// `[a, b, c, d]`.
fn mh_weight(t: &[f64; 4], m: Measure, peto: bool) -> f64 {
    let [a, b, c, d] = *t;
    let (n1, n2) = (a + b, c + d);
    let nn = n1 + n2;
    if peto {
        return (a + c) * (b + d) * (n1 / nn) * (n2 / nn) / (nn - 1.0);
    }
    match m {
        Measure::OR => (b / nn) * c,
        Measure::RR => (c / nn) * n1,
        _ => (n1 / nn) * n2,
    }
}

/// Whether each data row's 2x2 table is complete (metafor's `not.na`).
pub fn complete_tables(cols: &Columns, n: usize) -> Result<Vec<bool>, MetaError> {
    Ok(tables(cols, n)?.iter().map(Option::is_some).collect())
}
