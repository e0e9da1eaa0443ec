//! Axis scales and tick positions.

/// Back-transformation of the x axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transf {
    /// Values shown as they are.
    None,
    /// Values shown as exp(value) (ratio measures), ticks at round ratios.
    Exp,
}

/// "Nice" linear ticks covering [lo, hi].
pub fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(hi > lo) {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut t = Vec::new();
    let mut v = start;
    while v <= hi + step * 1e-9 {
        if v >= lo - step * 1e-9 {
            t.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        }
        v += step;
    }
    t
}

/// Ticks on the log scale at round ratios (returned as logs); narrow
/// ranges fall back to evenly spaced ratios.
pub fn ratio_ticks(lo: f64, hi: f64) -> Vec<f64> {
    const R: [f64; 13] = [
        0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 25.0, 50.0, 100.0,
    ];
    let inside: Vec<f64> = R
        .iter()
        .map(|r| r.ln())
        .filter(|l| *l >= lo - 1e-9 && *l <= hi + 1e-9)
        .collect();
    if inside.len() >= 3 {
        return inside;
    }
    linear_ticks(lo.exp(), hi.exp(), 5)
        .into_iter()
        .filter(|v| *v > 0.0)
        .map(f64::ln)
        .collect()
}

/// Label of a tick.
pub fn tick_label(v: f64, transf: Transf) -> String {
    let x = match transf {
        Transf::None => v,
        Transf::Exp => v.exp(),
    };
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Formats an estimate with two decimals on the shown scale.
pub fn fmt2(v: f64, transf: Transf) -> String {
    let x = match transf {
        Transf::None => v,
        Transf::Exp => v.exp(),
    };
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "NA".into()
    }
}

/// "est [lb, ub]" with two decimals on the shown scale.
pub fn interval_text(est: f64, lb: f64, ub: f64, transf: Transf) -> String {
    format!("{} [{}, {}]", fmt2(est, transf), fmt2(lb, transf), fmt2(ub, transf))
}
