//! The evidence page: a bundled data set or an uploaded CSV (the engine's
//! format) run through the evidence engine — summary, forest and funnel
//! plots and the diagnostics — for any logged-in user.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use acumen_meta::json::analysis_json;
use acumen_meta::{Budget, Outcome, Request};
use acumen_plot::{forest_svg, funnel_svg};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::layout::{render, to_login, UserView};
use crate::auth::Authed;
use crate::engine_pool::MAX_UPLOAD_BYTES;
use crate::state::AppState;
use acumen_plot::from_analysis::{default_transf, fmt_p, forest, funnel, het_note};

/// Bundled data sets: (id, words, measure, CSV).
pub const DATASETS: [(&str, &str, &str, &str); 3] = [
    (
        "bcg",
        "BCG vaccine trials (metafor's dat.bcg), risk ratio",
        "RR",
        include_str!("../../../../examples/bcg.csv"),
    ),
    (
        "k2_smd",
        "Two CIPN pain trials (Lu 2020 and an example), SMD",
        "SMD",
        include_str!("../../../../examples/k2_smd.csv"),
    ),
    (
        "large_k150",
        "150 simulated trials with yi and vi",
        "",
        include_str!("../../../../examples/large_k150.csv"),
    ),
];

const MEASURES: [&str; 8] = ["", "SMD", "MD", "RR", "OR", "RD", "ROM", "SMCR"];
const METHODS: [&str; 5] = ["REML", "DL", "PM", "ML", "EE"];
/// The estimators the fallback chain applies to (iterative ML and REML).
const FALLBACK_METHODS: [&str; 2] = ["REML", "ML"];

#[derive(Template)]
#[template(path = "pages/evidence.html")]
struct EvidencePage {
    user: Option<UserView>,
    simulated: bool,
    datasets: Vec<(String, String)>,
    chosen: String,
    measures: Vec<String>,
    measure: String,
    methods: Vec<String>,
    method: String,
    fallback: bool,
    error: Option<String>,
    result: Option<ResultView>,
}

struct ResultView {
    source: String,
    /// A fallback taken or a step that did not converge, in words.
    banner: Option<String>,
    /// Engine, version, data hash and estimator (the provenance in one line).
    footer: String,
    /// The R script's file name and its contents as a `data:` link.
    script_name: String,
    script_href: String,
    lines: Vec<String>,
    forest: String,
    funnel: String,
}

fn page(st: &AppState, who: &Authed) -> EvidencePage {
    EvidencePage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        datasets: DATASETS.iter().map(|d| (d.0.to_string(), d.1.to_string())).collect(),
        chosen: "bcg".into(),
        measures: MEASURES.iter().map(|m| m.to_string()).collect(),
        measure: "RR".into(),
        methods: METHODS.iter().map(|m| m.to_string()).collect(),
        method: "REML".into(),
        fallback: false,
        error: None,
        result: None,
    }
}

/// `GET /evidence`
pub async fn evidence(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let Some(who) = who else { return to_login("/evidence") };
    render(&page(&st, &who))
}

/// What the form asks for, as the engine's [`Request`] (every block that
/// applies, as `acumen meta --all`).
fn request(measure: &str, method: &str, fallback: bool) -> Request {
    Request {
        measure: Some(measure.to_string()).filter(|m| !m.is_empty()),
        method: method.to_string(),
        all: true,
        fallback,
        ..Default::default()
    }
}

fn run(csv: &[u8], name: &str, req: &Request, budget: Budget) -> Result<ResultView, String> {
    let table = acumen_meta::csv::parse_csv(csv, name)?;
    let mut opts = req.options().map_err(|e| e.to_string())?;
    opts.fit.budget = budget;
    let (outcome, prov) = req.run_traced(&table, &opts).map_err(|e| match e {
        acumen_meta::MetaError::Cancelled => format!(
            "{name}: the analysis ran past its {} s budget and was stopped; run `acumen meta` on your own machine for a data set this large",
            crate::engine_pool::BUDGET.as_secs()
        ),
        acumen_meta::MetaError::Usage(m) => m,
        e => format!("{name}: {e}"),
    })?;
    let Outcome::Rma(a) = outcome else {
        return Err("the evidence page runs inverse-variance models; use acumen meta for MH or Peto".into());
    };
    let results = serde_json::to_value(analysis_json(&a)).map_err(|e| e.to_string())?;
    let script = acumen_meta::rscript::r_script(req, &opts, &table, &results, &prov);
    let measure = req.measure.as_deref().unwrap_or("");
    let method = prov.method.as_str();
    let f = &a.fit;
    let transf = default_transf(Some(measure).filter(|m| !m.is_empty()));
    let back = |x: f64| if transf == acumen_plot::Transf::Exp { x.exp() } else { x };
    let mut lines = vec![
        format!(
            "{} studies, {} ({}): estimate {:.3} (95% CI {:.3} to {:.3}), {}",
            f.k,
            method,
            if measure.is_empty() { "yi, vi" } else { measure },
            back(f.b[0]),
            back(f.ci_lb[0]),
            back(f.ci_ub[0]),
            fmt_p(f.pval[0])
        ),
        format!("Heterogeneity: {}", het_note(f)),
    ];
    if !a.dropped.is_empty() {
        lines.push(format!(
            "{} rows left out (missing or undefined values).",
            a.dropped.len()
        ));
    }
    if let Some(r) = &a.regtest {
        lines.push(format!(
            "Egger's regression test for funnel asymmetry: z = {:.2}, {}",
            r.rma_sei.stat,
            fmt_p(r.rma_sei.pval)
        ));
    }
    if let Some(r) = &a.ranktest {
        lines.push(format!(
            "Begg's rank correlation: Kendall's tau = {:.3}, {}",
            r.tau,
            fmt_p(r.pval)
        ));
    }
    if let Some(t) = &a.trimfill {
        lines.push(format!(
            "Trim and fill: {} stud{} imputed on the {} side; adjusted estimate {:.3}",
            t.k0,
            if t.k0 == 1 { "y" } else { "ies" },
            t.side,
            back(t.fit.b[0])
        ));
    }
    if let Some(inf) = &a.influence {
        let n = inf.is_infl.iter().filter(|x| **x == Some(true)).count();
        lines.push(format!(
            "Influence diagnostics: {n} influential stud{} (metafor's criteria).",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    let m = Some(measure).filter(|m| !m.is_empty());
    let stem = name.trim_end_matches(".csv");
    Ok(ResultView {
        source: name.into(),
        banner: prov.banner(),
        footer: prov.footer(),
        script_name: format!("acumen-{stem}.R"),
        script_href: format!("data:text/plain;charset=utf-8;base64,{}", BASE64.encode(script)),
        lines,
        forest: forest_svg(&forest(&a, m, transf, None)),
        funnel: funnel(&a, m, transf).map(|fu| funnel_svg(&fu)).unwrap_or_default(),
    })
}

/// `POST /evidence` (multipart: dataset, measure, method, file).
pub async fn evidence_run(State(st): State<AppState>, who: Option<Authed>, mut mp: Multipart) -> Response {
    let Some(who) = who else { return to_login("/evidence") };
    let mut pg = page(&st, &who);
    let (mut file, mut file_name) = (Vec::new(), String::from("upload.csv"));
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    file_name = field
                        .file_name()
                        .filter(|n| !n.is_empty())
                        .unwrap_or("upload.csv")
                        .to_string();
                    match field.bytes().await {
                        Ok(b) if b.len() <= MAX_UPLOAD_BYTES => file = b.to_vec(),
                        _ => {
                            pg.error = Some(format!(
                                "the upload could not be read (at most {} KB)",
                                MAX_UPLOAD_BYTES / 1024
                            ))
                        }
                    }
                } else {
                    let v = field.text().await.unwrap_or_default();
                    match name.as_str() {
                        "dataset" => pg.chosen = v,
                        "measure" => pg.measure = v,
                        "method" => pg.method = v,
                        "fallback" => pg.fallback = v == "on",
                        _ => {}
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                pg.error = Some(format!("the form could not be read: {e}"));
                break;
            }
        }
    }
    if !MEASURES.contains(&pg.measure.as_str()) || !METHODS.contains(&pg.method.as_str()) {
        pg.error = Some("choose a measure and a method from the lists".into());
    }
    if pg.error.is_none() {
        let source = if file.is_empty() {
            DATASETS
                .iter()
                .find(|d| d.0 == pg.chosen)
                .map(|d| (d.3.as_bytes().to_vec(), format!("{}.csv", d.0)))
        } else {
            Some((file, file_name))
        };
        match source {
            None => pg.error = Some("choose a bundled data set or upload a CSV".into()),
            Some((csv, name)) => {
                let req = request(
                    &pg.measure,
                    &pg.method,
                    pg.fallback && FALLBACK_METHODS.contains(&pg.method.as_str()),
                );
                let outcome = st
                    .engine
                    .run(who.user.id, move |budget| run(&csv, &name, &req, budget))
                    .await;
                match outcome {
                    Ok(Ok(r)) => pg.result = Some(r),
                    Ok(Err(e)) => pg.error = Some(e),
                    Err(e) => return super::layout::error_page(e),
                }
            }
        }
    }
    let status = if pg.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&pg)).into_response()
}
