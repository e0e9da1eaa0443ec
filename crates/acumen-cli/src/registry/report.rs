//! `acumen report`: the answers page of a clinic as a standalone
//! document — self-contained HTML with inline SVG charts, or JSON — with
//! optional trials added to the trial-level evidence.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use crate::meta::csv_input::read_csv;
use crate::registry::open_existing_store;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Self-contained HTML.
    Html,
    /// JSON (as `/api/v1/answers`).
    Json,
}

/// Arguments of `acumen report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Registry database.
    #[arg(long)]
    pub db: String,
    /// Clinic id (needed when the database holds several clinics).
    #[arg(long)]
    pub clinic: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Html)]
    pub format: Format,
    /// Trials to add to the evidence: a CSV with m1i, sd1i, n1i (acupuncture),
    /// m2i, sd2i, n2i (control), and optional study, scores (change|final),
    /// higher_is_better (yes|no).
    #[arg(long)]
    pub add_trials: Option<PathBuf>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// Runs the command; returns what goes to standard output.
pub async fn run(a: &ReportArgs) -> Result<String> {
    let added = match &a.add_trials {
        Some(p) => {
            let t = read_csv(p)?;
            acumen_analytics::evidence::added_trials(&t).with_context(|| format!("{}", p.display()))?
        }
        None => Vec::new(),
    };
    let store = open_existing_store(&a.db).await?;
    let clinics = store_clinics(store.as_ref()).await?;
    let clinic = match (a.clinic, clinics.as_slice()) {
        (Some(id), _) if clinics.contains(&id) => id,
        (Some(id), _) => bail!("{}: no clinic {id} (clinics: {:?})", a.db, clinics),
        (None, [one]) => *one,
        (None, []) => bail!("{}: the database holds no clinic", a.db),
        (None, _) => bail!("{}: several clinics ({:?}); choose one with --clinic", a.db, clinics),
    };
    let answers = acumen_web::service::answers::compute_with(store.as_ref(), clinic, added)
        .await
        .map_err(|e| anyhow::anyhow!("computing the answers: {e}"))?;
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&answers)? + "\n",
        Format::Html => acumen_web::pages::answers_page::render(&answers).context("rendering the page")?,
    };
    match &a.out {
        Some(p) => {
            std::fs::write(p, &text).with_context(|| format!("{}: cannot write", p.display()))?;
            Ok(String::new())
        }
        None => Ok(text),
    }
}

async fn store_clinics(store: &dyn acumen_store::Store) -> Result<Vec<i64>> {
    Ok(store.clinics().await?.into_iter().map(|c| c.id).collect())
}
