//! Step and line charts over sessions: a Kaplan-Meier curve with its
//! interval band, or a patient's pain by session with reference lines.

use crate::scale::linear_ticks;
use crate::svg::{c, Svg};

/// How points are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// Steps (the value holds until the next point), for survival curves.
    Steps,
    /// Straight lines with markers, for measurements.
    Lines,
}

/// A horizontal reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// Height on the y axis.
    pub y: f64,
    /// Label at its right end.
    pub label: String,
    /// Dashed.
    pub dashed: bool,
}

/// A chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Accessible title.
    pub title: String,
    /// Points (x, y) in order of x.
    pub points: Vec<(f64, f64)>,
    /// Optional band (x, lower, upper), drawn as steps with the curve.
    pub band: Vec<(f64, f64, f64)>,
    /// Join.
    pub join: Join,
    /// Marked points (x, label), drawn as small labelled ticks above the axis.
    pub marks: Vec<(f64, String)>,
    /// Reference lines.
    pub refs: Vec<RefLine>,
    /// y range.
    pub y_range: (f64, f64),
    /// x label.
    pub xlab: String,
    /// Words for x ticks (x, words), e.g. dates; numbers when empty.
    pub x_labels: Vec<(f64, String)>,
    /// y label.
    pub ylab: String,
}

const W: f64 = 560.0;
const H: f64 = 300.0;
const L: f64 = 56.0;
const R: f64 = 110.0;
const T: f64 = 30.0;
const B: f64 = 46.0;

/// Draws the chart as SVG.
pub fn chart_svg(ch: &Chart) -> String {
    let mut s = Svg::new(W, H);
    let xmax = ch
        .points
        .iter()
        .map(|p| p.0)
        .chain(ch.band.iter().map(|b| b.0))
        .chain(ch.marks.iter().map(|m| m.0))
        .fold(1.0, f64::max);
    let (y0, y1) = ch.y_range;
    let sx = |x: f64| L + x / xmax * (W - L - R);
    let sy = |y: f64| T + (y1 - y.clamp(y0, y1)) / (y1 - y0) * (H - T - B);
    // Axes and ticks.
    s.line(L, sy(y0), W - R, sy(y0), "axis", "");
    s.line(L, sy(y0), L, sy(y1), "axis", "");
    // Sessions and days are whole numbers: whole ticks only.
    let mut xt: Vec<f64> = linear_ticks(0.0, xmax, 8)
        .into_iter()
        .filter(|t| t.fract() == 0.0)
        .collect();
    if xt.len() < 2 {
        xt = (0..=xmax.ceil() as i64).map(|t| t as f64).collect();
    }
    if ch.x_labels.is_empty() {
        for t in xt {
            s.line(sx(t), sy(y0), sx(t), sy(y0) + 4.0, "tick", "");
            s.text(sx(t), sy(y0) + 17.0, &c(t), "middle", 13.0, "tick-label");
        }
    } else {
        for (t, words) in &ch.x_labels {
            s.line(sx(*t), sy(y0), sx(*t), sy(y0) + 4.0, "tick", "");
            s.text(sx(*t), sy(y0) + 17.0, words, "middle", 13.0, "tick-label");
        }
    }
    for t in linear_ticks(y0, y1, 5) {
        s.line(L - 4.0, sy(t), L, sy(t), "tick", "");
        s.text(L - 7.0, sy(t) + 4.0, &c(t), "end", 13.0, "tick-label");
    }
    s.text((L + W - R) / 2.0, H - 8.0, &ch.xlab, "middle", 14.0, "xlab");
    s.text(8.0, 14.0, &ch.ylab, "start", 14.0, "ylab");
    for r in &ch.refs {
        let extra = if r.dashed {
            r#"stroke-dasharray="5,4" stroke-opacity="0.6""#
        } else {
            r#"stroke-opacity="0.6""#
        };
        s.line(L, sy(r.y), W - R, sy(r.y), "ref", extra);
        s.text(W - R + 4.0, sy(r.y) + 4.0, &r.label, "start", 11.0, "ref-label");
    }
    // Band as a polygon of steps.
    if !ch.band.is_empty() {
        let mut upper = Vec::new();
        let mut lower = Vec::new();
        for (i, b) in ch.band.iter().enumerate() {
            let next = ch.band.get(i + 1).map_or(xmax, |n| n.0);
            upper.push((sx(b.0), sy(b.2)));
            upper.push((sx(next), sy(b.2)));
            lower.push((sx(b.0), sy(b.1)));
            lower.push((sx(next), sy(b.1)));
        }
        lower.reverse();
        upper.extend(lower);
        s.area(&upper, "band", "#c6dbef");
    }
    match ch.join {
        Join::Steps => {
            let mut prev: Option<(f64, f64)> = None;
            for (i, p) in ch.points.iter().enumerate() {
                if let Some((px, py)) = prev {
                    s.line(sx(px), sy(py), sx(p.0), sy(py), "curve", r#"stroke-width="2""#);
                    s.line(sx(p.0), sy(py), sx(p.0), sy(p.1), "curve", r#"stroke-width="2""#);
                }
                prev = Some(*p);
                if i + 1 == ch.points.len() {
                    s.line(sx(p.0), sy(p.1), sx(xmax), sy(p.1), "curve", r#"stroke-width="2""#);
                }
            }
        }
        Join::Lines => {
            for w in ch.points.windows(2) {
                s.line(
                    sx(w[0].0),
                    sy(w[0].1),
                    sx(w[1].0),
                    sy(w[1].1),
                    "curve",
                    r#"stroke-width="2""#,
                );
            }
            for p in &ch.points {
                s.circle(sx(p.0), sy(p.1), 3.5, "point", "black");
            }
        }
    }
    for (x, label) in &ch.marks {
        s.line(sx(*x), sy(y1), sx(*x), sy(y1) + 8.0, "mark", "");
        s.text(sx(*x), sy(y1) + 20.0, label, "middle", 10.0, "mark-label");
    }
    let svg = s.finish();
    // Title for screen readers.
    svg.replacen(
        '>',
        &format!(" role=\"img\" aria-label=\"{}\">", crate::svg::esc(&ch.title)),
        1,
    )
}
