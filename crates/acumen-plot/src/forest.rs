//! Forest plots: one row per study (square sized by weight, confidence
//! interval), pooled diamonds, the prediction interval, a heterogeneity
//! line, subgroup blocks, an axis with round ticks and "favours" labels.
//! The plot grows with the number of rows, so labels never overlap.

use crate::scale::{interval_text, linear_ticks, ratio_ticks, tick_label, Transf};
use crate::svg::{text_width, Svg};

/// One study (or cumulative step).
#[derive(Debug, Clone, PartialEq)]
pub struct StudyRow {
    /// Label.
    pub label: String,
    /// Estimate (analysis scale).
    pub est: f64,
    /// Lower confidence bound.
    pub lb: f64,
    /// Upper confidence bound.
    pub ub: f64,
    /// Weight in percent (None hides the weight column entry).
    pub weight: Option<f64>,
}

/// A pooled estimate drawn as a diamond.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Label ("RE Model").
    pub label: String,
    /// Estimate.
    pub est: f64,
    /// Lower confidence bound.
    pub lb: f64,
    /// Upper confidence bound.
    pub ub: f64,
    /// Prediction interval.
    pub pi: Option<(f64, f64)>,
    /// Heterogeneity line printed under the diamond.
    pub note: String,
}

/// A block of rows (a subgroup, or all studies).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Heading (subgroup name).
    pub title: Option<String>,
    /// Rows.
    pub rows: Vec<StudyRow>,
    /// Pooled estimate of the block.
    pub summary: Option<Summary>,
}

/// Everything a forest plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    /// Blocks of studies.
    pub blocks: Vec<Block>,
    /// Overall pooled estimate.
    pub overall: Option<Summary>,
    /// Scale of the axis.
    pub transf: Transf,
    /// "Favours" labels for the left and right of the null line.
    pub favours: Option<(String, String)>,
    /// Axis title.
    pub xlab: String,
    /// Header of the estimate column ("Estimate [95% CI]").
    pub est_header: String,
    /// Lines under the plot (e.g. the test for subgroup differences).
    pub footer: Vec<String>,
}

const FONT: f64 = 12.0;
const ROW: f64 = 20.0;
const PLOT_W: f64 = 360.0;

fn all_rows(f: &Forest) -> impl Iterator<Item = &StudyRow> {
    f.blocks.iter().flat_map(|b| b.rows.iter())
}

fn summaries(f: &Forest) -> impl Iterator<Item = &Summary> {
    f.blocks
        .iter()
        .filter_map(|b| b.summary.as_ref())
        .chain(f.overall.iter())
}

/// The x range: all intervals, but very wide ones are clipped (drawn with an
/// arrow) so that one imprecise study does not flatten the rest.
fn x_range(f: &Forest) -> (f64, f64) {
    let ests: Vec<f64> = all_rows(f)
        .map(|r| r.est)
        .chain(summaries(f).map(|s| s.est))
        .filter(|v| v.is_finite())
        .collect();
    if ests.is_empty() {
        return (-1.0, 1.0);
    }
    let emin = ests.iter().cloned().fold(f64::INFINITY, f64::min);
    let emax = ests.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut hw: Vec<f64> = all_rows(f)
        .map(|r| (r.ub - r.lb) / 2.0)
        .filter(|v| v.is_finite())
        .collect();
    hw.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let med = if hw.is_empty() { 0.1 } else { hw[hw.len() / 2] };
    let span = (emax - emin).max(med).max(1e-6);
    let (cap_lo, cap_hi) = (emin - 2.0 * span - med, emax + 2.0 * span + med);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let bounds = all_rows(f)
        .flat_map(|r| [r.lb, r.ub])
        .chain(summaries(f).flat_map(|s| [s.lb, s.ub, s.pi.map_or(s.lb, |p| p.0), s.pi.map_or(s.ub, |p| p.1)]));
    for v in bounds.filter(|v| v.is_finite()) {
        lo = lo.min(v.max(cap_lo));
        hi = hi.max(v.min(cap_hi));
    }
    // Always show the null line.
    lo = lo.min(0.0);
    hi = hi.max(0.0);
    let pad = (hi - lo) * 0.04;
    (lo - pad, hi + pad)
}

/// The y of each study row's centre, in plot order, as [`forest_svg`]
/// lays them out (a block title takes a row, a block summary two).
pub fn row_centres(f: &Forest) -> Vec<f64> {
    let mut y = 40.0;
    let mut out = Vec::new();
    for b in &f.blocks {
        if b.title.is_some() {
            y += ROW;
        }
        for _ in &b.rows {
            out.push(y);
            y += ROW;
        }
        if b.summary.is_some() {
            y += 2.0 * ROW;
        }
    }
    out
}

/// Draws the forest plot.
pub fn forest_svg(f: &Forest) -> String {
    draw(f).finish()
}

/// The forest plot's document before it is finished (its size is read by
/// `rob_forest`).
pub(crate) fn draw(f: &Forest) -> Svg {
    let rows_n: usize = f
        .blocks
        .iter()
        .map(|b| b.rows.len() + usize::from(b.title.is_some()) + usize::from(b.summary.is_some()) * 2)
        .sum::<usize>()
        + if f.overall.is_some() { 2 } else { 0 };
    let labels = f
        .blocks
        .iter()
        .flat_map(|b| {
            b.rows
                .iter()
                .map(|r| r.label.clone())
                .chain(b.title.clone())
                .chain(b.summary.iter().map(|s| s.label.clone()))
        })
        .chain(f.overall.iter().map(|s| s.label.clone()))
        .chain(["Study".to_string()]);
    let label_w = labels.map(|l| text_width(&l, FONT)).fold(60.0, f64::max) + 20.0;
    let has_w = all_rows(f).any(|r| r.weight.is_some());
    let weight_w = if has_w { 70.0 } else { 0.0 };
    let est_w = 170.0;
    let notes_w = summaries(f)
        .map(|s| text_width(&s.note, FONT - 2.0))
        .chain(f.footer.iter().map(|s| text_width(s, FONT - 1.0)))
        .fold(0.0, f64::max);
    let x0 = 10.0 + label_w;
    let width = (x0 + PLOT_W + 20.0 + weight_w + est_w).max(notes_w + 30.0);
    let top = 40.0;
    let axis_y = top + rows_n as f64 * ROW + 10.0;
    let height = axis_y + 60.0 + if f.favours.is_some() { 18.0 } else { 0.0 } + f.footer.len() as f64 * 16.0 + 10.0;
    let mut s = Svg::new(width, height);
    let (lo, hi) = x_range(f);
    let sx = |v: f64| x0 + (v.clamp(lo, hi) - lo) / (hi - lo) * PLOT_W;
    let wcol = x0 + PLOT_W + 20.0 + weight_w - 5.0;
    let ecol = width - 10.0;
    s.text(10.0, top - 16.0, "Study", "start", FONT, "header");
    if has_w {
        s.text(wcol, top - 16.0, "Weight", "end", FONT, "header");
    }
    s.text(ecol, top - 16.0, &f.est_header, "end", FONT, "header");
    let wmax = all_rows(f).filter_map(|r| r.weight).fold(0.0, f64::max);
    let mut y = top;
    let draw_summary = |s: &mut Svg, sm: &Summary, y: f64| {
        if let Some((a, b)) = sm.pi {
            s.line(sx(a), y, sx(b), y, "pi", r#"stroke-dasharray="4,3""#);
        }
        s.polygon(
            &[
                (sx(sm.lb), y),
                (sx(sm.est), y - 7.0),
                (sx(sm.ub), y),
                (sx(sm.est), y + 7.0),
            ],
            "diamond",
            "black",
        );
        s.text(10.0, y + 4.0, &sm.label, "start", FONT, "summary-label");
        s.text(
            ecol,
            y + 4.0,
            &interval_text(sm.est, sm.lb, sm.ub, f.transf),
            "end",
            FONT,
            "summary-est",
        );
        if !sm.note.is_empty() {
            s.text(10.0, y + 20.0, &sm.note, "start", FONT - 2.0, "het");
        }
    };
    for b in &f.blocks {
        if let Some(t) = &b.title {
            s.text(10.0, y + 4.0, t, "start", FONT, "block-title");
            y += ROW;
        }
        for r in &b.rows {
            let cy = y;
            if r.lb.is_finite() && r.ub.is_finite() {
                s.line(sx(r.lb), cy, sx(r.ub), cy, "ci", "");
                for (v, dir) in [(r.lb, -1.0), (r.ub, 1.0)] {
                    if v < lo || v > hi {
                        let ex = sx(v);
                        s.polygon(
                            &[(ex, cy), (ex - dir * 6.0, cy - 3.5), (ex - dir * 6.0, cy + 3.5)],
                            "arrow",
                            "black",
                        );
                    }
                }
            }
            if r.est.is_finite() {
                let side = match r.weight {
                    Some(w) if wmax > 0.0 => 3.0 + 9.0 * (w / wmax).sqrt(),
                    _ => 6.0,
                };
                s.rect(sx(r.est) - side / 2.0, cy - side / 2.0, side, side, "study", "black");
            }
            s.text(10.0, cy + 4.0, &r.label, "start", FONT, "label");
            if let Some(w) = r.weight {
                s.text(wcol, cy + 4.0, &format!("{w:.1}%"), "end", FONT, "weight");
            }
            s.text(
                ecol,
                cy + 4.0,
                &interval_text(r.est, r.lb, r.ub, f.transf),
                "end",
                FONT,
                "est",
            );
            y += ROW;
        }
        if let Some(sm) = &b.summary {
            draw_summary(&mut s, sm, y);
            y += 2.0 * ROW;
        }
    }
    if let Some(sm) = &f.overall {
        y += ROW * 0.5;
        s.line(
            x0,
            y - ROW * 0.75,
            x0 + PLOT_W,
            y - ROW * 0.75,
            "separator",
            r#"stroke-width="0.5""#,
        );
        draw_summary(&mut s, sm, y);
    }
    // Null line and axis.
    s.line(
        sx(0.0),
        top - 8.0,
        sx(0.0),
        axis_y,
        "null",
        r#"stroke-dasharray="2,2" stroke-width="0.8""#,
    );
    s.line(x0, axis_y, x0 + PLOT_W, axis_y, "axis", "");
    let ticks = match f.transf {
        Transf::Exp => ratio_ticks(lo, hi),
        Transf::None => linear_ticks(lo, hi, 6),
    };
    for t in ticks {
        s.line(sx(t), axis_y, sx(t), axis_y + 5.0, "tick-mark", "");
        s.text(
            sx(t),
            axis_y + 18.0,
            &tick_label(t, f.transf),
            "middle",
            FONT - 1.0,
            "tick",
        );
    }
    s.text(x0 + PLOT_W / 2.0, axis_y + 36.0, &f.xlab, "middle", FONT, "xlab");
    let mut fy = axis_y + 52.0;
    if let Some((l, r)) = &f.favours {
        s.text(
            sx(0.0) - 6.0,
            fy,
            &format!("\u{2190} Favours {l}"),
            "end",
            FONT - 1.0,
            "favours",
        );
        s.text(
            sx(0.0) + 6.0,
            fy,
            &format!("Favours {r} \u{2192}"),
            "start",
            FONT - 1.0,
            "favours",
        );
        fy += 18.0;
    }
    for line in &f.footer {
        s.text(10.0, fy, line, "start", FONT - 1.0, "footer");
        fy += 16.0;
    }
    s
}
