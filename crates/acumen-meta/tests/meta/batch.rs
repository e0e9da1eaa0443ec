//! `rma_batch`: every row agrees with a single `fit` of the same studies
//! (which the metafor cases check), and a metafor case read from the
//! committed fixtures comes out of the batch path with metafor's numbers.

use acumen_meta::batch::{rma_batch, IntFit};
use acumen_meta::tolerance::close;
use acumen_meta::{fit, Design, FitOptions, Method, Test};

use crate::helpers::fixtures;

/// A deterministic spread of rows: k from 0 to `cols`, absent cells as NaN,
/// some zero sampling variances and some rows without heterogeneity.
fn rows(n: usize, cols: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 2026_u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut y, mut v) = (Vec::new(), Vec::new());
    for r in 0..n {
        let present = r % cols;
        for j in 0..cols {
            let vi = 0.01 + 0.3 * next();
            let spread = if r % 3 == 0 { 0.0 } else { 0.5 };
            let yi = 0.2 + spread * (next() - 0.5) + (vi.sqrt() * (next() - 0.5));
            if j < present.max(1) || r % 7 == 1 {
                y.push(yi);
                v.push(if r % 11 == 5 && j == 0 { 0.0 } else { vi });
            } else {
                y.push(f64::NAN);
                v.push(f64::NAN);
            }
        }
    }
    (y, v)
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
}

#[test]
fn every_row_matches_a_single_fit() {
    let cols = 12;
    let (y, v) = rows(240, cols);
    for method in [
        Method::REML,
        Method::ML,
        Method::DL,
        Method::PM,
        Method::SJ,
        Method::HE,
        Method::EB,
        Method::HS,
        Method::EE,
    ] {
        for test in [Test::Z, Test::T, Test::Knha] {
            let opts = FitOptions {
                method,
                test,
                level: 90.0,
                skip_r2: true,
                ..FitOptions::default()
            };
            let batch = rma_batch(&y, &v, cols, &opts).unwrap();
            let fitted = batch.iter().filter(|r| r.is_ok()).count();
            assert!(
                fitted > 150 && fitted < batch.len(),
                "{method:?}: {fitted} of {} rows fitted",
                batch.len()
            );
            for (r, got) in batch.iter().enumerate() {
                let (ys, vs): (Vec<f64>, Vec<f64>) = y[r * cols..(r + 1) * cols]
                    .iter()
                    .zip(&v[r * cols..(r + 1) * cols])
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
                    .map(|(a, b)| (*a, *b))
                    .unzip();
                let want = fit(&ys, &vs, Design::intercept(ys.len()), &opts);
                match (got, want) {
                    (Ok(g), Ok(f)) => {
                        let w = [
                            f.b[0], f.se[0], f.stat[0], f.pval[0], f.ci_lb[0], f.ci_ub[0], f.tau2, f.i2, f.qe, f.qe_p,
                        ];
                        let gv = [g.b, g.se, g.stat, g.pval, g.ci_lb, g.ci_ub, g.tau2, g.i2, g.qe, g.qe_p];
                        assert_eq!(g.k, f.k);
                        for (i, (a, b)) in gv.iter().zip(w).enumerate() {
                            assert!(
                                same(*a, b),
                                "{method:?} {test:?} row {r} field {i}: batch {a} vs fit {b}"
                            );
                        }
                    }
                    (Err(g), Err(f)) => assert_eq!(g.to_string(), f.to_string(), "row {r}"),
                    (g, f) => panic!("{method:?} {test:?} row {r}: batch {g:?} but fit {:?}", f.map(|f| f.b)),
                }
            }
        }
    }
}

#[test]
fn a_metafor_case_through_the_batch_path() {
    let text = std::fs::read_to_string(fixtures().join("metafor_cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let case = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "measure_SMD")
        .unwrap();
    let e = &case["expected"];
    let nums =
        |v: &serde_json::Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let (yi, vi) = (nums(&e["escalc"]["yi"]), nums(&e["escalc"]["vi"]));
    // Two copies of the same analysis, the second padded with absent cells.
    let cols = yi.len() + 3;
    let mut y = yi.clone();
    y.extend([f64::NAN; 3]);
    y.extend(&yi);
    y.extend([f64::NAN; 3]);
    let mut v = vi.clone();
    v.extend([f64::NAN; 3]);
    v.extend(&vi);
    v.extend([1.0; 3]);
    let out = rma_batch(&y, &v, cols, &FitOptions::default()).unwrap();
    let slack = case["slack"].as_f64().unwrap();
    let f = &e["fit"];
    for got in out {
        let g: IntFit = got.unwrap();
        let want = [
            (g.b, &f["b"][0]),
            (g.se, &f["se"][0]),
            (g.pval, &f["pval"][0]),
            (g.ci_lb, &f["ci_lb"][0]),
            (g.tau2, &f["tau2"]),
            (g.i2, &f["I2"]),
            (g.qe, &f["QE"]),
            (g.qe_p, &f["QEp"]),
        ];
        for (a, w) in want {
            assert!(close(a, w.as_f64().unwrap(), slack), "{a} vs metafor {w}");
        }
        assert_eq!(g.k, 9);
    }
}

#[test]
fn a_ragged_buffer_is_refused() {
    let e = rma_batch(&[1.0; 5], &[1.0; 5], 2, &FitOptions::default()).unwrap_err();
    assert!(e.to_string().contains("rows × 2"), "{e}");
}
