//! Criterion benchmarks of the engine's hot paths (the workloads of
//! `bench/compare`, which times the same work in metafor and PyMARE).

use acumen_meta::batch::rma_batch;
use acumen_meta::diag::influence::influence;
use acumen_meta::diag::leave1out::leave1out;
use acumen_meta::diag::permutest::{permutest, Permutations};
use acumen_meta::simulate::{simulate, synthetic_yivi, Scenario};
use acumen_meta::{confint, fit, Design, FitOptions, Method, Test};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// BCG vaccine trials, log risk ratios (metadat's dat.bcg through escalc).
const YI: [f64; 13] = [
    -0.8893113, -1.5853887, -1.3480731, -1.4415512, -0.2175473, -0.7861155, -1.6208982, 0.0119523, -0.4694176,
    -1.3713448, -0.3393989, 0.4459134, -0.0173139,
];
const VI: [f64; 13] = [
    0.3255848, 0.1945811, 0.4153680, 0.0200100, 0.0512102, 0.0069049, 0.2230172, 0.0039630, 0.0564342, 0.0730248,
    0.0124438, 0.5325035, 0.0714047,
];
const ABLAT: [f64; 13] = [
    44.0, 55.0, 42.0, 52.0, 13.0, 44.0, 19.0, 13.0, 27.0, 42.0, 18.0, 33.0, 33.0,
];

fn benches(c: &mut Criterion) {
    let reml = FitOptions {
        skip_r2: true,
        ..Default::default()
    };
    c.bench_function("REML fit, bcg k=13", |b| {
        b.iter(|| fit(black_box(&YI), black_box(&VI), Design::intercept(13), &reml).unwrap())
    });
    c.bench_function("REML fit + Q-profile CI, bcg k=13", |b| {
        b.iter(|| {
            let f = fit(black_box(&YI), black_box(&VI), Design::intercept(13), &reml).unwrap();
            confint::confint(&f).unwrap()
        })
    });
    let rows: Vec<Vec<f64>> = ABLAT.iter().map(|a| vec![1.0, *a]).collect();
    let x = Design::from_rows(vec!["intrcpt".into(), "ablat".into()], &rows);
    let dl = FitOptions {
        method: Method::DL,
        skip_r2: true,
        ..Default::default()
    };
    let fm = fit(&YI, &VI, x, &reml).unwrap();
    c.bench_function("permutest 1,000 permutations, bcg ~ ablat", |b| {
        b.iter(|| permutest(&fm, Permutations::Random(1000), 1).unwrap())
    });
    let (y1k, v1k) = synthetic_yivi(1000, 42);
    let f1k = fit(&y1k, &v1k, Design::intercept(1000), &dl).unwrap();
    c.bench_function("leave1out + influence, k=1,000 (DL)", |b| {
        b.iter(|| {
            leave1out(&f1k).unwrap();
            influence(&f1k).unwrap()
        })
    });
    let sc = Scenario {
        k: 10,
        n_min: 20,
        n_max: 100,
        effect: 0.5,
        tau2: 0.1,
        reps: 10_000,
        seed: 1,
        fit: FitOptions {
            test: Test::Knha,
            skip_r2: true,
            ..Default::default()
        },
    };
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("simulate 10,000 x k=10 SMD, REML + knha + PI", |b| {
        b.iter(|| simulate(&sc, &|_| {}).unwrap())
    });
    let (y, v) = synthetic_yivi(1_000_000, 42);
    g.bench_function("REML fit, k=1,000,000", |b| {
        b.iter(|| fit(&y, &v, Design::intercept(y.len()), &reml).unwrap())
    });
    // The voxel-wise case: 100,000 analyses of k = 20 (python's rma_batch).
    let (by, bv) = synthetic_yivi(2_000_000, 7);
    g.bench_function("rma_batch REML, 100,000 x k=20", |b| {
        b.iter(|| rma_batch(&by, &bv, 20, &reml).unwrap())
    });
    // A three-level model, REML + CR2: 100,000 effects in 20,000 studies.
    let (my, mv) = synthetic_yivi(100_000, 11);
    let rows: Vec<Vec<String>> = (0..100_000)
        .map(|i| {
            vec![
                (i / 5 + 1).to_string(),
                (i % 5 + 1).to_string(),
                my[i].to_string(),
                mv[i].to_string(),
            ]
        })
        .collect();
    let table = acumen_meta::Table::from_rows(vec!["study".into(), "esid".into(), "yi".into(), "vi".into()], &rows);
    let req: acumen_meta::Request =
        serde_json::from_str(r#"{"random": ["~ 1 | study/esid"], "robust": "study", "cr": "CR2"}"#).unwrap();
    let mv_opts = req.options().unwrap();
    g.bench_function("rma.mv three-level REML + CR2, k=100,000", |b| {
        b.iter(|| req.run(&table, &mv_opts).unwrap())
    });
    g.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
