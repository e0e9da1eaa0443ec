//! Model options: the tau^2 estimator, the test, and the fit settings.

use std::fmt;
use std::str::FromStr;

use crate::error::MetaError;

/// A tau^2 estimator (metafor's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Method {
    EE,
    FE,
    DL,
    DLIT,
    HE,
    HS,
    HSk,
    SJ,
    SJIT,
    ML,
    REML,
    EB,
    PM,
    PMM,
    GENQ,
}

impl Method {
    /// All estimators.
    pub const ALL: [Method; 15] = [
        Method::EE,
        Method::FE,
        Method::DL,
        Method::DLIT,
        Method::HE,
        Method::HS,
        Method::HSk,
        Method::SJ,
        Method::SJIT,
        Method::ML,
        Method::REML,
        Method::EB,
        Method::PM,
        Method::PMM,
        Method::GENQ,
    ];

    /// metafor's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Method::EE => "EE",
            Method::FE => "FE",
            Method::DL => "DL",
            Method::DLIT => "DLIT",
            Method::HE => "HE",
            Method::HS => "HS",
            Method::HSk => "HSk",
            Method::SJ => "SJ",
            Method::SJIT => "SJIT",
            Method::ML => "ML",
            Method::REML => "REML",
            Method::EB => "EB",
            Method::PM => "PM",
            Method::PMM => "PMM",
            Method::GENQ => "GENQ",
        }
    }

    /// Whether this is an equal-effects (no tau^2) model.
    pub fn is_equal_effects(self) -> bool {
        matches!(self, Method::EE | Method::FE)
    }

    /// A readable name for reports.
    pub fn description(self) -> &'static str {
        match self {
            Method::EE | Method::FE => "equal-effects",
            Method::DL => "DerSimonian-Laird",
            Method::DLIT => "iterative DerSimonian-Laird",
            Method::HE => "Hedges",
            Method::HS => "Hunter-Schmidt",
            Method::HSk => "Hunter-Schmidt (k-corrected)",
            Method::SJ => "Sidik-Jonkman",
            Method::SJIT => "iterative Sidik-Jonkman",
            Method::ML => "maximum-likelihood",
            Method::REML => "restricted maximum-likelihood",
            Method::EB => "empirical Bayes",
            Method::PM => "Paule-Mandel",
            Method::PMM => "median-unbiased Paule-Mandel",
            Method::GENQ => "generalized Q-statistic",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = MetaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| MetaError::Option {
                option: "method",
                value: s.to_string(),
                allowed: Method::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
            })
    }
}

/// Test statistic for the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Test {
    /// Standard normal.
    #[default]
    Z,
    /// t with k - p degrees of freedom.
    T,
    /// Knapp-Hartung: t with a scaled variance.
    Knha,
}

impl FromStr for Test {
    type Err = MetaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "z" => Ok(Test::Z),
            "t" => Ok(Test::T),
            "knha" => Ok(Test::Knha),
            _ => Err(MetaError::Option {
                option: "test",
                value: s.into(),
                allowed: "z, t, knha".into(),
            }),
        }
    }
}

/// Settings of a model fit (metafor's `rma.uni` arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// tau^2 estimator.
    pub method: Method,
    /// Test for the coefficients.
    pub test: Test,
    /// Confidence level in percent (95) or as a fraction (0.95).
    pub level: f64,
    /// A fixed tau^2 instead of an estimate.
    pub tau2: Option<f64>,
    /// Inverse-variance weighting (false = unweighted estimation).
    pub weighted: bool,
    /// User weights, one per included study.
    pub weights: Option<Vec<f64>>,
    /// 1-based coefficients for the omnibus test (default: all but the intercept).
    pub btt: Option<Vec<usize>>,
    /// Iteration limit of the iterative estimators.
    pub maxiter: usize,
    /// Step length of Fisher scoring for ML, REML and EB (metafor's
    /// `control = list(stepadj = ...)`, default 1): each step is multiplied
    /// by it before step halving.
    pub stepadj: f64,
    /// Skip the pseudo-R^2 (it costs an extra fit; diagnostics refit many times).
    pub skip_r2: bool,
    /// A cancel flag checked at every fit and iteration (none by default).
    pub budget: crate::budget::Budget,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            method: Method::REML,
            test: Test::Z,
            level: 95.0,
            tau2: None,
            weighted: true,
            weights: None,
            btt: None,
            maxiter: 100,
            stepadj: 1.0,
            skip_r2: false,
            budget: Default::default(),
        }
    }
}

/// metafor's `.level`: the two-sided alpha for a level given in percent or as a fraction.
pub fn alpha_of_level(level: f64) -> f64 {
    if level == 0.0 {
        1.0
    } else if level >= 1.0 {
        (100.0 - level) / 100.0
    } else if level > 0.5 {
        1.0 - level
    } else {
        level
    }
}
