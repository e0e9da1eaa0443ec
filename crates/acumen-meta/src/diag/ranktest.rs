//! Begg and Mazumdar's rank correlation test (metafor's `ranktest`):
//! Kendall's tau between standardized effects and their variances, with
//! the exact p-value when there are no ties (R's `cor.test`).

use crate::dist::pnorm;
use crate::{Fit, MetaError};

/// Kendall's tau and its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    /// Kendall's tau (tau-b).
    pub tau: f64,
    /// Two-sided p-value.
    pub pval: f64,
    /// Whether the p-value is exact.
    pub exact: bool,
}

/// Number of permutations of n items with at most q inversions, divided by n!.
fn pkendall(q: i64, n: usize) -> f64 {
    let max = n * (n - 1) / 2;
    if q < 0 {
        return 0.0;
    }
    if q as usize >= max {
        return 1.0;
    }
    // counts[j] = number of permutations of the first m items with j
    // inversions, scaled by 1/m! as we go to stay finite.
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for m in 2..=n {
        let mut next = vec![0.0f64; max + 1];
        let top = m * (m - 1) / 2;
        let mut window = 0.0;
        for j in 0..=top {
            window += counts[j];
            if j >= m {
                window -= counts[j - m];
            }
            next[j] = window / m as f64;
        }
        counts = next;
    }
    counts[..=q as usize].iter().sum::<f64>().min(1.0)
}

/// Runs the test on the studies of `f`.
pub fn ranktest(f: &Fit) -> Result<RankTest, MetaError> {
    let n = f.k;
    if n < 2 {
        return Err(MetaError::model(format!(
            "the rank correlation test needs at least 2 studies (k = {n})"
        )));
    }
    let w: Vec<f64> = f.vi.iter().map(|v| 1.0 / v).collect();
    let sw: f64 = w.iter().sum();
    let theta = w.iter().zip(&f.yi).map(|(w, y)| w * y).sum::<f64>() / sw;
    let vb = 1.0 / sw;
    let x: Vec<f64> = (0..n).map(|i| (f.yi[i] - theta) / (f.vi[i] - vb).sqrt()).collect();
    let y = &f.vi;
    let (mut s, mut tx, mut ty) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        for j in (i + 1)..n {
            let a = (x[i] - x[j]).signum() * if x[i] == x[j] { 0.0 } else { 1.0 };
            let b = (y[i] - y[j]).signum() * if y[i] == y[j] { 0.0 } else { 1.0 };
            s += a * b;
            if a == 0.0 {
                tx += 1.0;
            }
            if b == 0.0 {
                ty += 1.0;
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as f64;
    let tau = s / ((n0 - tx) * (n0 - ty)).sqrt();
    if !tau.is_finite() {
        return Ok(RankTest {
            tau: f64::NAN,
            pval: f64::NAN,
            exact: false,
        });
    }
    let ties = tx > 0.0 || ty > 0.0;
    // metafor asks cor.test for the exact p-value whenever there are no ties;
    // beyond 1,000 studies the O(n^3) recursion gives way to the normal approximation.
    if n <= 1000 && !ties {
        let q = ((tau + 1.0) * n as f64 * (n as f64 - 1.0) / 4.0).round() as i64;
        let p = if q as f64 > n as f64 * (n as f64 - 1.0) / 4.0 {
            1.0 - pkendall(q - 1, n)
        } else {
            pkendall(q, n)
        };
        return Ok(RankTest {
            tau,
            pval: (2.0 * p).min(1.0),
            exact: true,
        });
    }
    let tie_groups = |v: &[f64]| -> Vec<f64> {
        let mut s = v.to_vec();
        s.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        let mut groups = Vec::new();
        let mut run = 1.0;
        for i in 1..s.len() {
            if s[i] == s[i - 1] {
                run += 1.0;
            } else {
                if run > 1.0 {
                    groups.push(run);
                }
                run = 1.0;
            }
        }
        if run > 1.0 {
            groups.push(run);
        }
        groups
    };
    let (xt, yt) = (tie_groups(&x), tie_groups(y));
    let nf = n as f64;
    let sum = |g: &[f64], f: &dyn Fn(f64) -> f64| g.iter().map(|&t| f(t)).sum::<f64>();
    let t1 = sum(&xt, &|t| t * (t - 1.0)) / 2.0;
    let t2 = sum(&yt, &|t| t * (t - 1.0)) / 2.0;
    let s_stat = tau * ((n0 - t1) * (n0 - t2)).sqrt();
    let v0 = nf * (nf - 1.0) * (2.0 * nf + 5.0);
    let vt = sum(&xt, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
    let vu = sum(&yt, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
    let v1 = sum(&xt, &|t| t * (t - 1.0)) * sum(&yt, &|t| t * (t - 1.0));
    let v2 = sum(&xt, &|t| t * (t - 1.0) * (t - 2.0)) * sum(&yt, &|t| t * (t - 1.0) * (t - 2.0));
    let var_s = (v0 - vt - vu) / 18.0 + v1 / (2.0 * nf * (nf - 1.0)) + v2 / (9.0 * nf * (nf - 1.0) * (nf - 2.0));
    let z = s_stat / var_s.sqrt();
    let pval = 2.0 * pnorm(z, true).min(pnorm(z, false));
    Ok(RankTest {
        tau,
        pval,
        exact: false,
    })
}

#[cfg(test)]
mod tests {
    use super::pkendall;

    #[test]
    fn kendall_distribution_by_hand() {
        // n = 3: inversion counts 0,1,1,2,2,3 over 6 permutations.
        assert!((pkendall(0, 3) - 1.0 / 6.0).abs() < 1e-15);
        assert!((pkendall(1, 3) - 3.0 / 6.0).abs() < 1e-15);
        assert!((pkendall(2, 3) - 5.0 / 6.0).abs() < 1e-15);
        assert_eq!(pkendall(3, 3), 1.0);
    }
}
