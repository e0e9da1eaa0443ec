//! The `struct` of a `~ inner | outer` term (metafor's `struct =`): the
//! covariance G of the inner levels' effects within an outer level, written
//! as a linear combination of 0/1 bases so that the marginal covariance
//! stays linear in the parameters: ID (one variance), DIAG (one per level),
//! CS (a variance and a covariance), UN (every variance and covariance; HCS
//! is the same family at two inner levels). The maximum of the likelihood
//! does not depend on the parameterisation, so tau^2 and rho come out as
//! metafor's.

use crate::error::MetaError;
use crate::mv::blocks::Basis;
use crate::mv::reml::Kind;

/// metafor's structures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Struct {
    /// Compound symmetry (metafor's default).
    Cs,
    /// Heteroscedastic compound symmetry.
    Hcs,
    /// Unstructured.
    Un,
    /// Scaled identity.
    Id,
    /// Diagonal.
    Diag,
}

impl std::str::FromStr for Struct {
    type Err = MetaError;
    fn from_str(s: &str) -> Result<Self, MetaError> {
        Ok(match s {
            "CS" => Struct::Cs,
            "HCS" => Struct::Hcs,
            "UN" => Struct::Un,
            "ID" => Struct::Id,
            "DIAG" => Struct::Diag,
            other => {
                return Err(MetaError::Usage(format!(
                    "--struct {other}: use CS, HCS, UN, ID or DIAG (AR, CAR, SP* and GEN structures are not supported)"
                )))
            }
        })
    }
}

impl std::fmt::Display for Struct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Struct::Cs => "CS",
            Struct::Hcs => "HCS",
            Struct::Un => "UN",
            Struct::Id => "ID",
            Struct::Diag => "DIAG",
        })
    }
}

/// The pairs (a, b), a < b, in metafor's order of `rho` (G's lower triangle by columns).
fn pairs(q: usize) -> Vec<(usize, usize)> {
    (0..q).flat_map(|b| (b + 1..q).map(move |a| (b, a))).collect()
}

/// The parameters of `s` over `q` inner levels: their bases and kinds.
pub fn bases<'a>(
    s: Struct,
    q: usize,
    outer: &'a [usize],
    inner: &'a [usize],
) -> Result<Vec<(Basis<'a>, Kind)>, MetaError> {
    let var = |a| (Basis::Pair { outer, inner, a, b: a }, Kind::Var);
    Ok(match s {
        Struct::Id => vec![(Basis::SameInner { outer, inner }, Kind::Var)],
        Struct::Diag => (0..q).map(var).collect(),
        Struct::Cs => vec![(Basis::SameInner { outer, inner }, Kind::Var), (Basis::DiffInner { outer, inner }, Kind::Cov)],
        Struct::Hcs if q > 2 => {
            return Err(MetaError::Usage(format!(
                "--struct HCS with {q} inner levels is not supported yet (with 2 it is UN's family and is fitted); use UN or CS"
            )))
        }
        Struct::Un | Struct::Hcs => {
            let mut v: Vec<(Basis, Kind)> = (0..q).map(var).collect();
            v.extend(pairs(q).into_iter().map(|(a, b)| (Basis::Pair { outer, inner, a, b }, Kind::Cov)));
            v
        }
    })
}

/// Whether the parameters `t` (the struct's part) give correlations in [-1, 1].
pub fn admissible(s: Struct, q: usize, t: &[f64]) -> bool {
    let ok = |c: f64, va: f64, vb: f64| c.abs() <= (va * vb).sqrt() * (1.0 + 1e-12);
    match s {
        Struct::Cs => ok(t[1], t[0], t[0]),
        Struct::Un | Struct::Hcs => pairs(q).iter().enumerate().all(|(i, &(a, b))| ok(t[q + i], t[a], t[b])),
        Struct::Id | Struct::Diag => true,
    }
}

/// metafor's `tau2` and `rho` from the struct's parameters.
pub fn tau2_rho(s: Struct, q: usize, t: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let corr = |c: f64, va: f64, vb: f64| {
        if va > 0.0 && vb > 0.0 {
            c / (va * vb).sqrt()
        } else {
            0.0
        }
    };
    match s {
        Struct::Id => (vec![t[0]], vec![0.0]),
        Struct::Diag => (t.to_vec(), vec![0.0]),
        Struct::Cs => (vec![t[0]], vec![corr(t[1], t[0], t[0])]),
        Struct::Un | Struct::Hcs => (
            t[..q].to_vec(),
            pairs(q)
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| corr(t[q + i], t[a], t[b]))
                .collect(),
        ),
    }
}

/// Starting values: each variance `start`, covariances at half the
/// geometric mean of their variances (metafor starts rho at 0.5).
pub fn start(s: Struct, q: usize, start: f64) -> Vec<f64> {
    match s {
        Struct::Id => vec![start],
        Struct::Diag => vec![start; q],
        Struct::Cs => vec![start, 0.5 * start],
        Struct::Un | Struct::Hcs => {
            let mut v = vec![start; q];
            v.extend(pairs(q).iter().map(|_| 0.5 * start));
            v
        }
    }
}

/// A struct's parameters after the user's fixed values: bases and kinds,
/// the fixed value of each parameter (`None` = estimate), and for CS with a
/// fixed rho (and an estimated tau^2) that rho, folded into one basis.
pub type Fixed<'a> = (Vec<(Basis<'a>, Kind)>, Vec<Option<f64>>, Option<f64>);

/// Applies `--tau2` (one value per tau^2, `None` = estimate) and `--rho`
/// (one value, for every rho) to the struct's parameters.
pub fn fix<'a>(
    s: Struct,
    q: usize,
    outer: &'a [usize],
    inner: &'a [usize],
    tau2: Option<&[Option<f64>]>,
    rho: Option<f64>,
) -> Result<Fixed<'a>, MetaError> {
    let bases = bases(s, q, outer, inner)?;
    let n_tau = match s {
        Struct::Id | Struct::Cs => 1,
        _ => q,
    };
    let usage = |m: String| MetaError::Usage(m);
    let tau: Vec<Option<f64>> = match tau2 {
        None => vec![None; n_tau],
        Some(t) if t.len() == n_tau => t.to_vec(),
        Some(t) => {
            return Err(usage(format!(
                "--tau2 gives {} values but struct {s} has {n_tau} tau^2 here",
                t.len()
            )))
        }
    };
    if let Some(bad) = tau.iter().flatten().find(|v| !(**v >= 0.0) || !v.is_finite()) {
        return Err(usage(format!("--tau2: a fixed variance must be >= 0, got {bad}")));
    }
    if let Some(r) = rho {
        if !(-1.0..=1.0).contains(&r) {
            return Err(usage(format!("--rho {r}: a correlation must lie in [-1, 1]")));
        }
    }
    Ok(match (s, rho) {
        (Struct::Id | Struct::Diag, Some(_)) => {
            return Err(usage(format!("--rho: struct {s} has no correlation to fix")))
        }
        (Struct::Id | Struct::Diag, None) => {
            let n = bases.len();
            (
                bases,
                tau.into_iter().chain(std::iter::repeat(None)).take(n).collect(),
                None,
            )
        }
        (Struct::Cs, None) => (bases, vec![tau[0], None], None),
        (Struct::Cs, Some(r)) => match tau[0] {
            Some(t) => (bases, vec![Some(t), Some(r * t)], None),
            None => (
                vec![(Basis::CsFixed { outer, inner, rho: r }, Kind::Var)],
                vec![None],
                Some(r),
            ),
        },
        (Struct::Un | Struct::Hcs, None) => {
            let mut f = tau.clone();
            f.extend(pairs(q).iter().map(|_| None));
            (bases, f, None)
        }
        (Struct::Un | Struct::Hcs, Some(r)) => {
            if tau.iter().any(Option::is_none) {
                return Err(usage(format!(
                    "--rho with struct {s}: fix every tau^2 too (--tau2 \"v1,v2\"), or use --struct CS; a fixed rho with estimated variances is not supported for {s}"
                )));
            }
            let t: Vec<f64> = tau.iter().flatten().copied().collect();
            let mut f: Vec<Option<f64>> = tau.clone();
            f.extend(pairs(q).iter().map(|&(a, b)| Some(r * (t[a] * t[b]).sqrt())));
            (bases, f, None)
        }
    })
}
