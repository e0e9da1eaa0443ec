//! Permutation tests (metafor's `permutest.rma.uni`): sign flips of the
//! outcomes for intercept-only models, permutations of the model-matrix
//! rows with moderators; exact enumeration or seeded random draws, run in
//! parallel with results that do not depend on the thread count.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::design::Design;
use crate::{fit, Fit, MetaError};

/// metafor's tolerance for ties between permuted and observed statistics.
const COMPTOL: f64 = 1.490_116_119_384_765_6e-8; // sqrt(.Machine$double.eps)

/// Largest number of permutations enumerated exactly.
pub const MAX_EXACT: f64 = 2e6;

/// Which permutations to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permutations {
    /// Every distinct permutation.
    Exact,
    /// This many random ones (the first is the observed data), unless the
    /// exact count is smaller, as in metafor.
    Random(usize),
}

/// Permutation p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct PermTest {
    /// Whether the test enumerated every permutation.
    pub exact: bool,
    /// Number of permutations.
    pub n_perm: usize,
    /// p-value per coefficient.
    pub pval: Vec<f64>,
    /// p-value of the omnibus test.
    pub qm_p: f64,
}

struct Stats {
    z: Vec<f64>,
    qm: f64,
}

/// Number of distinct permutations: 2^k sign flips, or the multinomial count
/// of distinct model-matrix rows.
fn exact_count(f: &Fit, groups: &[usize]) -> f64 {
    if f.x.is_intercept_only() {
        return 2f64.powi(f.k as i32);
    }
    let mut counts = std::collections::BTreeMap::new();
    for g in groups {
        *counts.entry(*g).or_insert(0usize) += 1;
    }
    let mut ln = statrs::function::factorial::ln_factorial(f.k as u64);
    for c in counts.values() {
        ln -= statrs::function::factorial::ln_factorial(*c as u64);
    }
    ln.exp().round()
}

/// Group index of each model-matrix row (equal rows share a group).
fn row_groups(x: &Design) -> Vec<usize> {
    let mut reps: Vec<usize> = Vec::new();
    (0..x.k)
        .map(|i| match reps.iter().position(|&r| x.row(r) == x.row(i)) {
            Some(g) => g,
            None => {
                reps.push(i);
                reps.len() - 1
            }
        })
        .collect()
}

/// The next lexicographic permutation of a multiset; false after the last.
fn next_permutation(v: &mut [usize]) -> bool {
    let n = v.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

/// `n` draws in parallel: draw 0 is the observed data, draw i uses its own
/// seeded stream (so results do not depend on the thread count); a draw
/// whose refit fails is replaced by a new one, as metafor does.
fn random_draws(
    n: usize,
    seed: u64,
    observed: impl Fn() -> Option<Stats> + Sync,
    draw: impl Fn(&mut Xoshiro256PlusPlus) -> Option<Stats> + Sync,
) -> Vec<Option<Stats>> {
    (0..n as u64)
        .into_par_iter()
        .map(|i| {
            if i == 0 {
                return observed();
            }
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(crate::seed::stream_seed(seed, i));
            (0..100).find_map(|_| draw(&mut rng))
        })
        .collect()
}

/// Runs the permutation test.
pub fn permutest(f: &Fit, perms: Permutations, seed: u64) -> Result<PermTest, MetaError> {
    if f.k < 2 {
        return Err(MetaError::model(format!(
            "a permutation test needs at least 2 studies (k = {})",
            f.k
        )));
    }
    let int_only = f.x.is_intercept_only();
    let groups = row_groups(&f.x);
    let count = exact_count(f, &groups);
    let (exact, n) = match perms {
        Permutations::Exact => (true, count),
        Permutations::Random(n) if (count as usize) <= n && count <= MAX_EXACT => (true, count),
        Permutations::Random(n) => {
            if n < 2 {
                return Err(MetaError::model("--permutations needs at least 2 permutations"));
            }
            (false, n as f64)
        }
    };
    if exact && count > MAX_EXACT {
        return Err(MetaError::model(format!(
            "exact enumeration would need {count:.0} permutations (limit {MAX_EXACT:.0}); give a number instead"
        )));
    }
    let n = n as usize;
    let mut opts = f.refit_options();
    opts.weights = f.opts.weights.clone();
    opts.btt = Some(if int_only { vec![1] } else { f.btt.clone() });
    let run = |y: &[f64], x: Design| -> Option<Stats> {
        fit(y, &f.vi, x, &opts)
            .ok()
            .filter(|r| r.dropped_coefs.is_empty())
            .map(|r| Stats { z: r.stat, qm: r.qm })
    };
    let stats: Vec<Option<Stats>> = if int_only {
        let flip = |signs: &dyn Fn(usize) -> bool| -> Vec<f64> {
            (0..f.k).map(|i| if signs(i) { -f.yi[i] } else { f.yi[i] }).collect()
        };
        if exact {
            (0..n as u64)
                .into_par_iter()
                .map(|mask| run(&flip(&|i| (mask >> i) & 1 == 1), Design::intercept(f.k)))
                .collect()
        } else {
            random_draws(
                n,
                seed,
                || run(&f.yi, Design::intercept(f.k)),
                |rng| {
                    let s: Vec<bool> = (0..f.k).map(|_| rng.random_bool(0.5)).collect();
                    run(&flip(&|j| s[j]), Design::intercept(f.k))
                },
            )
        }
    } else {
        let permuted = |order: &[usize]| -> Design {
            let rows: Vec<Vec<f64>> = order.iter().map(|&r| f.x.row(r).to_vec()).collect();
            Design::from_rows(f.x.names.clone(), &rows)
        };
        if exact {
            // Distinct assignments of row groups to positions.
            let reps: Vec<usize> = (0..*groups.iter().max().unwrap_or(&0) + 1)
                .map(|g| groups.iter().position(|&h| h == g).unwrap_or(0))
                .collect();
            let mut v = groups.clone();
            v.sort_unstable();
            let mut all = vec![v.clone()];
            while next_permutation(&mut v) {
                all.push(v.clone());
            }
            all.par_iter()
                .map(|assign| run(&f.yi, permuted(&assign.iter().map(|&g| reps[g]).collect::<Vec<_>>())))
                .collect()
        } else {
            random_draws(
                n,
                seed,
                || run(&f.yi, f.x.clone()),
                |rng| {
                    let mut order: Vec<usize> = (0..f.k).collect();
                    order.shuffle(rng);
                    run(&f.yi, permuted(&order))
                },
            )
        }
    };
    f.opts.budget.check()?;
    let ok: Vec<&Stats> = stats.iter().flatten().collect();
    let denom = ok.len() as f64;
    let pval = (0..f.p)
        .map(|j| {
            let obs = f.stat[j].abs() - COMPTOL;
            (ok.iter().filter(|s| s.z[j].abs() >= obs).count() as f64 / denom).min(1.0)
        })
        .collect();
    let qm_p = ok.iter().filter(|s| s.qm >= f.qm - COMPTOL).count() as f64 / denom;
    Ok(PermTest {
        exact,
        n_perm: stats.len(),
        pval,
        qm_p,
    })
}

#[cfg(test)]
mod tests {
    use super::next_permutation;

    #[test]
    fn multiset_permutations_are_distinct_and_complete() {
        let mut v = vec![0, 0, 1, 2];
        let mut n = 1;
        while next_permutation(&mut v) {
            n += 1;
        }
        assert_eq!(n, 12); // 4! / 2!
    }
}
