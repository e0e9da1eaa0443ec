//! `acumen project`: an evidence project's content (a JSON file, or the
//! bundled project) analysed offline as the web app does — its version
//! hash, the pooled result over a subset, the GRADE suggestions and
//! judgements, the Summary-of-Findings row, the sensitivity reruns that
//! apply — with the changelog against another version, the metafor script,
//! or the trials a CSV or .rm5 file would add (`--import`).

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde_json::json;

use acumen_evidence::bundled::bundled;
use acumen_evidence::changelog::what_moved;
use acumen_evidence::project::{analyse, sensitivity_subsets, Subset};
use acumen_evidence::version::{trial_changes, version_hash, Content};
use acumen_meta::Budget;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for a reader.
    Table,
    /// JSON (the API's names).
    Json,
}

/// Arguments of `acumen project`.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The project's content as JSON (question, trials, options; as `/api/v1/projects` takes it).
    #[arg(required_unless_present_any = ["bundled", "import"], conflicts_with = "bundled")]
    pub file: Option<PathBuf>,
    /// Use the bundled project (the trials with full arm data).
    #[arg(long)]
    pub bundled: bool,
    /// Which trials to pool: all, low_rob, comparator:<sham|usual_care|waitlist|drug|other>, without:<trial id>.
    #[arg(long, default_value = "all")]
    pub subset: String,
    /// The changelog against an older version's content (a JSON file, or `bundled`).
    #[arg(long)]
    pub against: Option<String>,
    /// Writes the metafor script that reruns the analysis and compares every number.
    #[arg(long, value_name = "OUT.R")]
    pub r_script: Option<PathBuf>,
    /// Previews the trials of a CSV or .rm5 file instead (nothing else is done).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "bundled"])]
    pub import: Option<PathBuf>,
    /// For `--import` of an .rm5 file: the outcome to read (1-based).
    #[arg(long, default_value_t = 1)]
    pub outcome: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn read_content(path: &std::path::Path) -> anyhow::Result<Content> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| anyhow::anyhow!("{}: {}: {}", path.display(), e.path(), e.inner()))
}

fn import(path: &std::path::Path, outcome: usize, format: Format) -> anyhow::Result<String> {
    if outcome == 0 {
        bail!("--outcome: outcomes are numbered from 1");
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let p = acumen_evidence::import::preview(&bytes, &name, Some(outcome - 1)).map_err(anyhow::Error::msg)?;
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(&p)? + "\n");
    }
    let mut out = String::new();
    for o in &p.outcomes {
        writeln!(out, "outcome: {o}")?;
    }
    for n in &p.notes {
        writeln!(out, "note: {n}")?;
    }
    writeln!(out, "{} trial(s) read:", p.trials.len())?;
    for t in &p.trials {
        writeln!(
            out,
            "  {}: {}",
            t.id,
            t.row
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        )?;
    }
    for e in &p.errors {
        writeln!(out, "{name}: row {}, {}: {}", e.row, e.field, e.message)?;
    }
    Ok(out)
}

/// Runs the command; its output.
pub fn run(a: &ProjectArgs) -> anyhow::Result<String> {
    if let Some(path) = &a.import {
        return import(path, a.outcome, a.format);
    }
    let content = match &a.file {
        Some(p) => read_content(p)?,
        None => bundled().clone(),
    };
    let subset = Subset::from_key(&a.subset).map_err(|e| anyhow::anyhow!("--subset: {e}"))?;
    let r = analyse(&content, &subset, Budget::default()).map_err(anyhow::Error::msg)?;
    if let Some(out) = &a.r_script {
        std::fs::write(out, &r.r_script).with_context(|| format!("{}: cannot write", out.display()))?;
    }
    let changelog = match &a.against {
        None => None,
        Some(old) => {
            let old = if old == "bundled" {
                bundled().clone()
            } else {
                read_content(std::path::Path::new(old))?
            };
            let before = analyse(&old, &Subset::All, Budget::default()).map_err(anyhow::Error::msg)?;
            let now = analyse(&content, &Subset::All, Budget::default()).map_err(anyhow::Error::msg)?;
            Some(
                json!({"from": version_hash(&old), "trials": trial_changes(&old, &content),
                        "what_moved": what_moved(&before.summary, &now.summary)}),
            )
        }
    };
    let hash = version_hash(&content);
    let sensitivity: Vec<String> = sensitivity_subsets(&content).iter().map(Subset::key).collect();
    if a.format == Format::Json {
        let v = json!({
            "hash": hash, "subset": subset.key(), "measure": r.measure, "analysis": r.results,
            "provenance": r.provenance, "left_out": r.left_out,
            "grade": {"decisions": r.decisions, "unconfirmed": r.unconfirmed, "certainty": r.sof.certainty},
            "sof_csv": acumen_evidence::sof::sof_csv(std::slice::from_ref(&r.sof)),
            "sensitivity": sensitivity, "changelog": changelog,
        });
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    let s = &r.summary;
    let mut out = String::new();
    writeln!(out, "version {hash}")?;
    writeln!(out, "{}: {}", content.question.outcome, subset.words())?;
    writeln!(
        out,
        "pooled {} {:.3} (95% CI {:.3} to {:.3}){}; I² {:.1} %; k = {}",
        r.measure,
        s.estimate,
        s.ci.0,
        s.ci.1,
        s.pi.map(|(l, u)| format!(", PI {l:.3} to {u:.3}")).unwrap_or_default(),
        s.i2,
        s.k
    )?;
    for (id, why) in &r.left_out {
        writeln!(out, "left out: {id}: {why}")?;
    }
    writeln!(out, "GRADE: certainty {}", r.sof.certainty.words())?;
    for d in &r.decisions {
        let domain = serde_json::to_value(d.suggestion.domain)?;
        let concern = serde_json::to_value(d.concern)?;
        writeln!(
            out,
            "  {}: {}{} — {}",
            domain.as_str().unwrap_or("").replace('_', " "),
            concern.as_str().unwrap_or("").replace('_', " "),
            if r.unconfirmed.contains(&d.suggestion.domain) {
                " (suggested, not confirmed)"
            } else {
                ""
            },
            d.override_reason.as_deref().unwrap_or(&d.suggestion.reason)
        )?;
    }
    writeln!(
        out,
        "sensitivity reruns: {}",
        if sensitivity.is_empty() {
            "none apply".into()
        } else {
            sensitivity.join(", ")
        }
    )?;
    if let Some(c) = changelog {
        writeln!(
            out,
            "against {}: {}",
            c["from"].as_str().unwrap_or(""),
            c["what_moved"].as_str().unwrap_or("")
        )?;
    }
    writeln!(out, "{}", r.footer)?;
    Ok(out)
}
