//! `acumen points`: the acupoint table, filtered by region, flag or text,
//! with how many neuropathy trials used each point.

use std::fmt::Write;

use clap::{Args, ValueEnum};

use acumen_knowledge::points::{search, Query};
use acumen_knowledge::trials::{describe, PointInfo};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text table.
    Table,
    /// JSON array.
    Json,
}

/// Orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// WHO order (meridian, number).
    Code,
    /// Most-used in neuropathy trials first.
    Trials,
}

/// Arguments of `acumen points`.
#[derive(Debug, Args)]
pub struct PointsArgs {
    /// Body region: head_face, neck, shoulder, chest, abdomen, upper_back, lower_back,
    /// perineum, arm, hand, leg, foot, ear.
    #[arg(long)]
    pub region: Option<String>,
    /// Safety flag: pregnancy (pregnancy_caution), pneumothorax (pneumothorax_risk), foot, hand.
    #[arg(long)]
    pub flag: Option<String>,
    /// Text: code prefix, pinyin (tones optional) or characters.
    #[arg(long, short)]
    pub q: Option<String>,
    /// Order of the rows.
    #[arg(long, value_enum, default_value_t = Sort::Code)]
    pub sort: Sort,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs the command and returns its output.
pub fn run(a: &PointsArgs) -> anyhow::Result<String> {
    let (region, flag) =
        acumen_knowledge::points::filters(a.region.as_deref(), a.flag.as_deref()).map_err(|errors| {
            let words: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("{}", words.join("; "))
        })?;
    let mut rows: Vec<PointInfo> = search(&Query {
        text: a.q.as_deref(),
        region,
        flag,
    })
    .into_iter()
    .map(describe)
    .collect();
    if a.sort == Sort::Trials {
        rows.sort_by_key(|r| std::cmp::Reverse((r.trial_use.trials, r.trial_use.studies)));
    }
    Ok(match a.format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Table => table(&rows),
    })
}

fn table(rows: &[PointInfo]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<15} {:<16} {:<7} {:<10} {:<5} {:>6} {:>7}  flags",
        "code", "pinyin", "hanzi", "region", "limb", "trials", "studies"
    );
    for r in rows {
        let p = r.point;
        let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
        let limb = match p.limb {
            Some(acumen_knowledge::Limb::Arm) => "arm",
            Some(acumen_knowledge::Limb::Leg) => "leg",
            None => "-",
        };
        // Pad by display width: tone marks are one column, Chinese characters two.
        let pad = |s: &str, w: usize| {
            let width: usize = s.chars().map(|c| if c >= '\u{2e80}' { 2 } else { 1 }).sum();
            format!("{s}{}", " ".repeat(w.saturating_sub(width)))
        };
        let _ = writeln!(
            out,
            "{:<15} {} {} {:<10} {:<5} {:>6} {:>7}  {}",
            p.code,
            pad(p.pinyin, 16),
            pad(p.hanzi, 7),
            p.region.as_str(),
            limb,
            r.trial_use.trials,
            r.trial_use.studies,
            flags.join(",")
        );
    }
    let _ = writeln!(
        out,
        "{} points. trials: controlled neuropathy trials that used the point; studies: all studies incl. case series (sources: acumen-knowledge/SOURCES.md).",
        rows.len()
    );
    out
}
