//! Quick timings of the hot paths (the criterion benches are the real measurement).
use acumen_meta::{fit, Design, FitOptions};
use std::time::Instant;

fn main() {
    let yi = [
        -0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339, 0.446, -0.017,
    ];
    let vi = [
        0.326, 0.195, 0.415, 0.020, 0.051, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012, 0.533, 0.071,
    ];
    let o = FitOptions::default();
    let n = 20000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(fit(&yi, &vi, Design::intercept(13), &o).unwrap());
    }
    println!("REML k=13: {:.2} us", t.elapsed().as_secs_f64() / n as f64 * 1e6);
    let k = 1_000_000;
    // Synthetic data, or a `yi,vi` CSV given as the first argument.
    let (yi, vi): (Vec<f64>, Vec<f64>) = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (a, b) = l.split_once(',')?;
                Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?))
            })
            .unzip(),
        None => acumen_meta::simulate::synthetic_yivi(k, 42),
    };
    let k = yi.len();
    // The median of 11 fits (the first one also pays for the thread pool
    // and fresh pages).
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..11 {
        let t = Instant::now();
        let f = match fit(&yi, &vi, Design::intercept(k), &o) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(f);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let f = last.unwrap();
    println!(
        "REML k=1e6: median {:.1} ms, first {:.1} ms (tau2 {:.4}, iters {})",
        times[5], first, f.tau2, f.iterations
    );
}
