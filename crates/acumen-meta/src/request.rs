//! An analysis as a caller asks for it: metafor's option names and defaults
//! (`rma(measure=, method="REML", test="z", level=95, mods=, ...)`) as plain
//! values, and their conversion into [`AnalysisOptions`] with every unknown
//! or inapplicable value refused in one line. `acumen meta`'s arguments fill
//! one; a JSON object (unknown fields refused) fills one too.

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, Blocks};
use crate::diag::permutest::Permutations;
use crate::mh_analysis::{analyse_mh, MhOutcome, MhRequest};
use crate::provenance::{Attempt, Provenance};
use crate::{AddTo, AnalysisOptions, EscalcOptions, FitOptions, Measure, MetaError, Table, VType};

/// The options of an analysis, named and defaulted as metafor's.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// Effect size to compute with escalc (SMD, MD, OR, RR, ...); none: use yi/vi columns.
    pub measure: Option<String>,
    /// Variance type for escalc (LS or UB).
    pub vtype: String,
    /// Value added to cells of 2x2 tables (default 0.5 where a zero cell needs it).
    pub add: Option<f64>,
    /// When `add` applies: only0, all, if0all, none.
    pub to: String,
    /// Drop studies with no events in both arms (yes or no; default yes for MH and Peto).
    pub drop00: Option<String>,
    /// τ² estimator (REML, DL, ML, HE, HS, HSk, SJ, PM, EB, PMM, GENQ, GENQM, SQGEN, EE, FE) or MH, PETO.
    pub method: String,
    /// Test of the coefficients: z, t or knha.
    pub test: String,
    /// Confidence level in percent.
    pub level: f64,
    /// Moderators as a formula (`~ x + factor(g)`).
    pub mods: Option<String>,
    /// Coefficients tested together (1-based, comma separated).
    pub btt: Option<String>,
    /// A column of weights.
    pub weights: Option<String>,
    /// A fixed τ².
    pub tau2: Option<f64>,
    /// Unweighted least squares.
    pub unweighted: bool,
    /// The iteration limit of every iterative step.
    pub maxiter: usize,
    /// Moderator values to predict at (`1.5,0;2,1`).
    pub newmods: Option<String>,
    /// A column to fit subgroups by.
    pub subgroup: Option<String>,
    /// Every block that applies.
    pub all: bool,
    /// Leave-one-out analysis.
    pub leave1out: bool,
    /// Influence diagnostics.
    pub influence: bool,
    /// Egger's regression test.
    pub regtest: bool,
    /// Begg's rank correlation test.
    pub ranktest: bool,
    /// Trim-and-fill.
    pub trimfill: bool,
    /// Cumulative analysis.
    pub cumul: bool,
    /// The column that orders the cumulative analysis.
    pub cumul_order: Option<String>,
    /// Permutation tests: `exact` or a number of random permutations.
    pub permutations: Option<String>,
    /// Seed of the random permutations.
    pub seed: u64,
    /// The reduced model of a likelihood-ratio test.
    pub reduced_mods: Option<String>,
    /// Coefficients of a Wald test (1-based).
    pub wald: Option<String>,
    /// Mantel-Haenszel without the continuity correction of its test.
    pub no_correct: bool,
    /// When ML, REML or EB stops at its iteration limit: retry with half
    /// steps (metafor's `stepadj = 0.5`), then PM, then DL, each attempt
    /// recorded in the provenance.
    pub fallback: bool,
    /// Random effects of a multilevel model (`~ 1 | a/b`, repeatable; metafor's rma.mv).
    pub random: Vec<String>,
    /// Fixed variance components of a multilevel model (`0.05,NA`; NA = estimate).
    pub sigma2: Option<String>,
    /// Sampling errors correlated within the levels of this column (with `rho`).
    #[serde(rename = "V_cluster", alias = "v_cluster")]
    pub v_cluster: Option<String>,
    /// The correlation of sampling errors within a `V_cluster` level.
    pub rho: Option<f64>,
    /// Cluster-robust inference by this column (metafor's `robust`).
    pub robust: Option<String>,
    /// The robust variance estimator: CR1 (default) or CR2.
    pub cr: Option<String>,
    /// Degrees of freedom of t tests in multilevel models: residual or contain.
    pub dfs: Option<String>,
    /// The structure of a `~ inner | outer` term: CS, HCS, UN, ID or DIAG.
    #[serde(rename = "struct")]
    pub struct_: Option<String>,
    /// Known sampling covariances `[row_i, row_j, cov]` (1-based rows, the
    /// upper triangle with the diagonal; they replace `vi`): `acumen meta
    /// --V FILE.csv` reads them (see `acumen_meta::mv::vfile`).
    #[serde(rename = "V_rows", skip_serializing_if = "Option::is_none")]
    pub v_matrix: Option<Vec<(usize, usize, f64)>>,
    /// The BLUPs of a multilevel model's random intercepts (metafor's `ranef`).
    pub ranef: bool,
    /// The type of the tau^2 interval of `--all`: QP (Q-profile, default) or PL (profile likelihood).
    pub ci_type: Option<String>,
    /// Fixed tau^2 values of a multilevel model's `~ inner | outer` term
    /// (`0.02,NA`; NA = estimate): `acumen meta --tau2` with `--random`.
    pub tau2_mv: Option<String>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            measure: None,
            vtype: "LS".into(),
            add: None,
            to: "only0".into(),
            drop00: None,
            method: "REML".into(),
            test: "z".into(),
            level: 95.0,
            mods: None,
            btt: None,
            weights: None,
            tau2: None,
            unweighted: false,
            maxiter: 100,
            newmods: None,
            subgroup: None,
            all: false,
            leave1out: false,
            influence: false,
            regtest: false,
            ranktest: false,
            trimfill: false,
            cumul: false,
            cumul_order: None,
            permutations: None,
            seed: 1,
            reduced_mods: None,
            wald: None,
            no_correct: false,
            fallback: false,
            random: Vec::new(),
            sigma2: None,
            v_cluster: None,
            rho: None,
            robust: None,
            cr: None,
            dfs: None,
            struct_: None,
            v_matrix: None,
            ranef: false,
            ci_type: None,
            tau2_mv: None,
        }
    }
}

/// How the studies are pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Inverse-variance models (`rma.uni`).
    Rma,
    /// Mantel-Haenszel (`rma.mh`).
    Mh,
    /// Peto's method (`rma.peto`).
    Peto,
}

/// What an analysis computed.
pub enum Outcome {
    /// An inverse-variance analysis.
    Rma(Box<Analysis>),
    /// Mantel-Haenszel or Peto pooling, with the per-row escalc values.
    Mh(Box<MhOutcome>),
    /// A multilevel model (`rma.mv`).
    Mv(Box<crate::mv::MvFit>),
}

fn usage(msg: String) -> MetaError {
    MetaError::Usage(msg)
}

fn parse_indices(s: &str, what: &str) -> Result<Vec<usize>, MetaError> {
    s.split(',')
        .map(|v| {
            v.trim().parse::<usize>().ok().filter(|&j| j >= 1).ok_or_else(|| {
                usage(format!(
                    "--{what}: '{}' is not a coefficient number (1, 2, ...)",
                    v.trim()
                ))
            })
        })
        .collect()
}

fn opt_err(option: &'static str, value: &str, allowed: &str) -> MetaError {
    MetaError::Option {
        option,
        value: value.into(),
        allowed: allowed.into(),
    }
}

fn parse_list(text: &str, what: &str) -> Result<Vec<f64>, MetaError> {
    text.split(',')
        .map(|v| {
            v.trim().parse::<f64>().map_err(|_| {
                usage(format!(
                    "--{what}: '{}' is not a number (write e.g. \"1.5,0;2,1\")",
                    v.trim()
                ))
            })
        })
        .collect()
}

impl Request {
    /// How the studies are pooled (`method` MH or PETO, else inverse-variance).
    pub fn pooling(&self) -> Pooling {
        match self.method.as_str() {
            "MH" => Pooling::Mh,
            "PETO" => Pooling::Peto,
            _ => Pooling::Rma,
        }
    }

    /// The engine's options; every unknown or inapplicable value is an error.
    pub fn options(&self) -> Result<AnalysisOptions, MetaError> {
        let a = self;
        let vtype = match a.vtype.as_str() {
            "LS" => VType::LS,
            "UB" => VType::UB,
            v => return Err(opt_err("vtype", v, "LS, UB")),
        };
        let to = match a.to.as_str() {
            "only0" => AddTo::Only0,
            "all" => AddTo::All,
            "if0all" => AddTo::If0All,
            "none" => AddTo::None,
            v => return Err(opt_err("to", v, "only0, all, if0all, none")),
        };
        let drop00 = match a.drop00.as_deref() {
            None => a.pooling() != Pooling::Rma,
            Some("yes" | "TRUE" | "true") => true,
            Some("no" | "FALSE" | "false") => false,
            Some(v) => return Err(opt_err("drop00", v, "yes, no")),
        };
        if let Some(add) = a.add {
            if !(add >= 0.0) || !add.is_finite() {
                return Err(usage(format!("--add must be a finite number >= 0, got {add}")));
            }
        }
        if !(a.level > 0.0 && a.level < 100.0) {
            return Err(usage(format!(
                "--level must lie between 0 and 100 (e.g. 95), got {}",
                a.level
            )));
        }
        if a.fallback && !matches!(a.method.as_str(), "ML" | "REML" | "EB") {
            return Err(usage(format!(
                "--fallback applies to the iterative ML, REML and EB estimators, not --method {}",
                a.method
            )));
        }
        if a.maxiter == 0 {
            return Err(usage(format!("--maxiter must be at least 1")));
        }
        if let Some(t) = a.tau2 {
            if !(t >= 0.0) || !t.is_finite() {
                return Err(usage(format!("--tau2 must be a finite number >= 0, got {t}")));
            }
        }
        let escalc = match &a.measure {
            None => None,
            Some(m) => Some(EscalcOptions {
                measure: m.parse::<Measure>()?,
                vtype,
                add: a.add,
                to,
                drop00,
            }),
        };
        let btt = a.btt.as_deref().map(|s| parse_indices(s, "btt")).transpose()?;
        let wald = a.wald.as_deref().map(|s| parse_indices(s, "wald")).transpose()?;
        let permutations = match a.permutations.as_deref() {
            None => None,
            Some("exact") => Some(Permutations::Exact),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 2 => Some(Permutations::Random(n)),
                _ => return Err(opt_err("permutations", v, "exact, or a number of permutations >= 2")),
            },
        };
        let newmods = match &a.newmods {
            None => None,
            Some(s) => Some(
                s.split(';')
                    .map(|r| parse_list(r, "newmods"))
                    .collect::<Result<Vec<_>, MetaError>>()?,
            ),
        };
        Ok(AnalysisOptions {
            escalc,
            fit: FitOptions {
                method: if a.pooling() == Pooling::Rma {
                    a.method.parse()?
                } else {
                    crate::Method::EE
                },
                test: a.test.parse()?,
                level: a.level,
                tau2: a.tau2,
                weighted: !a.unweighted,
                weights: None,
                btt,
                maxiter: a.maxiter,
                stepadj: 1.0,
                skip_r2: false,
                budget: Default::default(),
            },
            weights_column: a.weights.clone(),
            mods: a.mods.clone(),
            newmods,
            subgroup: a.subgroup.clone(),
            all: a.all,
            blocks: Blocks {
                leave1out: a.leave1out,
                influence: a.influence,
                regtest: a.regtest,
                ranktest: a.ranktest,
                trimfill: a.trimfill,
                cumul: a.cumul,
            },
            cumul_order: a.cumul_order.clone(),
            permutations,
            seed: a.seed,
            reduced_mods: a.reduced_mods.clone(),
            wald,
            // Cluster-robust tests of an rma.uni fit (a multilevel model takes them from `mv_spec`).
            robust: if a.random.is_empty() { a.robust_choice()? } else { None },
            ci_pl: match a.ci_type.as_deref() {
                None | Some("QP") => false,
                Some("PL") => true,
                Some(v) => return Err(opt_err("ci-type", v, "QP, PL")),
            },
        })
    }
}

impl Request {
    /// The estimators tried in turn: the one asked for, and with
    /// `fallback` half steps, PM and DL.
    fn chain(&self, opts: &AnalysisOptions) -> Vec<(crate::Method, f64)> {
        let m = opts.fit.method;
        if self.fallback {
            vec![
                (m, opts.fit.stepadj),
                (m, 0.5),
                (crate::Method::PM, 1.0),
                (crate::Method::DL, 1.0),
            ]
        } else {
            vec![(m, opts.fit.stepadj)]
        }
    }

    /// Runs the analysis (through the fallback chain when asked for) and
    /// says how: the [`Provenance`] of the outcome.
    pub fn run_traced(&self, table: &Table, opts: &AnalysisOptions) -> Result<(Outcome, Provenance), MetaError> {
        let chain = self.chain(opts);
        let mut attempts = Vec::new();
        let mut last_err = None;
        for (i, &(method, stepadj)) in chain.iter().enumerate() {
            let mut o = opts.clone();
            o.fit.method = method;
            o.fit.stepadj = stepadj;
            match self.run(table, &o) {
                // metafor warns and goes on where PM's root search stops at
                // its limit; a fallback chain passes on to the next estimator.
                Ok(Outcome::Rma(a)) if self.fallback && !a.fit.tau2_converged && i + 1 < chain.len() => {
                    attempts.push(Attempt {
                        method: method.name().into(),
                        stepadj,
                        converged: false,
                        error: Some(format!(
                            "the {} root search did not converge in {} iterations",
                            method.name(),
                            o.fit.maxiter
                        )),
                    });
                }
                Ok(out) => {
                    if self.fallback {
                        attempts.push(Attempt {
                            method: method.name().into(),
                            stepadj,
                            converged: true,
                            error: None,
                        });
                    }
                    let prov = Provenance::of(self, table, &o, &out, attempts);
                    return Ok((out, prov));
                }
                // The chain starts on non-convergence; once on it, a later
                // estimator that cannot fit (PM above its search limit) passes on.
                Err(e @ (MetaError::NotConverged(_) | MetaError::Model(_)))
                    if i + 1 < chain.len() && (i > 0 || matches!(e, MetaError::NotConverged(_))) =>
                {
                    attempts.push(Attempt {
                        method: method.name().into(),
                        stepadj,
                        converged: false,
                        error: Some(e.to_string()),
                    });
                    last_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| MetaError::model("no estimator to try")))
    }

    /// Runs the analysis on `table` with `opts` (from [`Request::options`]).
    pub fn run(&self, table: &Table, opts: &AnalysisOptions) -> Result<Outcome, MetaError> {
        if let Some(spec) = self.mv_spec()? {
            return Ok(Outcome::Mv(Box::new(crate::mv::analyse_mv(table, opts, &spec)?)));
        }
        match self.pooling() {
            Pooling::Rma => Ok(Outcome::Rma(Box::new(crate::analyse(table, opts)?))),
            p => {
                refuse_for_mh(self)?;
                let mh = MhRequest {
                    peto: p == Pooling::Peto,
                    correct: !self.no_correct,
                    level: self.level,
                    drop00_given: self.drop00.is_some(),
                    method: &self.method,
                };
                Ok(Outcome::Mh(Box::new(analyse_mh(table, opts, &mh)?)))
            }
        }
    }
}

/// Options that have no meaning for a table-based method: an error, never dropped.
fn refuse_for_mh(a: &Request) -> Result<(), MetaError> {
    let m = &a.method;
    let none = "metafor has none for Mantel-Haenszel or Peto fits; use --method EE for an inverse-variance equal-effects model";
    for (given, what) in [
        (a.influence, "--influence (influence diagnostics)"),
        (a.trimfill, "--trimfill (trim-and-fill)"),
        (a.permutations.is_some(), "--permutations (permutation tests)"),
    ] {
        if given {
            return Err(MetaError::Usage(format!(
                "{what} is not available for --method {m}: {none}"
            )));
        }
    }
    for (given, what) in [
        (a.newmods.is_some(), "--newmods"),
        (a.reduced_mods.is_some(), "--reduced-mods"),
        (a.wald.is_some(), "--wald"),
        (a.weights.is_some(), "--weights"),
        (a.tau2.is_some(), "--tau2"),
        (a.btt.is_some(), "--btt"),
        (a.robust.is_some(), "--robust"),
        (a.unweighted, "--unweighted"),
        (a.test != "z", "--test"),
    ] {
        if given {
            return Err(MetaError::Usage(format!(
                "{what} does not apply to --method {m} (an equal-effects pooling of 2x2 tables with a z test)"
            )));
        }
    }
    Ok(())
}
