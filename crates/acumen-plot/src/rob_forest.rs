//! A forest plot with risk-of-bias 2 traffic lights: the five domains and
//! the overall judgement of each trial in columns to the right of the
//! plot (green + low, yellow − some concerns, red × high, grey ? not
//! assessed), with the domains' names in a legend below.

use crate::forest::{draw, row_centres, Forest};
use crate::svg::{c, Svg};

/// A judgement as the traffic light shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
}

/// One trial's lights: D1–D5 and the overall judgement (`None`: not assessed).
#[derive(Debug, Clone, PartialEq)]
pub struct RobRow {
    /// The five domains in RoB 2's order.
    pub domains: [Option<Light>; 5],
    /// The overall judgement.
    pub overall: Option<Light>,
}

const COL: f64 = 24.0;
const LEGEND: [&str; 5] = [
    "D1 randomisation process",
    "D2 deviations from intended interventions",
    "D3 missing outcome data",
    "D4 measurement of the outcome",
    "D5 selection of the reported result",
];

fn colour_and_mark(l: Option<Light>) -> (&'static str, &'static str) {
    match l {
        Some(Light::Low) => ("#02C100", "+"),
        Some(Light::SomeConcerns) => ("#E2DF07", "\u{2212}"),
        Some(Light::High) => ("#BF0000", "\u{00d7}"),
        None => ("#CCCCCC", "?"),
    }
}

/// The forest plot with one row of lights per study row (in the plot's
/// order); an error if the counts differ.
pub fn rob_forest_svg(f: &Forest, rob: &[RobRow]) -> Result<String, String> {
    let ys = row_centres(f);
    if ys.len() != rob.len() {
        return Err(format!(
            "risk of bias given for {} trials but the plot has {} study rows",
            rob.len(),
            ys.len()
        ));
    }
    let inner = draw(f);
    let (w, h) = (inner.width, inner.height);
    let inner = inner.finish();
    // The legend's lines (the domains two by two, then the key) and a margin.
    let legend_h = 16.0 * (LEGEND.len().div_ceil(2) + 1) as f64 + 8.0;
    let mut s = Svg::new(w + 6.0 * COL + 20.0, h + legend_h);
    let x0 = w + 10.0 + COL / 2.0;
    for (i, head) in ["D1", "D2", "D3", "D4", "D5", "All"].iter().enumerate() {
        s.text(x0 + i as f64 * COL, 24.0, head, "middle", 11.0, "rob-header");
    }
    for (row, &y) in rob.iter().zip(&ys) {
        let lights = row.domains.iter().copied().chain([row.overall]);
        for (i, l) in lights.enumerate() {
            let (fill, mark) = colour_and_mark(l);
            let x = x0 + i as f64 * COL;
            s.circle(x, y, 8.0, "rob-light", fill);
            s.text(x, y + 4.0, mark, "middle", 11.0, "rob-mark");
        }
    }
    let mut ly = h + 12.0;
    for pair in LEGEND.chunks(2) {
        s.text(10.0, ly, &pair.join("; "), "start", 10.0, "rob-legend");
        ly += 16.0;
    }
    s.text(
        10.0,
        ly,
        "+ low   \u{2212} some concerns   \u{00d7} high   ? not assessed (risk of bias 2)",
        "start",
        10.0,
        "rob-legend",
    );
    // The forest itself, nested at the origin.
    let nested = inner.replacen(
        "<svg ",
        &format!("<svg x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" ", c(w), c(h)),
        1,
    );
    let nested = nested.replacen(
        &format!(" width=\"{}\" height=\"{}\" viewBox", c(w), c(h)),
        " viewBox",
        1,
    );
    let doc = s.finish();
    let close = doc.rfind("</svg>").unwrap_or(doc.len());
    Ok(format!("{}{}{}", &doc[..close], nested, &doc[close..]))
}
