//! A version's analysis: its trials as the engine's table, the pooled
//! result (through `acumen-meta`, with provenance and the metafor script),
//! each trial's weight and risk of bias, the GRADE suggestions with the
//! reviewer's judgements, the Summary-of-Findings row, and the sensitivity
//! reruns (low risk of bias only, one comparator, leave one trial out).

use acumen_meta::json::analysis_json;
use acumen_meta::request::{Outcome, Pooling, Request};
use acumen_meta::table::{parse_number, Table};
use acumen_meta::Analysis;

use crate::changelog::Summary;
use crate::grade::{self, Certainty, Concern, Decision, Pooled, Settings, Suggestion, TrialWeight};
use crate::rob::Level;
use crate::sof::SofRow;
use crate::version::{Comparator, Content, Trial};

/// Which trials a run pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subset {
    /// Every trial.
    All,
    /// Trials judged at low risk of bias overall.
    LowRiskOfBias,
    /// Trials against one comparator.
    Comparator(Comparator),
    /// Every trial but one (by id).
    LeaveOut(String),
    /// Trials of one condition against one comparator (how the answers
    /// page reads the bundled project: never pooled across either).
    Group(String, Comparator),
}

impl Subset {
    /// The subset in words, as a page heads it.
    pub fn words(&self) -> String {
        match self {
            Subset::All => "all trials".into(),
            Subset::LowRiskOfBias => "trials at low risk of bias only".into(),
            Subset::Comparator(c) => format!("trials against {} only", c.words()),
            Subset::LeaveOut(id) => format!("all trials but {id}"),
            Subset::Group(cond, c) => format!("{cond} against {}", c.words()),
        }
    }

    /// The subset as a URL parameter (`all`, `low_rob`, `comparator:sham`, `without:lu2020`).
    pub fn key(&self) -> String {
        match self {
            Subset::All => "all".into(),
            Subset::LowRiskOfBias => "low_rob".into(),
            Subset::Comparator(c) => format!("comparator:{}", c.key()),
            Subset::LeaveOut(id) => format!("without:{id}"),
            Subset::Group(cond, c) => format!("group:{}:{cond}", c.key()),
        }
    }

    /// The subset a URL parameter names; an unknown one is refused in words.
    pub fn from_key(key: &str) -> Result<Subset, String> {
        let bad = || {
            format!("'{key}' is not a subset: write all, low_rob, comparator:<sham|usual_care|waitlist|drug|other> or without:<trial id>")
        };
        match key {
            "" | "all" => Ok(Subset::All),
            "low_rob" => Ok(Subset::LowRiskOfBias),
            _ => match key.split_once(':') {
                Some(("comparator", c)) => Comparator::from_key(c).map(Subset::Comparator).ok_or_else(bad),
                Some(("without", id)) if !id.is_empty() => Ok(Subset::LeaveOut(id.to_string())),
                Some(("group", rest)) => match rest.split_once(':') {
                    Some((c, cond)) if !cond.is_empty() => Comparator::from_key(c)
                        .map(|c| Subset::Group(cond.to_string(), c))
                        .ok_or_else(bad),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            },
        }
    }

    fn keeps(&self, t: &Trial) -> bool {
        match self {
            Subset::All => true,
            Subset::LowRiskOfBias => t.rob.as_ref().is_some_and(|r| r.overall == Level::Low),
            Subset::Comparator(c) => t.comparator == Some(*c),
            Subset::LeaveOut(id) => &t.id != id,
            Subset::Group(cond, c) => t.condition.as_deref() == Some(cond) && t.comparator == Some(*c),
        }
    }
}

/// A trial's part in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialResult {
    /// Its id.
    pub id: String,
    /// Effect size (analysis scale).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Its own confidence interval at the analysis's level (normal, as
    /// metafor's forest plot draws it).
    pub ci: (f64, f64),
    /// Weight in percent.
    pub weight_pct: f64,
    /// Overall risk of bias, where assessed.
    pub rob: Option<Level>,
    /// Comparator, where known.
    pub comparator: Option<Comparator>,
}

/// A run of a version's analysis over a subset of its trials.
pub struct VersionAnalysis {
    /// The subset pooled.
    pub subset: Subset,
    /// The engine's analysis (for plots and the JSON contract).
    pub analysis: Analysis,
    /// The engine's JSON of it (metafor's names).
    pub results: serde_json::Value,
    /// The measure (SMD, MD, RR, ...; "yi" when the trials give yi and vi).
    pub measure: String,
    /// The trials pooled, in project order.
    pub trials: Vec<TrialResult>,
    /// Trials of the subset the engine left out, with why.
    pub left_out: Vec<(String, String)>,
    /// What the changelog card reads (back-transformed for ratios).
    pub summary: Summary,
    /// The GRADE decisions: the reviewer's where given, else the suggestion.
    pub decisions: Vec<Decision>,
    /// Domains whose suggestion no reviewer has confirmed yet.
    pub unconfirmed: Vec<grade::Domain>,
    /// The Summary-of-Findings row.
    pub sof: SofRow,
    /// The provenance footer and, when a fallback was taken, its banner.
    pub footer: String,
    /// The fallback banner, if any.
    pub banner: Option<String>,
    /// The provenance block as JSON.
    pub provenance: serde_json::Value,
    /// The self-contained metafor script that reproduces the run.
    pub r_script: String,
}

/// The trials as the engine's table: the union of their columns (in name
/// order) and a `study` column with the trial's id unless they give one.
pub fn table_of(trials: &[&Trial]) -> Table {
    let mut cols: Vec<String> = trials
        .iter()
        .flat_map(|t| t.row.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let own_study = !cols.iter().any(|c| c == "study");
    if own_study {
        cols.insert(0, "study".into());
    }
    let rows: Vec<Vec<String>> = trials
        .iter()
        .map(|t| {
            cols.iter()
                .map(|c| match (c.as_str(), own_study) {
                    ("study", true) => t.id.clone(),
                    _ => t.row.get(c).cloned().unwrap_or_default(),
                })
                .collect()
        })
        .collect();
    Table::from_rows(cols, &rows)
}

/// The version's analysis options as the engine's request (unknown
/// options refused by the request's own rules), every block that applies.
pub fn request_of(content: &Content) -> Result<Request, String> {
    let mut req: Request = serde_json::from_value(content.options.clone()).map_err(|e| format!("options: {e}"))?;
    if req.pooling() != Pooling::Rma {
        return Err("options.method: projects pool by inverse variance (FE, REML, DL, PM, ...); Mantel-Haenszel and Peto are for `acumen meta`".into());
    }
    req.all = true;
    Ok(req)
}

fn is_ratio(measure: &str) -> bool {
    matches!(measure, "RR" | "OR" | "HR" | "IRR" | "ROM" | "PETO")
}

/// The default minimal important difference on the analysis scale.
pub fn default_mid(measure: &str) -> f64 {
    match measure {
        "SMD" | "SMDH" | "SMD1" => 0.5,
        m if is_ratio(m) => 1.25f64.ln(),
        _ => 1.0,
    }
}

/// Sum of a numeric column over rows, if every row has it.
fn column_sum(table: &Table, rows: &[usize], cols: &[&str]) -> Option<f64> {
    let mut total = 0.0;
    for &r in rows {
        for c in cols {
            let j = table.col_index(c)?;
            total += parse_number(table.cell(r, j)).ok()??;
        }
    }
    Some(total)
}

/// The mean of the arms' SDs, where every pooled trial gives both.
fn mean_sd(table: &Table, rows: &[usize]) -> Option<f64> {
    let s = column_sum(table, rows, &["sd1i", "sd2i"])?;
    Some(s / (2.0 * rows.len() as f64))
}

/// The median control-group risk (events / total), where every trial gives it.
fn control_risk(table: &Table, rows: &[usize]) -> Option<f64> {
    let (ci, n2) = (table.col_index("ci")?, table.col_index("n2i")?);
    let mut risks: Vec<f64> = rows
        .iter()
        .map(|&r| Some(parse_number(table.cell(r, ci)).ok()?? / parse_number(table.cell(r, n2)).ok()??))
        .collect::<Option<_>>()?;
    risks.sort_by(f64::total_cmp);
    let m = risks.len();
    (m > 0).then(|| (risks[(m - 1) / 2] + risks[m / 2]) / 2.0)
}

/// The reviewer's judgements over the suggestions: an override without a
/// reason is refused, naming the domain.
fn decide(content: &Content, suggestions: Vec<Suggestion>) -> Result<(Vec<Decision>, Vec<grade::Domain>), String> {
    let mut decisions = Vec::new();
    let mut unconfirmed = Vec::new();
    for s in suggestions {
        match content.grade.iter().find(|j| j.domain == s.domain) {
            None => {
                unconfirmed.push(s.domain);
                decisions.push(Decision::confirm(s));
            }
            Some(j) if j.concern == s.concern && j.reason.trim().is_empty() => decisions.push(Decision::confirm(s)),
            Some(j) if j.concern == s.concern => decisions.push(Decision {
                concern: j.concern,
                override_reason: Some(j.reason.trim().to_string()),
                suggestion: s,
            }),
            Some(j) => {
                let domain = serde_json::to_value(s.domain).unwrap_or_default();
                decisions.push(
                    Decision::overrule(s, j.concern, &j.reason)
                        .map_err(|e| format!("grade: {}: {e}", domain.as_str().unwrap_or("")))?,
                );
            }
        }
    }
    Ok((decisions, unconfirmed))
}

/// Runs the version's analysis over a subset of its trials.
pub fn analyse(content: &Content, subset: &Subset, budget: acumen_meta::Budget) -> Result<VersionAnalysis, String> {
    let chosen: Vec<&Trial> = content.trials.iter().filter(|t| subset.keeps(t)).collect();
    if let Subset::LeaveOut(id) = subset {
        if chosen.len() == content.trials.len() {
            return Err(format!("without:{id}: the version has no trial {id}"));
        }
    }
    if chosen.is_empty() {
        return Err(format!("no trial fits: {}", subset.words()));
    }
    let req = request_of(content)?;
    let table = table_of(&chosen);
    let mut opts = req.options().map_err(|e| e.to_string())?;
    opts.fit.budget = budget;
    let (outcome, prov) = req.run_traced(&table, &opts).map_err(|e| match e {
        acumen_meta::MetaError::Usage(m) => m,
        e => e.to_string(),
    })?;
    let Outcome::Rma(a) = outcome else {
        return Err("projects pool by inverse variance".into());
    };
    let results = serde_json::to_value(analysis_json(&a)).map_err(|e| e.to_string())?;
    let r_script = acumen_meta::rscript::r_script(&req, &opts, &table, &results, &prov);
    let measure = req.measure.clone().unwrap_or_else(|| "yi".into());
    let f = &a.fit;
    let z = acumen_meta::dist::qnorm(f.alpha / 2.0, false);
    let trials: Vec<TrialResult> = a
        .rows
        .iter()
        .enumerate()
        .map(|(i, &r)| TrialResult {
            id: chosen[r].id.clone(),
            yi: f.yi[i],
            vi: f.vi[i],
            ci: (f.yi[i] - z * f.vi[i].sqrt(), f.yi[i] + z * f.vi[i].sqrt()),
            weight_pct: f.weights_pct[i],
            rob: chosen[r].rob.as_ref().map(|x| x.overall),
            comparator: chosen[r].comparator,
        })
        .collect();
    let left_out = a
        .dropped
        .iter()
        .map(|d| (chosen[d.row].id.clone(), d.reason.clone()))
        .collect();
    // A prediction interval only for random-effects models of two or more trials.
    let pi = a
        .predict
        .as_ref()
        .filter(|_| f.k >= 2 && !f.opts.method.is_equal_effects())
        .and_then(|p| Some((*p.pi_lb.first()?, *p.pi_ub.first()?)));
    let n_total = column_sum(&table, &a.rows, &["n1i", "n2i"]).or_else(|| column_sum(&table, &a.rows, &["ni"]));
    let pooled = Pooled {
        k: f.k,
        ci: (f.ci_lb[0], f.ci_ub[0]),
        pi,
        i2: f.i2,
        n_total,
        egger_p: a.regtest.as_ref().filter(|_| f.k >= 10).map(|r| r.rma_sei.pval),
    };
    let mid = content.mid.unwrap_or_else(|| default_mid(&measure));
    let mid_in_sd = match measure.as_str() {
        "SMD" | "SMDH" | "SMD1" => Some(mid),
        "MD" => mean_sd(&table, &a.rows).map(|sd| mid / sd),
        _ => None,
    };
    let weights: Vec<TrialWeight> = trials
        .iter()
        .map(|t| TrialWeight {
            weight: t.weight_pct,
            rob: t.rob,
        })
        .collect();
    let suggestions = grade::suggest(&weights, &pooled, &Settings { mid, mid_in_sd });
    let (decisions, unconfirmed) = decide(content, suggestions)?;
    let certainty: Certainty = grade::certainty(&decisions);
    let ratio = is_ratio(&measure);
    let back = |x: f64| if ratio { x.exp() } else { x };
    let summary = Summary {
        measure: measure.clone(),
        k: f.k,
        estimate: back(f.b[0]),
        ci: (back(f.ci_lb[0]), back(f.ci_ub[0])),
        pi: pi.map(|(l, u)| (back(l), back(u))),
        i2: f.i2,
        null: if ratio { 1.0 } else { 0.0 },
        certainty: Some(certainty),
    };
    let reasons = decisions
        .iter()
        .filter(|d| d.concern != Concern::NotSerious)
        .map(|d| {
            let why = d.override_reason.clone().unwrap_or_else(|| d.suggestion.reason.clone());
            let domain = serde_json::to_value(d.suggestion.domain).unwrap_or_default();
            format!("{}: {why}", domain.as_str().unwrap_or("").replace('_', " "))
        })
        .collect();
    let sof = SofRow {
        outcome: content.question.outcome.clone(),
        measure: measure.clone(),
        estimate: summary.estimate,
        ci: summary.ci,
        control_risk: if ratio { control_risk(&table, &a.rows) } else { None },
        unit: (measure == "MD").then(|| "points".to_string()),
        n: n_total.map(|n| n.round() as u64),
        k: f.k,
        certainty,
        reasons,
    };
    Ok(VersionAnalysis {
        subset: subset.clone(),
        footer: prov.footer(),
        banner: prov.banner(),
        provenance: serde_json::to_value(&prov).map_err(|e| e.to_string())?,
        analysis: *a,
        results,
        measure,
        trials,
        left_out,
        summary,
        decisions,
        unconfirmed,
        sof,
        r_script,
    })
}

/// The (condition, comparator) groups of a version's trials, in order of
/// first appearance; trials without either are not in any group.
pub fn groups(content: &Content) -> Vec<Subset> {
    let mut out: Vec<Subset> = Vec::new();
    for t in &content.trials {
        if let (Some(cond), Some(c)) = (&t.condition, t.comparator) {
            let g = Subset::Group(cond.clone(), c);
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// The sensitivity reruns that apply to a version: low risk of bias only
/// (when some trials are low and some are not), each comparator (when the
/// trials have more than one), and leave-one-out (from three trials).
pub fn sensitivity_subsets(content: &Content) -> Vec<Subset> {
    let mut out = Vec::new();
    let low = content.trials.iter().filter(|t| Subset::LowRiskOfBias.keeps(t)).count();
    if low > 0 && low < content.trials.len() {
        out.push(Subset::LowRiskOfBias);
    }
    let comps: std::collections::BTreeSet<Comparator> = content.trials.iter().filter_map(|t| t.comparator).collect();
    if comps.len() > 1 {
        out.extend(comps.into_iter().map(Subset::Comparator));
    }
    if content.trials.len() >= 3 {
        out.extend(content.trials.iter().map(|t| Subset::LeaveOut(t.id.clone())));
    }
    out
}
