//! Properties that hold for any data.

use acumen_meta::{fit, Design, FitOptions, Method};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tau2_nonnegative_and_ci_contains_estimate(
        data in prop::collection::vec((-3.0f64..3.0, 0.001f64..2.0), 2..30),
        m in 0usize..14,
    ) {
        let method = Method::ALL[m];
        let yi: Vec<f64> = data.iter().map(|d| d.0).collect();
        let vi: Vec<f64> = data.iter().map(|d| d.1).collect();
        let o = FitOptions { method, maxiter: 1000, ..Default::default() };
        if let Ok(f) = fit(&yi, &vi, Design::intercept(yi.len()), &o) {
            prop_assert!(f.tau2 >= 0.0);
            prop_assert!(f.ci_lb[0] <= f.b[0] && f.b[0] <= f.ci_ub[0]);
            prop_assert!((f.weights_pct.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        }
    }

    #[test]
    fn permuting_studies_changes_nothing(data in prop::collection::vec((-3.0f64..3.0, 0.01f64..2.0), 3..15)) {
        let yi: Vec<f64> = data.iter().map(|d| d.0).collect();
        let vi: Vec<f64> = data.iter().map(|d| d.1).collect();
        let a = fit(&yi, &vi, Design::intercept(yi.len()), &FitOptions::default());
        let (ry, rv): (Vec<f64>, Vec<f64>) = (yi.iter().rev().copied().collect(), vi.iter().rev().copied().collect());
        let b = fit(&ry, &rv, Design::intercept(yi.len()), &FitOptions::default());
        if let (Ok(a), Ok(b)) = (a, b) {
            prop_assert!((a.b[0] - b.b[0]).abs() <= 1e-9 * (1.0 + a.b[0].abs()));
            prop_assert!((a.tau2 - b.tau2).abs() <= 1e-7 * (1.0 + a.tau2));
        }
    }
}
