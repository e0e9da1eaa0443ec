//! Degrees of freedom of t tests in multilevel models.

use crate::design::Design;

/// metafor's `dfs = "contain"`: for each coefficient, the fewest levels among
/// the groupings within whose every level its column is constant (k when
/// none), minus p, at least 1.
pub(super) fn contain_ddf(x: &Design, groupings: &[(&[usize], usize)]) -> Vec<usize> {
    let (k, p) = (x.k, x.p);
    (0..p)
        .map(|j| {
            let mut best = k;
            for (codes, nlevels) in groupings {
                let mut first: Vec<Option<f64>> = vec![None; *nlevels];
                let constant = (0..k).all(|i| {
                    let v = x.row(i)[j];
                    match first[codes[i]] {
                        None => {
                            first[codes[i]] = Some(v);
                            true
                        }
                        Some(f) => f == v,
                    }
                });
                if constant {
                    best = best.min(*nlevels);
                }
            }
            best.saturating_sub(p).max(1)
        })
        .collect()
}
