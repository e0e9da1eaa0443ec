//! Where a result came from: the engine and its version, the SHA-256 of
//! the data as parsed, every option in force (defaults written out), the
//! estimator with the iterations of each iterative step, and each attempt
//! of a `--fallback` chain. Serialized as the `provenance` block of the
//! JSON and summed up in the footer of tables and pages.

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::method::Method;
use crate::request::{Outcome, Pooling, Request};
use crate::table::Table;
use crate::tau2::THRESHOLD;
use crate::{AnalysisOptions, Measure};

/// The version of metafor whose rules and numbers the engine follows.
pub const REFERENCE: &str = "R package metafor 3.8";

/// Provenance of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// `acumen-meta`.
    pub engine: &'static str,
    /// The engine's version.
    pub version: &'static str,
    /// What the numbers are checked against.
    pub reference: &'static str,
    /// The data as parsed.
    pub data: DataHash,
    /// metafor's function for this pooling: rma.uni, rma.mh or rma.peto.
    pub model: &'static str,
    /// The estimator the results come from (after any fallback).
    pub method: String,
    /// Every option in force, with defaults written out.
    pub options: Value,
    /// Stopping rules (metafor's `control`).
    pub control: Control,
    /// Each step of the analysis and how it ended.
    pub steps: Vec<Step>,
    /// The attempts of the fallback chain (empty without `--fallback`).
    pub fallback: Vec<Attempt>,
}

/// The data's fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataHash {
    /// SHA-256 (hex) of the JSON array `[[header...], [row 1 cells...], ...]`
    /// of the cells as parsed (strings, no spaces between tokens).
    pub sha256: String,
    /// Data rows.
    pub rows: usize,
    /// Column names.
    pub columns: Vec<String>,
}

/// Stopping rules in force.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Control {
    /// Change in tau^2 below which an iteration stops (metafor's `threshold`).
    pub threshold: f64,
    /// Iteration limit (metafor's `maxiter`).
    pub maxiter: usize,
    /// Step adjustment of Fisher scoring (metafor's `stepadj`).
    pub stepadj: f64,
}

/// One step of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// What was computed.
    pub step: &'static str,
    /// How.
    pub algorithm: String,
    /// Iterations used (iterative steps that count them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Whether it converged (a step that does not stops the analysis with an error).
    pub converged: bool,
}

/// One attempt of the fallback chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// The estimator tried.
    pub method: String,
    /// Its step adjustment.
    pub stepadj: f64,
    /// Whether it converged (and its results are the ones shown).
    pub converged: bool,
    /// Why it stopped, when it did not converge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// SHA-256 of a table's cells as parsed (see [`DataHash::sha256`]).
pub fn data_sha256(table: &Table) -> String {
    let mut h = Sha256::new();
    h.update(b"[");
    let header: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    h.update(serde_json::to_string(&header).expect("strings serialize").as_bytes());
    for i in 0..table.n_rows() {
        let cells: Vec<&str> = (0..table.headers.len()).map(|j| table.cell(i, j)).collect();
        h.update(b",");
        h.update(serde_json::to_string(&cells).expect("strings serialize").as_bytes());
    }
    h.update(b"]");
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every option of `req` in force, the defaults that depend on others resolved.
fn options_in_force(req: &Request, opts: &AnalysisOptions) -> Value {
    let mut v = serde_json::to_value(req).expect("a request serializes");
    let o = v.as_object_mut().expect("an object");
    o.insert(
        "drop00".into(),
        json!(opts.escalc.as_ref().map_or(req.pooling() != Pooling::Rma, |e| e.drop00)),
    );
    if let Some(e) = &opts.escalc {
        let add = e.add.unwrap_or(
            if matches!(e.measure, Measure::PAS | Measure::PFT | Measure::IRS | Measure::IRFT) {
                0.0
            } else {
                0.5
            },
        );
        o.insert("add".into(), json!(add));
    }
    v
}

fn is_fisher(m: Method) -> bool {
    matches!(m, Method::ML | Method::REML | Method::EB)
}

fn tau2_step(opts: &AnalysisOptions, iterations: usize, converged: bool) -> Step {
    let m = opts.fit.method;
    let (algorithm, counted) = match m {
        _ if opts.fit.tau2.is_some() => (
            format!("tau^2 fixed at {} (--tau2)", opts.fit.tau2.unwrap_or(0.0)),
            false,
        ),
        Method::EE | Method::FE => ("equal-effects model: no tau^2".into(), false),
        m if is_fisher(m) => (
            format!(
                "{} by Fisher scoring from the HE estimate, step adjustment {}",
                m.description(),
                opts.fit.stepadj
            ),
            true,
        ),
        Method::DLIT | Method::SJIT => (format!("{} by fixed-point iteration", m.description()), true),
        Method::PM | Method::PMM => (
            format!("{}: root of the generalized Q by uniroot (Brent)", m.description()),
            false,
        ),
        m => (format!("{} (closed form)", m.description()), false),
    };
    Step {
        step: "tau2",
        algorithm,
        iterations: counted.then_some(iterations),
        converged,
    }
}

impl Provenance {
    /// The provenance of `outcome`, computed from `table` by `req` with `opts`
    /// (the options of the attempt that succeeded) after `fallback`.
    pub fn of(req: &Request, table: &Table, opts: &AnalysisOptions, outcome: &Outcome, fallback: Vec<Attempt>) -> Self {
        let mut steps = Vec::new();
        let model = match req.pooling() {
            _ if matches!(outcome, Outcome::Mv(_)) => "rma.mv",
            Pooling::Rma => "rma.uni",
            Pooling::Mh => "rma.mh",
            Pooling::Peto => "rma.peto",
        };
        let method = match req.pooling() {
            Pooling::Rma => opts.fit.method.name().to_string(),
            _ => req.method.clone(),
        };
        match outcome {
            Outcome::Rma(a) => {
                steps.push(tau2_step(opts, a.fit.iterations, a.fit.tau2_converged));
                if a.confint.is_some() {
                    steps.push(step("confint", "Q-profile interval bounds by uniroot (Brent)"));
                }
                let k = a.fit.k;
                for (present, what) in [
                    (a.leave1out.is_some(), "leave1out"),
                    (a.influence.is_some(), "influence"),
                    (a.cumul.is_some(), "cumul"),
                ] {
                    if present {
                        steps.push(step(what, &format!("{k} refits with the same options")));
                    }
                }
                if a.trimfill.is_some() {
                    steps.push(step("trimfill", "trim-and-fill iterated until k0 is stable"));
                }
                if let Some(p) = &a.permutest {
                    steps.push(step(
                        "permutest",
                        &if p.exact {
                            format!("exact permutation test over {} permutations", p.n_perm)
                        } else {
                            format!("{} random permutations from seed {}", p.n_perm, req.seed)
                        },
                    ));
                }
            }
            Outcome::Mv(m) => {
                steps.push(step(
                    "sigma2",
                    &format!(
                        "Fisher scoring on the (restricted) likelihood, block by block: {} iterations",
                        m.iterations
                    ),
                ));
                if let Some(r) = &m.robust {
                    steps.push(step(
                        "robust",
                        &format!(
                            "{} sandwich over {} clusters of '{}'",
                            r.kind, r.n_clusters, r.cluster_col
                        ),
                    ));
                }
            }
            Outcome::Mh(_) => steps.push(step(
                "pooling",
                if req.pooling() == Pooling::Mh {
                    "Mantel-Haenszel (closed form)"
                } else {
                    "Peto (closed form)"
                },
            )),
        }
        Provenance {
            engine: "acumen-meta",
            version: env!("CARGO_PKG_VERSION"),
            reference: REFERENCE,
            data: DataHash {
                sha256: data_sha256(table),
                rows: table.n_rows(),
                columns: table.headers.clone(),
            },
            model,
            method,
            options: options_in_force(req, opts),
            control: Control {
                threshold: THRESHOLD,
                maxiter: opts.fit.maxiter,
                stepadj: opts.fit.stepadj,
            },
            steps,
            fallback,
        }
    }

    /// A banner for a fallback taken ("REML did not converge in 100
    /// iterations; showing PM (Paule-Mandel)"), or for a step that stopped
    /// at its limit where metafor warns and goes on.
    pub fn banner(&self) -> Option<String> {
        if let Some(s) = self.steps.iter().find(|s| !s.converged) {
            return Some(format!(
                "{}: {} did not converge in {} iterations; the estimate is where the search stopped (metafor warns and goes on)",
                s.step, self.method, self.control.maxiter
            ));
        }
        let first = self.fallback.first()?;
        let last = self.fallback.last()?;
        if first.converged {
            return None;
        }
        let shown = if last.method == first.method {
            format!(
                "{} with step adjustment {} (metafor's stepadj)",
                last.method, last.stepadj
            )
        } else {
            let m: Method = last.method.parse().ok()?;
            format!("{} ({})", m.name(), m.description())
        };
        Some(format!(
            "{} did not converge in {} iterations; showing {shown}",
            first.method, self.control.maxiter
        ))
    }

    /// One line for the foot of a table or page.
    pub fn footer(&self) -> String {
        let iters = self
            .steps
            .iter()
            .find_map(|s| s.iterations)
            .map_or(String::new(), |n| format!(", {n} iterations"));
        format!(
            "{} {} ({}{}); data SHA-256 {} ({} rows); checked against {}",
            self.engine,
            self.version,
            self.method,
            iters,
            &self.data.sha256[..16],
            self.data.rows,
            self.reference
        )
    }
}

fn step(what: &'static str, algorithm: &str) -> Step {
    Step {
        step: what,
        algorithm: algorithm.into(),
        iterations: None,
        converged: true,
    }
}
