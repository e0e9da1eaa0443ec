//! Plot files for `acumen meta`: the plot data come from
//! `acumen_plot::from_analysis`; this writes SVG or PNG (by the file's
//! extension).

use std::path::Path;

use acumen_meta::Analysis;
use acumen_plot::from_analysis::{cumul_forest, forest, funnel};
use acumen_plot::{forest_svg, funnel_svg, svg_to_png, Transf};
use anyhow::{anyhow, bail, Context, Result};

pub use acumen_plot::from_analysis::default_transf;

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
    let fav = favours(p)?;
    if let Some(path) = &p.forest {
        write(path, forest_svg(&forest(a, measure, transf, fav.clone())))?;
    }
    if let Some(path) = &p.funnel {
        let f = funnel(a, measure, transf)
            .ok_or_else(|| anyhow!("--funnel needs a model without moderators (drop --mods)"))?;
        write(path, funnel_svg(&f))?;
    }
    if let Some(path) = &p.cumul_forest {
        let f = cumul_forest(a, measure, transf, fav)
            .ok_or_else(|| anyhow!("--cumul-forest needs a model without moderators (drop --mods)"))?;
        write(path, forest_svg(&f))?;
    }
    Ok(())
}
