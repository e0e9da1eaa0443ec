//! Times the `bench/compare` workloads in Acumen on the shared data files
//! and prints one `name seconds` line per workload.
//!
//!     cargo run --release -p acumen-meta --example compare -- DATA_DIR

use std::time::Instant;

use acumen_meta::diag::influence::influence;
use acumen_meta::diag::leave1out::leave1out;
use acumen_meta::diag::permutest::{permutest, Permutations};
use acumen_meta::simulate::{simulate, Scenario};
use acumen_meta::{confint, fit, Design, FitOptions, Method, Test};

fn read(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap_or(f64::NAN)).collect())
        .collect()
}

fn per_call(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    t.elapsed().as_secs_f64() / reps as f64
}

/// Each call timed separately: (median, all times) in seconds.
fn each_call(reps: usize, mut f: impl FnMut()) -> (f64, Vec<f64>) {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    let all = t.clone();
    t.sort_by(f64::total_cmp);
    (t[reps / 2], all)
}

fn main() {
    let dir = std::env::args().nth(1).expect("data directory");
    let bcg = read(&format!("{dir}/bcg.csv")); // yi, vi, ablat
    let (yi, vi): (Vec<f64>, Vec<f64>) = bcg.iter().map(|r| (r[0], r[1])).unzip();
    let o = FitOptions {
        skip_r2: true,
        ..Default::default()
    };
    println!(
        "reml_k13 {:.3e}",
        per_call(20000, || {
            std::hint::black_box(fit(&yi, &vi, Design::intercept(13), &o).unwrap());
        })
    );
    println!(
        "reml_confint_k13 {:.3e}",
        per_call(5000, || {
            let f = fit(&yi, &vi, Design::intercept(13), &o).unwrap();
            std::hint::black_box(confint::confint(&f).unwrap());
        })
    );
    let rows: Vec<Vec<f64>> = bcg.iter().map(|r| vec![1.0, r[2]]).collect();
    let fm = fit(
        &yi,
        &vi,
        Design::from_rows(vec!["intrcpt".into(), "ablat".into()], &rows),
        &o,
    )
    .unwrap();
    println!(
        "permutest_1000 {:.3e}",
        per_call(20, || {
            std::hint::black_box(permutest(&fm, Permutations::Random(1000), 1).unwrap());
        })
    );
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
    println!(
        "simulate_10000 {:.3e}",
        per_call(5, || {
            std::hint::black_box(simulate(&sc, &|_| {}).unwrap());
        })
    );
    for k in ["1000", "4000", "1000000"] {
        let d = read(&format!("{dir}/k{k}.csv"));
        let (y, v): (Vec<f64>, Vec<f64>) = d.iter().map(|r| (r[0], r[1])).unzip();
        let reps = if k == "1000000" { 5 } else { 100 };
        if k == "1000000" {
            let (median, all) = each_call(7, || {
                std::hint::black_box(fit(&y, &v, Design::intercept(y.len()), &o).unwrap());
            });
            eprintln!(
                "k = 10^6 fits: {:?} ms",
                all.iter().map(|t| (t * 1e4).round() / 10.0).collect::<Vec<_>>()
            );
            println!("reml_k{k} {median:.3e}");
            continue;
        }
        println!(
            "reml_k{k} {:.3e}",
            per_call(reps, || {
                std::hint::black_box(fit(&y, &v, Design::intercept(y.len()), &o).unwrap());
            })
        );
        if k == "1000" {
            let dl = FitOptions {
                method: Method::DL,
                skip_r2: true,
                ..Default::default()
            };
            let f = fit(&y, &v, Design::intercept(y.len()), &dl).unwrap();
            println!(
                "leave1out_influence_k1000 {:.3e}",
                per_call(5, || {
                    std::hint::black_box(leave1out(&f).unwrap());
                    std::hint::black_box(influence(&f).unwrap());
                })
            );
        }
    }
    // Three-level models (effects in studies): REML + CR2, from the CSV in memory.
    for k in ["2000", "100000"] {
        let bytes = std::fs::read(format!("{dir}/mv{k}.csv")).expect("mv data");
        let table = acumen_meta::csv::parse_csv(&bytes, "mv.csv").unwrap();
        let req: acumen_meta::Request = serde_json::from_value(serde_json::json!({
            "random": ["~ 1 | study/esid"], "robust": "study", "cr": "CR2"
        }))
        .unwrap();
        let opts = req.options().unwrap();
        println!(
            "mv_cr2_k{k} {:.3e}",
            per_call(if k == "2000" { 20 } else { 3 }, || {
                std::hint::black_box(req.run(&table, &opts).unwrap());
            })
        );
    }
}
