//! One REML fit at k = 1,000,000 (for profiling).
use acumen_meta::{fit, Design, FitOptions};
fn main() {
    let k = 1_000_000;
    let mut s = 42u64;
    let mut r = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.5 * r()).collect();
    let yi: Vec<f64> = vi
        .iter()
        .map(|v| {
            let z = (-2.0 * (1.0 - r()).ln()).sqrt() * (2.0 * std::f64::consts::PI * r()).cos();
            -0.5 + z * (v + 0.1f64).sqrt()
        })
        .collect();
    let o = FitOptions {
        skip_r2: true,
        ..Default::default()
    };
    for _ in 0..5 {
        std::hint::black_box(fit(&yi, &vi, Design::intercept(k), &o).unwrap());
    }
}
