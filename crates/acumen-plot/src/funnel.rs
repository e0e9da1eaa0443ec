//! Funnel plots: effect against standard error (0 at the top), the pooled
//! estimate with its pseudo-confidence region, trim-and-fill studies hollow.

use crate::scale::{linear_ticks, ratio_ticks, tick_label, Transf};
use crate::svg::Svg;

/// Everything a funnel plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// Effects (analysis scale).
    pub yi: Vec<f64>,
    /// Standard errors.
    pub sei: Vec<f64>,
    /// Whether each point was filled in by trim-and-fill (drawn hollow).
    pub filled: Vec<bool>,
    /// Pooled estimate at the centre of the funnel.
    pub center: f64,
    /// Critical value of the pseudo-confidence region (1.96 for 95%).
    pub crit: f64,
    /// Scale of the x axis labels.
    pub transf: Transf,
    /// Axis title.
    pub xlab: String,
}

/// Draws the funnel plot.
pub fn funnel_svg(f: &Funnel) -> String {
    let (w, h) = (520.0, 420.0);
    let (x0, y0, pw, ph) = (70.0, 20.0, 420.0, 330.0);
    let se_max = f
        .sei
        .iter()
        .cloned()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.05;
    let mut lo = f.center - f.crit * se_max;
    let mut hi = f.center + f.crit * se_max;
    for &y in f.yi.iter().filter(|v| v.is_finite()) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let sx = |v: f64| x0 + (v - lo) / (hi - lo) * pw;
    let sy = |se: f64| y0 + se / se_max * ph;
    let mut s = Svg::new(w, h);
    s.polygon(
        &[
            (sx(f.center), sy(0.0)),
            (sx(f.center - f.crit * se_max), sy(se_max)),
            (sx(f.center + f.crit * se_max), sy(se_max)),
        ],
        "region",
        "#e8e8e8",
    );
    s.line(
        sx(f.center),
        sy(0.0),
        sx(f.center),
        sy(se_max),
        "center",
        r#"stroke-width="0.8""#,
    );
    for i in 0..f.yi.len() {
        if f.yi[i].is_finite() && f.sei[i].is_finite() {
            let filled = f.filled.get(i).copied().unwrap_or(false);
            s.circle(
                sx(f.yi[i]),
                sy(f.sei[i]),
                4.0,
                if filled { "filled-study" } else { "study" },
                if filled { "white" } else { "black" },
            );
        }
    }
    s.line(x0, y0 + ph, x0 + pw, y0 + ph, "axis", "");
    s.line(x0, y0, x0, y0 + ph, "axis", "");
    let xt = match f.transf {
        Transf::Exp => ratio_ticks(lo, hi),
        Transf::None => linear_ticks(lo, hi, 6),
    };
    for t in xt {
        s.line(sx(t), y0 + ph, sx(t), y0 + ph + 5.0, "tick-mark", "");
        s.text(sx(t), y0 + ph + 18.0, &tick_label(t, f.transf), "middle", 11.0, "tick");
    }
    for t in linear_ticks(0.0, se_max, 5) {
        s.line(x0 - 5.0, sy(t), x0, sy(t), "tick-mark", "");
        s.text(x0 - 8.0, sy(t) + 4.0, &tick_label(t, Transf::None), "end", 11.0, "tick");
    }
    s.text(x0 + pw / 2.0, y0 + ph + 40.0, &f.xlab, "middle", 12.0, "xlab");
    s.text(18.0, y0 + ph / 2.0, "SE", "middle", 12.0, "ylab");
    s.finish()
}
