//! The multilevel options of a [`Request`] (`random`, `sigma2`,
//! `V_cluster` with `rho`, `robust` with `cr`, `dfs`) as an [`MvSpec`], with
//! every option that does not apply to an rma.mv fit refused in one line.

use crate::error::MetaError;
use crate::mv::robust::RobustType;
use crate::mv::{MvSpec, VSpec};
use crate::request::Request;

fn usage(msg: impl Into<String>) -> MetaError {
    MetaError::Usage(msg.into())
}

/// `0.05,NA` as fixed values and NAs.
fn parse_fixed(text: &str, option: &str) -> Result<Vec<Option<f64>>, MetaError> {
    text.split(',')
        .map(|t| {
            let t = t.trim();
            if t.eq_ignore_ascii_case("NA") {
                Ok(None)
            } else {
                t.parse::<f64>()
                    .map(Some)
                    .map_err(|_| usage(format!("{option} '{text}': '{t}' is neither a number nor NA")))
            }
        })
        .collect()
}

impl Request {
    /// `--robust COL` with `--cr CR1|CR2` (CR1 by default).
    pub fn robust_choice(&self) -> Result<Option<(String, RobustType)>, MetaError> {
        Ok(match (&self.robust, self.cr.as_deref()) {
            (None, None) => None,
            (None, Some(_)) => return Err(usage("--cr needs --robust COL")),
            (Some(c), None | Some("CR1")) => Some((c.clone(), RobustType::Cr1)),
            (Some(c), Some("CR2")) => Some((c.clone(), RobustType::Cr2)),
            (Some(_), Some(other)) => return Err(usage(format!("--cr {other}: use CR1 or CR2"))),
        })
    }

    /// The multilevel model asked for, if any.
    pub fn mv_spec(&self) -> Result<Option<MvSpec>, MetaError> {
        if self.random.is_empty() {
            if let Some(t) = &self.tau2_mv {
                return Err(usage(format!(
                    "--tau2 '{t}': an rma.uni model takes one number; a list fixes the tau^2 of a multilevel ~ inner | outer term (--random)"
                )));
            }
            for (given, what) in [
                (self.sigma2.is_some(), "--sigma2"),
                (self.v_cluster.is_some(), "--V-cluster"),
                (self.rho.is_some(), "--rho"),
                (self.dfs.is_some(), "--dfs"),
                (self.struct_.is_some(), "--struct"),
                (self.ranef, "--ranef"),
                (self.v_matrix.is_some(), "--V"),
            ] {
                if given {
                    return Err(usage(format!(
                        "{what} belongs to a multilevel model: add --random \"~ 1 | study\""
                    )));
                }
            }
            return Ok(None);
        }
        for (given, what) in [
            (
                self.measure.as_deref().is_some_and(|m| matches!(m, "MH" | "PETO"))
                    || matches!(self.method.as_str(), "MH" | "PETO"),
                "Mantel-Haenszel or Peto pooling",
            ),
            (self.weights.is_some(), "--weights"),
            (
                self.tau2.is_some(),
                "a single --tau2 (fix components with --sigma2, or a struct's tau2 with --tau2 \"v,NA\")",
            ),
            (self.unweighted, "--unweighted"),
            (self.subgroup.is_some(), "--subgroup"),
            (
                self.leave1out || self.influence || self.regtest || self.ranktest || self.trimfill || self.cumul,
                "the rma.uni diagnostics (--leave1out, --influence, --regtest, --ranktest, --trimfill, --cumul)",
            ),
            (self.permutations.is_some(), "--permutations"),
            (self.newmods.is_some(), "--newmods"),
            (
                self.reduced_mods.is_some() || self.wald.is_some(),
                "--reduced-mods and --wald",
            ),
            (self.fallback, "--fallback"),
        ] {
            if given {
                return Err(usage(format!("{what} does not apply to a multilevel model (--random)")));
            }
        }
        let contain = match self.dfs.as_deref() {
            None | Some("residual") => false,
            Some("contain") => true,
            Some(other) => return Err(usage(format!("--dfs {other}: use residual or contain"))),
        };
        if self.dfs.is_some() && self.test != "t" {
            return Err(usage("--dfs sets the degrees of freedom of t tests: add --test t"));
        }
        let has_inner = self
            .random
            .iter()
            .any(|t| matches!(crate::mv::random::parse(t), Ok(crate::mv::random::Term::Inner { .. })));
        // --rho: the sampling errors' correlation with --V-cluster, else the struct's rho.
        let mut struct_rho = None;
        let v = match (&self.v_cluster, self.rho) {
            (None, None) => VSpec::Diagonal,
            (Some(c), Some(rho)) => VSpec::Cluster { column: c.clone(), rho },
            (Some(_), None) => return Err(usage("--V-cluster needs --rho R, the correlation of sampling errors within a cluster")),
            (None, Some(r)) if has_inner => {
                struct_rho = Some(r);
                VSpec::Diagonal
            }
            (None, Some(_)) => return Err(usage("--rho R sets the correlation of sampling errors within the clusters of --V-cluster COL (or fixes the rho of a ~ inner | outer term); give that column")),
        };
        let robust = self.robust_choice()?;
        let structure = self.struct_.as_deref().map(str::parse).transpose()?;
        let v = match (&self.v_matrix, v) {
            (None, v) => v,
            (Some(m), VSpec::Diagonal) => VSpec::Matrix(m.clone()),
            (Some(_), _) => {
                return Err(usage(
                    "--V gives the whole sampling covariance matrix; drop --V-cluster and --rho",
                ))
            }
        };
        Ok(Some(MvSpec {
            tau2: self.tau2_mv.as_deref().map(|t| parse_fixed(t, "--tau2")).transpose()?,
            rho: struct_rho,
            contain,
            confint: self.all,
            ranef: self.ranef,
            structure,
            random: self.random.clone(),
            sigma2: self.sigma2.as_deref().map(|t| parse_fixed(t, "--sigma2")).transpose()?,
            v,
            robust,
        }))
    }
}
