//! Effect sizes and sampling variances from raw study data, with the
//! semantics of metafor's `escalc` (3.8): the same measures, column names,
//! zero-cell corrections (`add`, `to`, `drop00`) and variance types.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::{DataError, MetaError};

/// Numeric input columns by name, one `Option` per CSV row (`None` = missing).
pub type Columns = BTreeMap<String, Vec<Option<f64>>>;

/// An effect-size measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Measure {
    SMD,
    SMDH,
    MD,
    ROM,
    OR,
    RR,
    RD,
    PETO,
    MN,
    PR,
    PLO,
    PAS,
    IRR,
    COR,
    ZCOR,
    MC,
    SMCC,
    SMCR,
    PFT,
    IRD,
    IRLN,
    IRS,
    IRFT,
    ROMC,
    MNLN,
    CVR,
    VR,
    UCOR,
}

impl Measure {
    /// Every supported measure, in the order the help text lists them.
    pub const ALL: [Measure; 28] = [
        Measure::SMD,
        Measure::SMDH,
        Measure::MD,
        Measure::ROM,
        Measure::OR,
        Measure::RR,
        Measure::RD,
        Measure::PETO,
        Measure::MN,
        Measure::PR,
        Measure::PLO,
        Measure::PAS,
        Measure::IRR,
        Measure::COR,
        Measure::ZCOR,
        Measure::MC,
        Measure::SMCC,
        Measure::SMCR,
        Measure::PFT,
        Measure::IRD,
        Measure::IRLN,
        Measure::IRS,
        Measure::IRFT,
        Measure::ROMC,
        Measure::MNLN,
        Measure::CVR,
        Measure::VR,
        Measure::UCOR,
    ];

    /// The measure's name as metafor spells it.
    pub fn name(self) -> &'static str {
        match self {
            Measure::SMD => "SMD",
            Measure::SMDH => "SMDH",
            Measure::MD => "MD",
            Measure::ROM => "ROM",
            Measure::OR => "OR",
            Measure::RR => "RR",
            Measure::RD => "RD",
            Measure::PETO => "PETO",
            Measure::MN => "MN",
            Measure::PR => "PR",
            Measure::PLO => "PLO",
            Measure::PAS => "PAS",
            Measure::IRR => "IRR",
            Measure::COR => "COR",
            Measure::ZCOR => "ZCOR",
            Measure::MC => "MC",
            Measure::SMCC => "SMCC",
            Measure::SMCR => "SMCR",
            Measure::PFT => "PFT",
            Measure::IRD => "IRD",
            Measure::IRLN => "IRLN",
            Measure::IRS => "IRS",
            Measure::IRFT => "IRFT",
            Measure::ROMC => "ROMC",
            Measure::MNLN => "MNLN",
            Measure::CVR => "CVR",
            Measure::VR => "VR",
            Measure::UCOR => "UCOR",
        }
    }

    /// The column sets the measure can be computed from (any one suffices).
    pub fn column_sets(self) -> &'static [&'static [&'static str]] {
        use Measure::*;
        match self {
            SMD | SMDH | MD | ROM | CVR | VR => &[&["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]],
            PFT => &[&["xi", "ni"]],
            IRD => &[&["x1i", "t1i", "x2i", "t2i"]],
            IRLN | IRS | IRFT => &[&["xi", "ti"]],
            ROMC => &[&["m1i", "m2i", "sd1i", "sd2i", "ni", "ri"]],
            MNLN => &[&["mi", "sdi", "ni"]],
            OR | RR | RD | PETO => &[&["ai", "bi", "ci", "di"], &["ai", "n1i", "ci", "n2i"]],
            MN => &[&["mi", "sdi", "ni"]],
            PR | PLO | PAS => &[&["xi", "ni"]],
            IRR => &[&["x1i", "t1i", "x2i", "t2i"]],
            COR | ZCOR | UCOR => &[&["ri", "ni"]],
            MC | SMCC => &[&["m1i", "m2i", "sd1i", "sd2i", "ni", "ri"]],
            SMCR => &[&["m1i", "m2i", "sd1i", "ni", "ri"]],
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Measure {
    type Err = MetaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Measure::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| MetaError::Option {
                option: "measure",
                value: s.to_string(),
                allowed: Measure::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
            })
    }
}

/// Variance type (`vtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VType {
    /// Large-sample approximation (metafor's default).
    #[default]
    LS,
    /// Unbiased estimate.
    UB,
}

/// Which tables get the `add` correction (`to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddTo {
    /// Only tables (or groups) with a zero cell.
    #[default]
    Only0,
    /// Every table.
    All,
    /// Every table, if any table has a zero cell.
    If0All,
    /// No correction.
    None,
}

/// Options of `escalc`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscalcOptions {
    /// The measure.
    pub measure: Measure,
    /// Variance type.
    pub vtype: VType,
    /// Value added to cells; `None` = metafor's default (1/2, or 0 for PAS).
    pub add: Option<f64>,
    /// Which tables get `add`.
    pub to: AddTo,
    /// Leave out 2x2 tables with no events (or only events) in both groups.
    pub drop00: bool,
}

/// Effect sizes and sampling variances, one per input row; `NaN` = NA.
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    /// Effect sizes.
    pub yi: Vec<f64>,
    /// Sampling variances.
    pub vi: Vec<f64>,
}

/// Hedges' g and its variance from two groups' means, SDs and sizes, as
/// metafor's `escalc("SMD")` (exact correction; `vtype` LS or UB).
pub fn smd(m1: f64, s1: f64, n1: f64, m2: f64, s2: f64, n2: f64, vtype: VType) -> (f64, f64) {
    let m = n1 + n2 - 2.0;
    let sdp = (((n1 - 1.0) * s1 * s1 + (n2 - 1.0) * s2 * s2) / m).sqrt();
    let j = hedges_j(m);
    let y = j * (m1 - m2) / sdp;
    let v = match vtype {
        VType::LS => 1.0 / n1 + 1.0 / n2 + y * y / (2.0 * (n1 + n2)),
        VType::UB => 1.0 / n1 + 1.0 / n2 + (1.0 - (m - 2.0) / (m * j * j)) * y * y,
    };
    (y, v)
}

/// The standardized mean change with raw-score standardization and its
/// variance, as metafor's `escalc("SMCR")`: `m1` after, `m2` before, `sd1`
/// the SD before, `n` pairs, `r` their correlation.
pub fn smcr(m1: f64, m2: f64, sd1: f64, n: f64, r: f64) -> (f64, f64) {
    let y = hedges_j(n - 1.0) * (m1 - m2) / sd1;
    (y, 2.0 * (1.0 - r) / n + y * y / (2.0 * n))
}

/// The exact Hedges small-sample correction `J(m)`; NA for `m <= 1`.
pub fn hedges_j(m: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    if m <= 1.0 {
        return f64::NAN;
    }
    (ln_gamma(m / 2.0) - (m / 2.0).sqrt().ln() - ln_gamma((m - 1.0) / 2.0)).exp()
}

pub(crate) struct Input<'a> {
    cols: &'a Columns,
    pub(crate) n: usize,
}

impl<'a> Input<'a> {
    fn col(&self, name: &str) -> &'a [Option<f64>] {
        self.cols.get(name).map(|v| v.as_slice()).unwrap_or(&[])
    }
    pub(crate) fn get(&self, name: &str, i: usize) -> Option<f64> {
        self.col(name).get(i).copied().flatten()
    }
}

pub(crate) fn bad(row: usize, column: &str, message: impl Into<String>) -> MetaError {
    MetaError::Data(DataError {
        row: Some(row),
        column: column.to_string(),
        message: message.into(),
    })
}

/// Checks a value that must be `>= min` (or `> min` when `strict`).
pub(crate) fn check_min(
    v: Option<f64>,
    row: usize,
    col: &str,
    min: f64,
    strict: bool,
    what: &str,
) -> Result<(), MetaError> {
    if let Some(x) = v {
        if (strict && x <= min) || (!strict && x < min) {
            return Err(bad(row, col, format!("{col} = {x} but {what}")));
        }
    }
    Ok(())
}

/// Which of the measure's column sets `cols` holds, or the first one's missing names.
pub fn resolve_columns(
    measure: Measure,
    has: impl Fn(&str) -> bool,
) -> Result<&'static [&'static str], Vec<&'static str>> {
    let sets = measure.column_sets();
    for set in sets {
        if set.iter().all(|c| has(c)) {
            return Ok(set);
        }
    }
    Err(sets[0].iter().copied().filter(|c| !has(c)).collect())
}

/// Computes effect sizes for every row. Rows with a missing input, or whose
/// value is undefined (log of zero, ...), get NA as in metafor.
pub fn escalc(opts: &EscalcOptions, cols: &Columns, n_rows: usize) -> Result<Effects, MetaError> {
    let inp = Input { cols, n: n_rows };
    let set = resolve_columns(opts.measure, |c| cols.contains_key(c)).map_err(|missing| MetaError::MissingColumns {
        what: format!("measure {}", opts.measure),
        missing: missing.join(", "),
    })?;
    let _ = set;
    use Measure::*;
    let (mut yi, mut vi) = match opts.measure {
        SMD | SMDH | MD | ROM => two_means(opts, &inp)?,
        OR | RR | RD | PETO => two_by_two(opts, &inp)?,
        MN => one_mean(&inp)?,
        PR | PLO | PAS => proportions(opts, &inp)?,
        IRR => rates(opts, &inp)?,
        COR | ZCOR => correlations(opts, &inp)?,
        MC | SMCC | SMCR => paired(opts, &inp)?,
        PFT | IRD | IRLN | IRS | IRFT | ROMC | MNLN | CVR | VR | UCOR => crate::escalc_more::more(opts, &inp)?,
    };
    for i in 0..n_rows {
        if !yi[i].is_finite() || !vi[i].is_finite() {
            yi[i] = f64::NAN;
            vi[i] = f64::NAN;
        }
        if vi[i] < 0.0 {
            vi[i] = f64::NAN;
        }
    }
    Ok(Effects { yi, vi })
}

pub(crate) type Out = Result<(Vec<f64>, Vec<f64>), MetaError>;

fn two_means(o: &EscalcOptions, inp: &Input) -> Out {
    let (mut yi, mut vi) = (vec![f64::NAN; inp.n], vec![f64::NAN; inp.n]);
    for i in 0..inp.n {
        for c in ["sd1i", "sd2i"] {
            check_min(inp.get(c, i), i, c, 0.0, true, "standard deviations must be > 0")?;
        }
        for c in ["n1i", "n2i"] {
            check_min(inp.get(c, i), i, c, 2.0, false, "group sizes must be >= 2")?;
        }
        let (Some(m1), Some(s1), Some(n1), Some(m2), Some(s2), Some(n2)) = (
            inp.get("m1i", i),
            inp.get("sd1i", i),
            inp.get("n1i", i),
            inp.get("m2i", i),
            inp.get("sd2i", i),
            inp.get("n2i", i),
        ) else {
            continue;
        };
        let m = n1 + n2 - 2.0;
        match o.measure {
            Measure::SMD => {
                (yi[i], vi[i]) = smd(m1, s1, n1, m2, s2, n2, o.vtype);
            }
            Measure::SMDH => {
                let j = hedges_j(m);
                let (v1, v2) = (s1 * s1, s2 * s2);
                let y = j * (m1 - m2) / ((v1 + v2) / 2.0).sqrt();
                let v = y * y * (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0)) / (2.0 * (v1 + v2).powi(2))
                    + (v1 / (n1 - 1.0) + v2 / (n2 - 1.0)) / ((v1 + v2) / 2.0);
                yi[i] = y;
                vi[i] = j * j * v;
            }
            Measure::MD => {
                yi[i] = m1 - m2;
                vi[i] = s1 * s1 / n1 + s2 * s2 / n2;
            }
            Measure::ROM => {
                yi[i] = (m1 / m2).ln();
                vi[i] = s1 * s1 / (n1 * m1 * m1) + s2 * s2 / (n2 * m2 * m2);
            }
            _ => unreachable!("two_means called for {}", o.measure),
        }
    }
    Ok((yi, vi))
}

/// Adds `add` to the cells of the rows that `to` selects. `zero[i]` says
/// whether row i has a zero cell.
pub(crate) fn corrections(to: AddTo, zero: &[bool]) -> Vec<bool> {
    let any0 = zero.iter().any(|&z| z);
    zero.iter()
        .map(|&z| match to {
            AddTo::All => true,
            AddTo::Only0 => z,
            AddTo::If0All => any0,
            AddTo::None => false,
        })
        .collect()
}

fn two_by_two(o: &EscalcOptions, inp: &Input) -> Out {
    let n = inp.n;
    let add = o.add.unwrap_or(0.5);
    let mut cells: Vec<Option<[f64; 4]>> = Vec::with_capacity(n);
    for i in 0..n {
        for c in ["ai", "bi", "ci", "di", "n1i", "n2i"] {
            check_min(inp.get(c, i), i, c, 0.0, false, "counts must be >= 0")?;
        }
        let a = inp.get("ai", i);
        let c = inp.get("ci", i);
        let b = inp.get("bi", i).or_else(|| Some(inp.get("n1i", i)? - a?));
        let d = inp.get("di", i).or_else(|| Some(inp.get("n2i", i)? - c?));
        if let (Some(b), Some(a)) = (b, a) {
            if b < 0.0 {
                return Err(bad(i, "ai", format!("ai = {a} is larger than the group size n1i")));
            }
        }
        if let (Some(d), Some(c)) = (d, c) {
            if d < 0.0 {
                return Err(bad(i, "ci", format!("ci = {c} is larger than the group size n2i")));
            }
        }
        let mut t = match (a, b, c, d) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        if o.drop00 {
            if let Some([a, b, c, d]) = t {
                if (a == 0.0 && c == 0.0) || (b == 0.0 && d == 0.0) {
                    t = None;
                }
            }
        }
        cells.push(t);
    }
    let zero: Vec<bool> = cells.iter().map(|t| t.is_some_and(|t| t.contains(&0.0))).collect();
    let fix = corrections(o.to, &zero);
    let (mut yi, mut vi) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    for i in 0..n {
        let Some(mut t) = cells[i] else { continue };
        if fix[i] {
            t.iter_mut().for_each(|x| *x += add);
        }
        let [a, b, c, d] = t;
        let (n1, n2) = (a + b, c + d);
        let (p1, p2) = (a / n1, c / n2);
        match o.measure {
            Measure::RR => {
                yi[i] = p1.ln() - p2.ln();
                vi[i] = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2;
            }
            Measure::OR => {
                yi[i] = (p1 / (1.0 - p1)).ln() - (p2 / (1.0 - p2)).ln();
                vi[i] = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d;
            }
            Measure::RD => {
                yi[i] = p1 - p2;
                vi[i] = match o.vtype {
                    VType::LS => p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2,
                    VType::UB => p1 * (1.0 - p1) / (n1 - 1.0) + p2 * (1.0 - p2) / (n2 - 1.0),
                };
            }
            Measure::PETO => {
                let nt = n1 + n2;
                let (xt, yt) = (a + c, b + d);
                let e = xt * n1 / nt;
                let v = xt * yt * (n1 / nt) * (n2 / nt) / (nt - 1.0);
                yi[i] = (a - e) / v;
                vi[i] = 1.0 / v;
            }
            _ => unreachable!("two_by_two called for {}", o.measure),
        }
    }
    Ok((yi, vi))
}

fn one_mean(inp: &Input) -> Out {
    let (mut yi, mut vi) = (vec![f64::NAN; inp.n], vec![f64::NAN; inp.n]);
    for i in 0..inp.n {
        check_min(
            inp.get("sdi", i),
            i,
            "sdi",
            0.0,
            true,
            "standard deviations must be > 0",
        )?;
        check_min(inp.get("ni", i), i, "ni", 2.0, false, "sample sizes must be >= 2")?;
        if let (Some(m), Some(s), Some(n)) = (inp.get("mi", i), inp.get("sdi", i), inp.get("ni", i)) {
            yi[i] = m;
            vi[i] = s * s / n;
        }
    }
    Ok((yi, vi))
}

fn proportions(o: &EscalcOptions, inp: &Input) -> Out {
    let n = inp.n;
    let add = o.add.unwrap_or(if o.measure == Measure::PAS { 0.0 } else { 0.5 });
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        check_min(inp.get("xi", i), i, "xi", 0.0, false, "event counts must be >= 0")?;
        check_min(inp.get("ni", i), i, "ni", 0.0, true, "sample sizes must be > 0")?;
        cells.push(match (inp.get("xi", i), inp.get("ni", i)) {
            (Some(x), Some(nn)) => {
                if x > nn {
                    return Err(bad(
                        i,
                        "xi",
                        format!("xi = {x} is larger than ni = {nn} (the proportion must lie in [0, 1])"),
                    ));
                }
                Some((x, nn - x))
            }
            _ => None,
        });
    }
    let zero: Vec<bool> = cells
        .iter()
        .map(|t| t.is_some_and(|(x, m)| x == 0.0 || m == 0.0))
        .collect();
    let fix = corrections(o.to, &zero);
    let (mut yi, mut vi) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    for i in 0..n {
        let Some((mut x, mut m)) = cells[i] else {
            continue;
        };
        if fix[i] {
            x += add;
            m += add;
        }
        let nn = x + m;
        let p = x / nn;
        match o.measure {
            Measure::PR => {
                yi[i] = p;
                vi[i] = match o.vtype {
                    VType::LS => p * (1.0 - p) / nn,
                    VType::UB => p * (1.0 - p) / (nn - 1.0),
                };
            }
            Measure::PLO => {
                yi[i] = (p / (1.0 - p)).ln();
                vi[i] = 1.0 / x + 1.0 / m;
            }
            Measure::PAS => {
                yi[i] = p.sqrt().asin();
                vi[i] = 1.0 / (4.0 * nn);
            }
            _ => unreachable!("proportions called for {}", o.measure),
        }
    }
    Ok((yi, vi))
}

fn rates(o: &EscalcOptions, inp: &Input) -> Out {
    let n = inp.n;
    let add = o.add.unwrap_or(0.5);
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        for c in ["x1i", "x2i"] {
            check_min(inp.get(c, i), i, c, 0.0, false, "event counts must be >= 0")?;
        }
        for c in ["t1i", "t2i"] {
            check_min(inp.get(c, i), i, c, 0.0, true, "person-times must be > 0")?;
        }
        cells.push(
            match (
                inp.get("x1i", i),
                inp.get("t1i", i),
                inp.get("x2i", i),
                inp.get("t2i", i),
            ) {
                (Some(x1), Some(t1), Some(x2), Some(t2)) if !(o.drop00 && x1 == 0.0 && x2 == 0.0) => {
                    Some((x1, t1, x2, t2))
                }
                _ => None,
            },
        );
    }
    let zero: Vec<bool> = cells
        .iter()
        .map(|c| c.is_some_and(|(x1, _, x2, _)| x1 == 0.0 || x2 == 0.0))
        .collect();
    let fix = corrections(o.to, &zero);
    let (mut yi, mut vi) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    for i in 0..n {
        let Some((mut x1, t1, mut x2, t2)) = cells[i] else {
            continue;
        };
        if fix[i] {
            x1 += add;
            x2 += add;
        }
        yi[i] = (x1 / t1).ln() - (x2 / t2).ln();
        vi[i] = 1.0 / x1 + 1.0 / x2;
    }
    Ok((yi, vi))
}

fn correlations(o: &EscalcOptions, inp: &Input) -> Out {
    let (mut yi, mut vi) = (vec![f64::NAN; inp.n], vec![f64::NAN; inp.n]);
    for i in 0..inp.n {
        check_min(inp.get("ni", i), i, "ni", 2.0, false, "sample sizes must be >= 2")?;
        if let Some(r) = inp.get("ri", i) {
            if r.abs() > 1.0 {
                return Err(bad(i, "ri", format!("ri = {r} but correlations must lie in [-1, 1]")));
            }
        }
        let (Some(r), Some(n)) = (inp.get("ri", i), inp.get("ni", i)) else {
            continue;
        };
        if o.measure == Measure::COR {
            yi[i] = r;
            vi[i] = (1.0 - r * r).powi(2) / (n - 1.0);
        } else {
            yi[i] = 0.5 * ((1.0 + r) / (1.0 - r)).ln();
            vi[i] = 1.0 / (n - 3.0);
        }
        if n <= 3.0 {
            vi[i] = f64::NAN;
        }
    }
    Ok((yi, vi))
}

fn paired(o: &EscalcOptions, inp: &Input) -> Out {
    let (mut yi, mut vi) = (vec![f64::NAN; inp.n], vec![f64::NAN; inp.n]);
    let sds: &[&str] = if o.measure == Measure::SMCR {
        &["sd1i"]
    } else {
        &["sd1i", "sd2i"]
    };
    for i in 0..inp.n {
        for c in sds {
            check_min(inp.get(c, i), i, c, 0.0, true, "standard deviations must be > 0")?;
        }
        check_min(inp.get("ni", i), i, "ni", 2.0, false, "sample sizes must be >= 2")?;
        if let Some(r) = inp.get("ri", i) {
            if r.abs() > 1.0 {
                return Err(bad(i, "ri", format!("ri = {r} but correlations must lie in [-1, 1]")));
            }
        }
        let (Some(m1), Some(m2), Some(s1), Some(n), Some(r)) = (
            inp.get("m1i", i),
            inp.get("m2i", i),
            inp.get("sd1i", i),
            inp.get("ni", i),
            inp.get("ri", i),
        ) else {
            continue;
        };
        let j = hedges_j(n - 1.0);
        match o.measure {
            Measure::SMCR => (yi[i], vi[i]) = smcr(m1, m2, s1, n, r),
            Measure::MC | Measure::SMCC => {
                let Some(s2) = inp.get("sd2i", i) else {
                    continue;
                };
                let vd = s1 * s1 + s2 * s2 - 2.0 * r * s1 * s2;
                if o.measure == Measure::MC {
                    yi[i] = m1 - m2;
                    vi[i] = vd / n;
                } else {
                    let y = j * (m1 - m2) / vd.sqrt();
                    yi[i] = y;
                    vi[i] = 1.0 / n + y * y / (2.0 * n);
                }
            }
            _ => unreachable!("paired called for {}", o.measure),
        }
    }
    Ok((yi, vi))
}
