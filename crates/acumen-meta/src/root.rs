//! Brent's root finder with the exact stepping rules of R's `uniroot`
//! (`R_zeroin2`), so that estimates found with metafor's loose tolerance
//! (`.Machine$double.eps^0.25`) land on the same value as in R.

/// R's default `uniroot` tolerance as metafor uses it.
pub const R_UNIROOT_TOL: f64 = 1.220_703_125e-4; // 2^-13 = .Machine$double.eps^0.25

/// Outcome of a root search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    /// The root found.
    pub x: f64,
    /// Whether the tolerance was met within the iteration limit.
    pub converged: bool,
}

/// Finds a root of `f` in `[lower, upper]` given `f(lower)` and `f(upper)` of
/// opposite signs, as R's `uniroot(f, c(lower, upper), tol, maxiter)`.
pub fn zeroin(
    mut f: impl FnMut(f64) -> f64,
    lower: f64,
    upper: f64,
    f_lower: f64,
    f_upper: f64,
    tol: f64,
    maxiter: usize,
) -> Root {
    let eps = f64::EPSILON;
    let (mut a, mut b) = (lower, upper);
    let (mut fa, mut fb) = (f_lower, f_upper);
    let (mut c, mut fc) = (a, fa);
    if fa == 0.0 {
        return Root { x: a, converged: true };
    }
    if fb == 0.0 {
        return Root { x: b, converged: true };
    }
    for _ in 0..=maxiter {
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * eps * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return Root { x: b, converged: true };
        }
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                q = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < 0.75 * cb * q - (tol_act * q).abs() / 2.0 && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
        }
    }
    Root { x: b, converged: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sqrt_two_to_tolerance() {
        let f = |x: f64| x * x - 2.0;
        let r = zeroin(f, 0.0, 2.0, f(0.0), f(2.0), 1e-12, 100);
        assert!(r.converged);
        assert!((r.x - 2f64.sqrt()).abs() < 1e-11);
    }
}
