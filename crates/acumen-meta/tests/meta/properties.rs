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

#[test]
fn random_permutations_do_not_depend_on_thread_count() {
    use acumen_meta::diag::permutest::{permutest, Permutations};
    let yi = [
        -0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47, -1.37, -0.34, 0.45, -0.02,
    ];
    let vi = [
        0.33, 0.19, 0.42, 0.02, 0.05, 0.01, 0.22, 0.004, 0.06, 0.07, 0.01, 0.53, 0.07,
    ];
    let o = FitOptions {
        method: Method::DL,
        ..Default::default()
    };
    let f = fit(&yi, &vi, Design::intercept(13), &o).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| permutest(&f, Permutations::Random(500), 2024).unwrap())
    };
    let (one, two, four) = (run(1), run(2), run(4));
    assert_eq!(one, two);
    assert_eq!(one, four);
    assert!(!one.exact && one.n_perm == 500);
}

#[test]
fn simulation_is_reproducible_across_thread_counts_and_plausible() {
    use acumen_meta::simulate::{simulate, Scenario};
    use acumen_meta::Test;
    let s = Scenario {
        k: 10,
        n_min: 20,
        n_max: 100,
        effect: 0.5,
        tau2: 0.1,
        reps: 2000,
        seed: 11,
        fit: FitOptions {
            test: Test::Knha,
            skip_r2: true,
            ..Default::default()
        },
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate(&s, &|_| {}).unwrap())
    };
    let (a, b) = (run(1), run(3));
    assert_eq!(a, b);
    assert_eq!(a.nonconverged, 0);
    // Hedges' g is (nearly) unbiased and Knapp-Hartung intervals hold their level:
    // with 2,000 replicates the coverage's standard error is sqrt(.95 * .05 / 2000) = 0.005.
    assert!(a.bias.abs() < 0.02, "bias {}", a.bias);
    assert!((a.ci_coverage - 0.95).abs() < 0.02, "coverage {}", a.ci_coverage);
    assert!(a.tau2_quantiles.windows(2).all(|w| w[0] <= w[1]));
    let bad = Scenario { k: 1, ..s };
    assert!(simulate(&bad, &|_| {}).is_err());
}

#[test]
fn large_fits_do_not_depend_on_the_thread_count() {
    // Above 32,768 studies the intercept-only sums run in chunks on the
    // rayon pool; the chunks are fixed and combined in order.
    let k = 200_000;
    let (yi, vi) = acumen_meta::simulate::synthetic_yivi(k, 7);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fit(&yi, &vi, Design::intercept(k), &FitOptions::default()).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.tau2.to_bits(), b.tau2.to_bits());
    assert_eq!(a.b[0].to_bits(), b.b[0].to_bits());
    assert_eq!(a.reml.ll.to_bits(), b.reml.ll.to_bits());
    // And the chunked sums agree with plain sums to rounding.
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + a.tau2)).collect();
    let b_plain = w.iter().zip(&yi).map(|(w, y)| w * y).sum::<f64>() / w.iter().sum::<f64>();
    assert!((a.b[0] - b_plain).abs() < 1e-12, "{} vs {}", a.b[0], b_plain);
}
