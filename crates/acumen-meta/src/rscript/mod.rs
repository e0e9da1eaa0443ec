//! `acumen meta --r-script`: a self-contained R script that runs the same
//! analysis with metafor (`escalc`, `rma`, `rma.mh`, `rma.peto` and each
//! block asked for) on the data embedded in it, compares every one of
//! metafor's numbers with Acumen's (embedded too) at the tolerances of
//! [`crate::tolerance`], and prints a table and `ALL MATCH` or the
//! mismatches. Attempts of a fallback chain are reproduced: each
//! estimator that did not converge here must not converge in metafor.

pub mod literal;

use serde_json::Value;

use crate::provenance::Provenance;
use crate::request::Request;
use crate::table::Table;
use crate::{tolerance, AnalysisOptions};

/// metafor's side of the analysis and the comparison (R code).
const RUNNER: &str = include_str!("runner.R");
/// The script's last part: read the data, check, report.
const MAIN: &str = include_str!("main.R");

/// The table as CSV text, every cell quoted (R's `read.csv` reads it back).
fn csv_text(table: &Table) -> String {
    let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let mut out = table.headers.iter().map(|h| quote(h)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for i in 0..table.n_rows() {
        let cells: Vec<String> = (0..table.headers.len()).map(|j| quote(table.cell(i, j))).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn opt_str(v: &Option<String>) -> String {
    v.as_deref().map_or("NULL".into(), literal::string)
}

fn opt_num(v: Option<f64>) -> String {
    v.map_or("NULL".into(), literal::number)
}

fn bool_r(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

fn ints(v: &Option<Vec<usize>>) -> String {
    v.as_ref().map_or("NULL".into(), |v| {
        format!(
            "c({})",
            v.iter().map(|j| format!("{j}L")).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The options as the R list `o` the runner reads (`method` and `stepadj`
/// are those of the attempt whose results are shown).
fn options_list(req: &Request, opts: &AnalysisOptions, results: &Value, prov: &Provenance) -> String {
    let newmods = opts.newmods.as_ref().map_or("NULL".into(), |rows| {
        let cols = rows.first().map_or(0, Vec::len);
        let vals: Vec<String> = rows.iter().flatten().map(|x| literal::number(*x)).collect();
        format!("matrix(c({}), ncol = {cols}, byrow = TRUE)", vals.join(", "))
    });
    let drop00 = match (&req.drop00, &opts.escalc) {
        (None, _) => "NULL".to_string(),
        (Some(_), Some(e)) => bool_r(e.drop00).into(),
        (Some(v), None) => bool_r(matches!(v.as_str(), "yes" | "TRUE" | "true")).into(),
    };
    let exact = results["permutest"]["exact"].as_bool().unwrap_or(false);
    let b = opts.blocks;
    let items = [
        ("measure", opt_str(&req.measure)),
        ("vtype", literal::string(&req.vtype)),
        ("add", opt_num(opts.escalc.as_ref().and_then(|e| e.add))),
        ("to", literal::string(&req.to)),
        ("drop00", drop00),
        ("method", literal::string(&prov.method)),
        ("stepadj", literal::number(prov.control.stepadj)),
        ("maxiter", format!("{}", req.maxiter)),
        ("test", literal::string(&req.test)),
        ("level", literal::number(req.level)),
        ("mods", opt_str(&req.mods)),
        ("btt", ints(&opts.fit.btt)),
        ("weights", opt_str(&req.weights)),
        ("tau2", opt_num(req.tau2)),
        ("unweighted", bool_r(req.unweighted).into()),
        ("newmods", newmods),
        ("subgroup", opt_str(&req.subgroup)),
        ("all", bool_r(opts.all).into()),
        ("leave1out", bool_r(b.leave1out).into()),
        ("influence", bool_r(b.influence).into()),
        ("regtest", bool_r(b.regtest).into()),
        ("ranktest", bool_r(b.ranktest).into()),
        ("trimfill", bool_r(b.trimfill).into()),
        ("cumul", bool_r(b.cumul).into()),
        ("cumul_order", opt_str(&req.cumul_order)),
        ("permutations", opt_str(&req.permutations)),
        ("permutations_exact", bool_r(exact).into()),
        ("reduced_mods", opt_str(&req.reduced_mods)),
        ("wald", ints(&opts.wald)),
        ("no_correct", bool_r(req.no_correct).into()),
    ];
    let body: Vec<String> = items.iter().map(|(k, v)| format!("  {k} = {v}")).collect();
    format!("o <- list(\n{}\n)\n", body.join(",\n"))
}

/// The R script for an analysis: `req` run with `opts` on `table` gave
/// `results` (the analysis JSON, without its provenance) and `prov`.
pub fn r_script(req: &Request, opts: &AnalysisOptions, table: &Table, results: &Value, prov: &Provenance) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# Reproduces an analysis of {engine} {version} with R's metafor and compares every number.\n\
         #   Rscript THIS_FILE.R   (R >= 4.0 with metafor >= 3.8; Debian: apt-get install r-cran-metafor)\n\
         # Data: {rows} rows, SHA-256 {sha} (the cells as parsed); model {model}, method {method}.\n\
         # Prints one line per value and ALL MATCH, or the values that differ (exit status 1).\n\n",
        engine = prov.engine,
        version = prov.version,
        rows = prov.data.rows,
        sha = prov.data.sha256,
        model = prov.model,
        method = prov.method,
    ));
    if let Some(b) = prov.banner() {
        s.push_str(&format!("# Fallback: {b}.\n\n"));
    }
    s.push_str("suppressPackageStartupMessages(library(metafor))\n");
    s.push_str("stopifnot(packageVersion(\"metafor\") >= \"3.8\")\n");
    s.push_str("options(warn = -1)\n\n");
    s.push_str(&format!(
        "# The tolerances of Acumen's tests (acumen_meta::tolerance).\ntolerance <- list(rel = {}, abs = {}, slack_factor = {})\n\n",
        literal::number(tolerance::REL),
        literal::number(tolerance::ABS),
        literal::number(tolerance::SLACK_FACTOR)
    ));
    s.push_str(&format!("data_csv <- {}\n\n", literal::string(&csv_text(table))));
    s.push_str("# The options in force.\n");
    s.push_str(&options_list(req, opts, results, prov));
    let attempts: Vec<String> = prov
        .fallback
        .iter()
        .map(|a| {
            format!(
                "list(method = {}, stepadj = {}, converged = {})",
                literal::string(&a.method),
                literal::number(a.stepadj),
                bool_r(a.converged)
            )
        })
        .collect();
    s.push_str(&format!("fallback <- list({})\n\n", attempts.join(", ")));
    s.push_str("# Acumen's results.\n");
    s.push_str(&format!("acumen <- {}\n\n", literal::value(results)));
    s.push_str(RUNNER);
    s.push('\n');
    s.push_str(MAIN);
    s
}
