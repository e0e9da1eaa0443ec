//! `analyse_mv`: a table and a [`MvSpec`] to a fitted [`MvFit`] — the rows
//! used (and why others were left out), the sampling covariances, the
//! components and their bases, the fit, its tests and statistics, and the
//! blocks asked for (robust, profile intervals, BLUPs).

use nalgebra::DMatrix;

use super::blocks::{blocks, Basis, SamplingCov};
use super::dfs::contain_ddf;
use super::random::{self, Term};
use super::reml::{self, Kind};
use super::structure::{self, Struct};
use super::{profile, ranef, robust, MvConfint, MvFit, MvSpec, VSpec};
use crate::analysis::{effects, AnalysisOptions, Dropped};
use crate::design::Design;
use crate::dist::{pchisq, pf, pnorm, pt};
use crate::error::MetaError;
use crate::fit::{critical_value, FitStats};
use crate::formula::Formula;
use crate::method::{alpha_of_level, Method, Test};
use crate::model_frame::model_frame;
use crate::table::Table;

fn usage(msg: String) -> MetaError {
    MetaError::Usage(msg)
}

/// Reads the grouping codes of `col` over `rows`; a missing cell is an error.
fn codes(table: &Table, col: &str, rows: &[usize], what: &str) -> Result<(Vec<usize>, usize), MetaError> {
    let (_, idx) = table.factor(col)?;
    let mut out = Vec::with_capacity(rows.len());
    for &i in rows {
        match idx[i] {
            Some(c) => out.push(c),
            None => {
                return Err(MetaError::Data(crate::error::DataError {
                    row: Some(i),
                    column: col.into(),
                    message: format!("{what} '{col}' has no value in this row (every used row needs one)"),
                }))
            }
        }
    }
    Ok(super::blocks::dense_codes(&out))
}

/// Fits the multilevel model of `spec` to the table, with the effect sizes,
/// moderators and options (`method` REML or ML, `test` z or t, `level`,
/// `btt`, `maxiter`) of `o`.
pub fn analyse_mv(table: &Table, o: &AnalysisOptions, spec: &MvSpec) -> Result<MvFit, MetaError> {
    let method = o.fit.method;
    if !matches!(method, Method::REML | Method::ML) {
        return Err(usage(format!(
            "--random fits by REML or ML (metafor's rma.mv); --method {method} is not one of them"
        )));
    }
    if o.fit.test == Test::Knha {
        return Err(usage(
            "--random: use --test z or t (rma.mv has no Knapp-Hartung test; --robust gives cluster-robust t tests)"
                .into(),
        ));
    }
    let parsed: Vec<Term> = spec.random.iter().map(|t| random::parse(t)).collect::<Result<_, _>>()?;
    let terms: Vec<&Vec<String>> = parsed
        .iter()
        .filter_map(|t| match t {
            Term::Nested(f) => Some(f),
            Term::Inner { .. } => None,
        })
        .collect();
    let inner_terms: Vec<(&String, &String, &String)> = parsed
        .iter()
        .filter_map(|t| match t {
            Term::Inner { inner, outer, label } => Some((inner, outer, label)),
            Term::Nested(_) => None,
        })
        .collect();
    if inner_terms.len() > 1 {
        return Err(usage(
            "--random: one ~ inner | outer term is fitted (metafor's G); give the others as ~ 1 | a/b terms".into(),
        ));
    }
    if spec.structure.is_some() && inner_terms.is_empty() {
        return Err(usage(
            "--struct applies to a ~ inner | outer term (e.g. --random \"~ outcome | trial\")".into(),
        ));
    }
    let n = table.n_rows();
    let (yi, mut vi, _) = effects(table, o)?;
    if let VSpec::Matrix(entries) = &spec.v {
        vi = vec![f64::NAN; n];
        for &(i, j, c) in entries {
            if i == 0 || j == 0 || i > n || j > n {
                return Err(usage(format!(
                    "--V: row {} is not a data row (1 to {n})",
                    if i == 0 || i > n { i } else { j }
                )));
            }
            if i == j {
                vi[i - 1] = c;
            }
        }
    }
    let frame = match &o.mods {
        None => None,
        Some(text) => Some(model_frame(&Formula::parse(text)?, table)?),
    };
    let mut grouping_cols: Vec<&str> = terms.iter().copied().flatten().map(String::as_str).collect();
    for (i, o, _) in &inner_terms {
        grouping_cols.push(i);
        grouping_cols.push(o);
    }
    if let VSpec::Cluster { column, .. } = &spec.v {
        grouping_cols.push(column);
    }
    let mut dropped = Vec::new();
    let mut idx = Vec::new();
    for i in 0..n {
        let reason = if yi[i].is_nan() || vi[i].is_nan() {
            Some(if yi[i].is_nan() {
                "missing yi".to_string()
            } else {
                "missing vi".to_string()
            })
        } else if let Some(col) = frame.as_ref().and_then(|f| f.missing[i].clone()) {
            Some(format!("missing value in moderator '{col}'"))
        } else {
            grouping_cols.iter().find_map(|c| {
                table
                    .col_index(c)
                    .filter(|&j| crate::table::is_missing(table.cell(i, j)))
                    .map(|_| format!("missing value in random-effects or V-cluster column '{c}'"))
            })
        };
        match reason {
            Some(reason) => dropped.push(Dropped { row: i, reason }),
            None => idx.push(i),
        }
    }
    let k = idx.len();
    if k == 0 {
        return Err(MetaError::model(format!(
            "no effect sizes left to analyse (k = 0): all {n} rows were left out"
        )));
    }
    let y: Vec<f64> = idx.iter().map(|&i| yi[i]).collect();
    let mut x = match &frame {
        None => Design::intercept(k),
        Some(f) => Design::from_rows(
            f.names.clone(),
            &idx.iter().map(|&i| f.rows[i].clone()).collect::<Vec<_>>(),
        ),
    };
    x.drop_redundant();
    let p = x.p;
    if p == 0 || p >= k {
        return Err(MetaError::model(format!(
            "the model has {p} coefficients for k = {k} effect sizes"
        )));
    }
    let comps = random::components(&terms, table, &idx)?;
    let nc = comps.len();
    // Sampling covariances over the used rows.
    let mut v = SamplingCov {
        diag: idx.iter().map(|&i| vi[i]).collect(),
        off: Vec::new(),
    };
    if let Some(i) = v.diag.iter().position(|v| *v < 0.0) {
        return Err(MetaError::model(format!(
            "the sampling variance of data row {} is negative",
            idx[i] + 1
        )));
    }
    match &spec.v {
        VSpec::Diagonal => {}
        VSpec::Cluster { column, rho } => {
            if !(-1.0..=1.0).contains(rho) {
                return Err(usage(format!("--rho {rho}: a correlation must lie in [-1, 1]")));
            }
            let (cl, _) = codes(table, column, &idx, "--V-cluster")?;
            let mut by: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
            for (a, c) in cl.iter().enumerate() {
                by.entry(*c).or_default().push(a);
            }
            for members in by.values() {
                for (u, &a) in members.iter().enumerate() {
                    for &b in &members[u + 1..] {
                        v.off.push((a, b, rho * (v.diag[a] * v.diag[b]).sqrt()));
                    }
                }
            }
        }
        VSpec::Matrix(entries) => {
            let mut pos = vec![usize::MAX; n];
            for (a, &i) in idx.iter().enumerate() {
                pos[i] = a;
            }
            for &(i, j, c) in entries {
                let (a, b) = (pos[i - 1], pos[j - 1]);
                if i != j && a != usize::MAX && b != usize::MAX {
                    v.off.push((a.min(b), a.max(b), c));
                }
            }
        }
    }
    // The ~ inner | outer term: level codes and its parameters' bases.
    let g = match inner_terms.first() {
        None => None,
        Some((inner, outer, label)) => {
            let (ic, q) = codes(table, inner, &idx, "the inner factor")?;
            let (oc, no) = codes(table, outer, &idx, "the outer factor")?;
            Some((
                spec.structure.unwrap_or(Struct::Cs),
                ic,
                q,
                oc,
                no,
                [label.to_string(), outer.to_string()],
            ))
        }
    };
    let mut bases: Vec<Basis> = comps.iter().map(|c| Basis::Same(&c.group)).collect();
    let mut kinds = vec![Kind::Var; nc];
    let mut joins: Vec<&[usize]> = comps.iter().map(|c| c.group.as_slice()).collect();
    let (mut struct_fixed, mut cs_rho) = (Vec::new(), None);
    if let Some((st, ic, q, oc, _, _)) = &g {
        let (bs, fx, r) = structure::fix(*st, *q, oc, ic, spec.tau2.as_deref(), spec.rho)?;
        for (b, kind) in bs {
            bases.push(b);
            kinds.push(kind);
        }
        struct_fixed = fx;
        cs_rho = r;
        joins.push(oc);
    } else if spec.tau2.is_some() || spec.rho.is_some() {
        return Err(usage("--tau2 and --rho fix the components of a ~ inner | outer term; this model has none (fix sigma2 with --sigma2)".into()));
    }
    let np = bases.len();
    let bl = blocks(&y, &x.data, p, &v, &joins, &bases)?;
    let fixed: Vec<Option<f64>> = match &spec.sigma2 {
        None => vec![None; nc],
        Some(f) if f.len() == nc => f.clone(),
        Some(f) => {
            return Err(usage(format!(
                "--sigma2 gives {} values but the random effects have {nc} components ({})",
                f.len(),
                comps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            )))
        }
    };
    if let Some(bad) = fixed.iter().flatten().find(|v| !(**v >= 0.0) || !v.is_finite()) {
        return Err(usage(format!(
            "--sigma2: a fixed variance component must be >= 0, got {bad}"
        )));
    }
    let logdet_xtx = {
        let xm = DMatrix::from_row_slice(k, p, &x.data);
        (xm.transpose() * &xm)
            .cholesky()
            .map_or(f64::NAN, |c| 2.0 * c.l().diagonal().iter().map(|d| d.ln()).sum::<f64>())
    };
    let reml = method == Method::REML;
    // The fixed-effects fit (sigma2 = 0): QE, the saturated likelihood and metafor's starting values.
    let zero = vec![0.0; np];
    let fe = reml::evaluate(&bl, &zero, p, logdet_xtx, reml, false)?;
    let qe = fe.rss.max(0.0);
    let qe_p = pchisq(qe, (k - p) as f64, false);
    let resid: Vec<f64> = bl
        .iter()
        .flat_map(|b| (&b.y - &b.x * &fe.b).iter().copied().collect::<Vec<_>>())
        .collect();
    let mean_r = resid.iter().sum::<f64>() / k as f64;
    let var_r = resid.iter().map(|r| (r - mean_r).powi(2)).sum::<f64>() / (k as f64 - 1.0);
    let inv_mean = v.diag.iter().map(|v| 1.0 / v).sum::<f64>() / k as f64;
    // metafor's start: the residual variance beyond the sampling variances, shared out.
    let n_var = kinds.iter().filter(|k| **k == Kind::Var).count();
    let each = (0.001 * n_var as f64).max(var_r - 1.0 / inv_mean) / n_var as f64;
    let mut start: Vec<f64> = fixed.iter().map(|f| f.unwrap_or(each)).collect();
    if let Some((st, _, q, ..)) = &g {
        if cs_rho.is_some() {
            start.push(each);
        } else {
            start.extend(structure::start(*st, *q, each));
        }
        for (s0, f) in start[nc..].iter_mut().zip(&struct_fixed) {
            if let Some(v) = f {
                *s0 = *v;
            }
        }
    }
    let mut free: Vec<bool> = fixed.iter().map(Option::is_none).collect();
    free.extend(struct_fixed.iter().map(Option::is_none));
    free.resize(np, true);
    let valid = |t: &[f64]| {
        cs_rho.is_some()
            || g.as_ref()
                .is_none_or(|(st, _, q, ..)| structure::admissible(*st, *q, &t[nc..]))
    };
    let problem = reml::Problem {
        blocks: &bl,
        free: &free,
        kinds: &kinds,
        valid: &valid,
        p,
        logdet_xtx,
        reml,
        maxiter: o.fit.maxiter.max(100),
        budget: &o.fit.budget,
    };
    let opt = reml::maximise(&problem, &start)?;
    let e = &opt.eval;
    let test = o.fit.test;
    let ddf: Option<Vec<usize>> = (test != Test::Z).then(|| {
        if spec.contain {
            // Groupings: every sigma2 component, and the struct's inner and outer factors.
            // (metafor pastes the inner and outer factors together for the first of these.)
            let combo: Option<(Vec<usize>, usize)> = g.as_ref().map(|(_, ic, q, oc, _, _)| {
                let raw: Vec<usize> = ic.iter().zip(oc.iter()).map(|(i, o)| o * q + i).collect();
                let mut distinct = raw.clone();
                distinct.sort_unstable();
                distinct.dedup();
                (
                    raw.iter().map(|r| distinct.binary_search(r).unwrap_or(0)).collect(),
                    distinct.len(),
                )
            });
            let mut groupings: Vec<(&[usize], usize)> =
                comps.iter().map(|c| (c.group.as_slice(), c.labels.len())).collect();
            if let (Some((_, _, _, oc, no, _)), Some((codes, n))) = (&g, &combo) {
                groupings.push((codes, *n));
                groupings.push((oc, *no));
            }
            contain_ddf(&x, &groupings)
        } else {
            vec![k - p; p]
        }
    });
    let se: Vec<f64> = (0..p).map(|j| e.h[(j, j)].sqrt()).collect();
    let b: Vec<f64> = e.b.iter().copied().collect();
    let stat: Vec<f64> = (0..p).map(|j| b[j] / se[j]).collect();
    let alpha = alpha_of_level(o.fit.level);
    let crits: Vec<f64> = (0..p)
        .map(|j| critical_value(test, alpha, ddf.as_ref().map(|d| d[j])))
        .collect();
    let crit = crits[0];
    let pval: Vec<f64> = stat
        .iter()
        .enumerate()
        .map(|(j, t)| match &ddf {
            None => 2.0 * pnorm(t.abs(), false),
            Some(d) => 2.0 * pt(t.abs(), d[j] as f64, false),
        })
        .collect();
    let int_incl = x.has_intercept();
    let btt: Vec<usize> = match &o.fit.btt {
        Some(bt) => {
            let mut bt: Vec<usize> = bt
                .iter()
                .copied()
                .filter(|&j| j >= 1 && j <= p)
                .map(|j| j - 1)
                .collect();
            bt.sort_unstable();
            bt.dedup();
            if bt.is_empty() {
                return Err(usage(format!("--btt names no existing coefficient (1 to {p})")));
            }
            bt
        }
        None if p > 1 && int_incl => (1..p).collect(),
        None => (0..p).collect(),
    };
    let m = btt.len();
    let qm_raw = {
        let sub = DMatrix::from_fn(m, m, |r, c| e.h[(btt[r], btt[c])]);
        let bb = nalgebra::DVector::from_iterator(m, btt.iter().map(|&j| b[j]));
        sub.cholesky().map_or(f64::NAN, |ch| bb.dot(&ch.solve(&bb)))
    };
    let (qm, qm_p, qm_df) = match &ddf {
        None => (qm_raw, pchisq(qm_raw, m as f64, false), (m, None)),
        Some(dd) => {
            let d = btt.iter().map(|&j| dd[j]).min().unwrap_or(k - p);
            (
                qm_raw / m as f64,
                pf(qm_raw / m as f64, m as f64, d as f64, false),
                (m, Some(d)),
            )
        }
    };
    // Fit statistics as metafor's rma.mv.
    let parms = (p + free.iter().filter(|f| **f).count()) as f64;
    let kf = k as f64;
    let two_pi = 2.0 * std::f64::consts::PI;
    let ll_qe = -0.5 * kf * two_pi.ln() - 0.5 * fe.logdet_m;
    let aicc = |ll: f64, n: f64| -2.0 * ll + 2.0 * parms * n.max(parms + 2.0) / (n.max(parms + 2.0) - parms - 1.0);
    let ml = FitStats {
        ll: e.ll_ml,
        dev: -2.0 * (e.ll_ml - ll_qe),
        aic: -2.0 * e.ll_ml + 2.0 * parms,
        bic: -2.0 * e.ll_ml + parms * kf.ln(),
        aicc: aicc(e.ll_ml, kf),
    };
    let dfr = kf - p as f64;
    let reml_stats = FitStats {
        ll: e.ll_reml,
        dev: -2.0 * e.ll_reml,
        aic: -2.0 * e.ll_reml + 2.0 * parms,
        bic: -2.0 * e.ll_reml + parms * dfr.ln(),
        aicc: aicc(e.ll_reml, dfr),
    };
    let sigma2 = opt.theta[..nc].to_vec();
    let sum_s: f64 = sigma2.iter().sum();
    let typical = dfr / fe.tr_p;
    let i2_levels = sigma2.iter().map(|s| 100.0 * s / (sum_s + typical)).collect();
    let (tau2, rho) = match (&g, cs_rho) {
        (Some(_), Some(r)) => (vec![opt.theta[nc]], vec![r]),
        (Some((st, _, q, ..)), None) => structure::tau2_rho(*st, *q, &opt.theta[nc..]),
        (None, _) => (vec![], vec![]),
    };
    let robust = match &spec.robust {
        None => None,
        Some((col, kind)) => {
            let (cl, ncl) = codes(table, col, &idx, "the --robust cluster column")?;
            let fm = robust::FittedModel {
                blocks: &bl,
                theta: &opt.theta,
                b: &e.b,
                h: &e.h,
                btt: &btt,
                int_only: x.is_intercept_only(),
                level: o.fit.level,
            };
            Some(robust::robust(&fm, &cl, ncl, col, *kind)?)
        }
    };
    let confint = if spec.confint {
        let sig: Vec<usize> = (0..nc).collect();
        let n_tau = tau2.len();
        let tau_idx: Vec<usize> = (nc..nc + n_tau).collect();
        Some(MvConfint {
            sigma2: profile::intervals(&problem, &opt, &sig, o.fit.level)?,
            tau2: profile::intervals(&problem, &opt, &tau_idx, o.fit.level)?,
            rho: match &g {
                Some((Struct::Cs, ..)) if cs_rho.is_none() && free[nc] && free.get(nc + 1) == Some(&true) => {
                    vec![profile::rho_cs(&problem, &opt, nc, o.fit.level)?]
                }
                _ => vec![None; rho.len()],
            },
        })
    } else {
        None
    };
    let ranef = if spec.ranef {
        // ranef's intervals: z, or t on k - p df (contain: the component's levels - p).
        let crits: Vec<f64> = comps
            .iter()
            .map(|c| match test {
                Test::Z => crit,
                _ => {
                    let d = if spec.contain {
                        c.labels.len().saturating_sub(p).max(1)
                    } else {
                        k - p
                    };
                    critical_value(test, alpha, Some(d))
                }
            })
            .collect();
        Some(ranef::ranef(&bl, &opt.theta, &comps, &e.b, &e.h, &crits)?)
    } else {
        None
    };
    Ok(MvFit {
        confint,
        ranef,
        k,
        p,
        coef_names: x.names.clone(),
        ci_lb: (0..p).map(|j| b[j] - crits[j] * se[j]).collect(),
        ci_ub: (0..p).map(|j| b[j] + crits[j] * se[j]).collect(),
        b,
        se,
        stat,
        pval,
        vb: e.h.clone(),
        sigma2,
        sigma2_fixed: fixed.iter().map(Option::is_some).collect(),
        s_names: comps.iter().map(|c| c.name.clone()).collect(),
        s_nlevels: comps.iter().map(|c| c.labels.len()).collect(),
        qe,
        qe_p,
        qm,
        qm_p,
        qm_df,
        ddf,
        ml,
        reml: reml_stats,
        i2_levels,
        structure: g.as_ref().map(|t| t.0),
        tau2,
        rho,
        g_names: g.as_ref().map_or(vec![], |t| t.5.to_vec()),
        g_nlevels: g.as_ref().map_or(vec![], |t| vec![t.2, t.4]),
        robust,
        dropped,
        iterations: opt.iterations,
    })
}
