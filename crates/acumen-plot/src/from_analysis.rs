//! Forest, funnel and cumulative forest plots built from an analysis: the
//! plot data the CLI writes to files and the evidence page draws inline.
//! Pure: returns the plot structs; drawing is the rest of this crate.

use crate::{Block, Forest, Funnel, StudyRow, Summary, Transf};
use acumen_meta::diag::trimfill::trimfill;
use acumen_meta::dist::qnorm;
use acumen_meta::{Analysis, Fit, Method};

/// The default scale for a measure: ratios are shown back-transformed.
pub fn default_transf(measure: Option<&str>) -> Transf {
    match measure {
        Some("OR" | "RR" | "PETO" | "IRR" | "ROM") => Transf::Exp,
        _ => Transf::None,
    }
}

/// A p-value as written under the plots.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "p < .0001".into()
    } else {
        format!("p = {p:.4}")
    }
}

/// "RE Model" or "EE Model".
pub fn model_label(f: &Fit) -> &'static str {
    if matches!(f.opts.method, Method::EE | Method::FE) {
        "EE Model"
    } else {
        "RE Model"
    }
}

/// The heterogeneity line under a summary.
pub fn het_note(f: &Fit) -> String {
    let q = format!("Q({}) = {:.2}, {}", f.k - f.p, f.qe, fmt_p(f.qe_p));
    if f.opts.method.is_equal_effects() {
        format!("(I\u{b2} = {:.1}%, {q})", f.i2)
    } else {
        format!("(\u{3c4}\u{b2} = {:.3}, I\u{b2} = {:.1}%, {q})", f.tau2, f.i2)
    }
}

/// A summary diamond (with its prediction interval for RE models).
pub fn summary(f: &Fit, label: String, with_pi: bool) -> Summary {
    let pi = if with_pi && !f.opts.method.is_equal_effects() {
        let s = (f.se[0].powi(2) + f.tau2).sqrt();
        Some((f.b[0] - f.crit * s, f.b[0] + f.crit * s))
    } else {
        None
    };
    Summary {
        label,
        est: f.b[0],
        lb: f.ci_lb[0],
        ub: f.ci_ub[0],
        pi,
        note: het_note(f),
    }
}

/// Study rows with their CIs and weights.
pub fn study_rows(a: &Analysis, idx: impl Iterator<Item = usize>) -> Vec<StudyRow> {
    let f = &a.fit;
    let z = qnorm(f.alpha / 2.0, false);
    idx.map(|i| {
        let se = f.vi[i].sqrt();
        StudyRow {
            label: a.labels[i].clone(),
            est: f.yi[i],
            lb: f.yi[i] - z * se,
            ub: f.yi[i] + z * se,
            weight: Some(f.weights_pct[i]),
        }
    })
    .collect()
}

/// The x-axis label for a measure on a scale.
pub fn xlab(measure: Option<&str>, transf: Transf) -> String {
    match (measure, transf) {
        (Some(m), Transf::Exp) => format!("{m} (log scale)"),
        (Some(m), Transf::None) => m.to_string(),
        (None, _) => "Observed outcome".to_string(),
    }
}

/// The forest plot of an analysis (subgroup blocks when there are subgroups).
pub fn forest(a: &Analysis, measure: Option<&str>, transf: Transf, favours: Option<(String, String)>) -> Forest {
    let f = &a.fit;
    let level = format!("{:.0}%", 100.0 * (1.0 - f.alpha));
    let int_only = f.x.is_intercept_only();
    let (blocks, footer) = match &a.subgroups {
        Some(g) => {
            let group_of = |l: &str| -> Vec<usize> {
                // Studies of a level: refitted in the same order they appear.
                (0..f.k)
                    .filter(|&i| a.subgroup_labels.as_ref().is_some_and(|v| v[i].as_deref() == Some(l)))
                    .collect()
            };
            let blocks = g
                .levels
                .iter()
                .zip(&g.fits)
                .map(|(lvl, sf)| Block {
                    title: Some(lvl.clone()),
                    rows: study_rows(a, group_of(lvl).into_iter()),
                    summary: Some(summary(sf, format!("{} for {lvl}", model_label(sf)), false)),
                })
                .collect();
            let footer = vec![format!(
                "Test for subgroup differences: Q({}) = {:.2}, {}",
                g.q_between_df,
                g.q_between,
                fmt_p(g.q_between_p)
            )];
            (blocks, footer)
        }
        None => (
            vec![Block {
                title: None,
                rows: study_rows(a, 0..f.k),
                summary: None,
            }],
            vec![],
        ),
    };
    let overall = int_only.then(|| summary(f, model_label(f).to_string(), true));
    let footer = if int_only {
        footer
    } else {
        vec![format!("Meta-regression: {}", het_note(f))]
    };
    Forest {
        blocks,
        overall,
        transf,
        favours,
        xlab: xlab(measure, transf),
        est_header: format!("Estimate [{level} CI]"),
        footer,
    }
}

/// The funnel plot (with trim-and-fill's filled studies); None for a
/// model with moderators.
pub fn funnel(a: &Analysis, measure: Option<&str>, transf: Transf) -> Option<Funnel> {
    let f = &a.fit;
    if !f.x.is_intercept_only() {
        return None;
    }
    let tf = match &a.trimfill {
        Some(t) => Some(t.clone()),
        None => trimfill(f, 100).ok(),
    };
    let (yi, vi, filled, center) = match &tf {
        Some(t) if t.k0 > 0 => (t.yi_filled.clone(), t.vi_filled.clone(), t.fill.clone(), t.fit.b[0]),
        _ => (f.yi.clone(), f.vi.clone(), vec![false; f.k], f.b[0]),
    };
    Some(Funnel {
        yi,
        sei: vi.iter().map(|v| v.sqrt()).collect(),
        filled,
        center,
        crit: qnorm(f.alpha / 2.0, false),
        transf,
        xlab: xlab(measure, transf),
    })
}

/// The cumulative forest plot; None without a cumulative analysis.
pub fn cumul_forest(
    a: &Analysis,
    measure: Option<&str>,
    transf: Transf,
    favours: Option<(String, String)>,
) -> Option<Forest> {
    let f = &a.fit;
    let (order, s) = a.cumul.as_ref()?;
    let level = format!("{:.0}%", 100.0 * (1.0 - f.alpha));
    let pos_of = |row: usize| a.rows.iter().position(|&r| r + 1 == row).unwrap_or(0);
    let rows = order
        .iter()
        .enumerate()
        .map(|(j, &row)| StudyRow {
            label: format!("+ {}", a.labels[pos_of(row)]),
            est: s.estimate[j],
            lb: s.ci_lb[j],
            ub: s.ci_ub[j],
            weight: None,
        })
        .collect();
    Some(Forest {
        blocks: vec![Block {
            title: None,
            rows,
            summary: None,
        }],
        overall: None,
        transf,
        favours,
        xlab: xlab(measure, transf),
        est_header: format!("Cumulative estimate [{level} CI]"),
        footer: vec![],
    })
}
