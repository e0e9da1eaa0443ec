//! Plot files for `acumen meta`: builds the plot data from an analysis and
//! writes SVG or PNG (by the file's extension).

use std::path::Path;

use acumen_meta::diag::trimfill::trimfill;
use acumen_meta::dist::qnorm;
use acumen_meta::{Analysis, Fit, Method};
use acumen_plot::{forest_svg, funnel_svg, svg_to_png, Block, Forest, Funnel, StudyRow, Summary, Transf};
use anyhow::{anyhow, bail, Context, Result};

/// Plot options.
#[derive(Debug, Clone, Default)]
pub struct PlotArgs {
    /// Forest plot file.
    pub forest: Option<std::path::PathBuf>,
    /// Funnel plot file.
    pub funnel: Option<std::path::PathBuf>,
    /// Cumulative forest plot file.
    pub cumul_forest: Option<std::path::PathBuf>,
    /// Axis scale override.
    pub transf: Option<String>,
    /// "left,right" favours labels.
    pub favours: Option<String>,
}

/// The default scale for a measure: ratios are shown back-transformed.
pub fn default_transf(measure: Option<&str>) -> Transf {
    match measure {
        Some("OR" | "RR" | "PETO" | "IRR" | "ROM") => Transf::Exp,
        _ => Transf::None,
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "p < .0001".into()
    } else {
        format!("p = {p:.4}")
    }
}

fn model_label(f: &Fit) -> &'static str {
    if matches!(f.opts.method, Method::EE | Method::FE) {
        "EE Model"
    } else {
        "RE Model"
    }
}

fn het_note(f: &Fit) -> String {
    let q = format!("Q({}) = {:.2}, {}", f.k - f.p, f.qe, fmt_p(f.qe_p));
    if f.opts.method.is_equal_effects() {
        format!("(I\u{b2} = {:.1}%, {q})", f.i2)
    } else {
        format!("(\u{3c4}\u{b2} = {:.3}, I\u{b2} = {:.1}%, {q})", f.tau2, f.i2)
    }
}

fn summary(f: &Fit, label: String, with_pi: bool) -> Summary {
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

fn study_rows(a: &Analysis, idx: impl Iterator<Item = usize>) -> Vec<StudyRow> {
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

fn write(path: &Path, svg: String) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "svg" => svg.into_bytes(),
        "png" => svg_to_png(&svg, 300.0)?,
        _ => bail!("{}: plot files must end in .svg or .png", path.display()),
    };
    std::fs::write(path, bytes).with_context(|| format!("{}: cannot write the plot", path.display()))
}

fn favours(p: &PlotArgs) -> Result<Option<(String, String)>> {
    match &p.favours {
        None => Ok(None),
        Some(s) => {
            let parts: Vec<&str> = s.split(',').map(str::trim).collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                bail!("--favours needs two labels separated by a comma, e.g. \"acupuncture,control\"");
            }
            Ok(Some((parts[0].to_string(), parts[1].to_string())))
        }
    }
}

/// Writes every plot that was asked for.
pub fn write_plots(a: &Analysis, measure: Option<&str>, p: &PlotArgs) -> Result<()> {
    if p.forest.is_none() && p.funnel.is_none() && p.cumul_forest.is_none() {
        return Ok(());
    }
    let transf = match p.transf.as_deref() {
        None => default_transf(measure),
        Some("exp") => Transf::Exp,
        Some("none") => Transf::None,
        Some(v) => bail!("unknown --transf '{v}' (allowed: exp, none)"),
    };
    let f = &a.fit;
    let level = format!("{:.0}%", 100.0 * (1.0 - f.alpha));
    let xlab = match (measure, transf) {
        (Some(m), Transf::Exp) => format!("{m} (log scale)"),
        (Some(m), Transf::None) => m.to_string(),
        (None, _) => "Observed outcome".to_string(),
    };
    let fav = favours(p)?;
    let int_only = f.x.is_intercept_only();
    if let Some(path) = &p.forest {
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
        let forest = Forest {
            blocks,
            overall,
            transf,
            favours: fav.clone(),
            xlab: xlab.clone(),
            est_header: format!("Estimate [{level} CI]"),
            footer,
        };
        write(path, forest_svg(&forest))?;
    }
    if let Some(path) = &p.funnel {
        if !int_only {
            bail!("--funnel needs a model without moderators (drop --mods)");
        }
        let tf = match &a.trimfill {
            Some(t) => Some(t.clone()),
            None => trimfill(f, 100).ok(),
        };
        let (yi, vi, filled, center) = match &tf {
            Some(t) if t.k0 > 0 => (t.yi_filled.clone(), t.vi_filled.clone(), t.fill.clone(), t.fit.b[0]),
            _ => (f.yi.clone(), f.vi.clone(), vec![false; f.k], f.b[0]),
        };
        let funnel = Funnel {
            yi,
            sei: vi.iter().map(|v| v.sqrt()).collect(),
            filled,
            center,
            crit: qnorm(f.alpha / 2.0, false),
            transf,
            xlab: xlab.clone(),
        };
        write(path, funnel_svg(&funnel))?;
    }
    if let Some(path) = &p.cumul_forest {
        let (order, s) = a
            .cumul
            .as_ref()
            .ok_or_else(|| anyhow!("--cumul-forest needs a model without moderators (drop --mods)"))?;
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
        let forest = Forest {
            blocks: vec![Block {
                title: None,
                rows,
                summary: None,
            }],
            overall: None,
            transf,
            favours: fav,
            xlab,
            est_header: format!("Cumulative estimate [{level} CI]"),
            footer: vec![],
        };
        write(path, forest_svg(&forest))?;
    }
    Ok(())
}
