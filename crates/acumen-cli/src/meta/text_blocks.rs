//! The post-fit blocks of the readable report, laid out as metafor prints
//! them: leave-one-out and cumulative tables, influence diagnostics, Egger's
//! and Begg's tests, trim-and-fill, permutation and model-comparison tests,
//! and the back-transformed estimate of ratio measures.

use std::fmt::Write;

use acumen_meta::diag::ranktest::RankTest;
use acumen_meta::diag::regtest::RegTest;
use acumen_meta::diag::StepSeries;
use acumen_meta::Analysis;

/// Four decimals, NA for NaN.
pub fn f4(x: f64) -> String {
    if x.is_nan() {
        "NA".into()
    } else {
        format!("{x:.4}")
    }
}

/// p-values as metafor prints them.
pub fn pfmt(p: f64) -> String {
    if p.is_nan() {
        "NA".into()
    } else if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// Whether estimates of `measure` are on a log scale (shown back-transformed too).
pub fn is_ratio(measure: Option<&str>) -> bool {
    matches!(measure, Some("OR" | "RR" | "IRR" | "ROM" | "PETO"))
}

/// "exp scale: 0.62 [0.57, 0.68]" as metafor's `predict(..., transf = exp)`.
pub fn exp_line(s: &mut String, est: f64, lb: f64, ub: f64, pi: Option<(f64, f64)>) {
    let _ = write!(
        s,
        "\nBack-transformed (exp): estimate {}  ci [{}, {}]",
        f4(est.exp()),
        f4(lb.exp()),
        f4(ub.exp())
    );
    if let Some((a, b)) = pi.filter(|(a, b)| !a.is_nan() && !b.is_nan()) {
        let _ = write!(s, "  pi [{}, {}]", f4(a.exp()), f4(b.exp()));
    }
    let _ = writeln!(s);
}

/// A leave-one-out or cumulative table, one row per label.
pub fn series(s: &mut String, title: &str, labels: &[String], t: &StepSeries, stat: &str) {
    let w = labels.iter().map(|l| l.len()).max().unwrap_or(4).max(4);
    let tau = t.tau2.iter().any(|v| !v.is_nan());
    let _ = writeln!(s, "\n{title}:\n");
    let _ = write!(
        s,
        "{:w$}  {:>9}  {:>8}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>8}",
        "", "estimate", "se", stat, "pval", "ci.lb", "ci.ub", "Q", "Qp"
    );
    if tau {
        let _ = write!(s, "  {:>8}", "tau2");
    }
    let _ = writeln!(s, "  {:>8}  {:>8}", "I2", "H2");
    for (i, l) in labels.iter().enumerate().take(t.estimate.len()) {
        let _ = write!(
            s,
            "{l:w$}  {:>9}  {:>8}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>8}",
            f4(t.estimate[i]),
            f4(t.se[i]),
            f4(t.stat[i]),
            pfmt(t.pval[i]),
            f4(t.ci_lb[i]),
            f4(t.ci_ub[i]),
            f4(t.q[i]),
            pfmt(t.qp[i])
        );
        if tau {
            let _ = write!(s, "  {:>8}", f4(t.tau2[i]));
        }
        let _ = writeln!(s, "  {:>8}  {:>8}", f4(t.i2[i]), f4(t.h2[i]));
    }
}

/// Egger's regression test (both models) and Begg's rank correlation test.
pub fn tests(s: &mut String, reg: Option<&RegTest>, rank: Option<&RankTest>) {
    if let Some(r) = reg {
        for (name, e) in [("rma, predictor sei", &r.rma_sei), ("lm, predictor sei", &r.lm_sei)] {
            let _ = writeln!(
                s,
                "\nRegression Test for Funnel Plot Asymmetry ({name}):\n  test: {} = {}, p = {}\n  limit estimate (as sei -> 0): b = {} (CI: {}, {})",
                if e.ddf.is_some() { "t" } else { "z" },
                f4(e.stat),
                pfmt(e.pval),
                f4(e.limit_est),
                f4(e.limit_ci_lb),
                f4(e.limit_ci_ub)
            );
        }
    }
    if let Some(r) = rank {
        let _ = writeln!(
            s,
            "\nRank Correlation Test for Funnel Plot Asymmetry:\n  Kendall's tau = {}, p = {}",
            f4(r.tau),
            pfmt(r.pval)
        );
    }
}

/// Every diagnostic block of an inverse-variance analysis.
pub fn diagnostics(s: &mut String, a: &Analysis) {
    let stat = if a.fit.opts.test == acumen_meta::Test::Z {
        "zval"
    } else {
        "tval"
    };
    if let Some(t) = &a.leave1out {
        series(s, "Leave-one-out analysis", &a.labels, t, stat);
    }
    if let Some(inf) = &a.influence {
        let w = a.labels.iter().map(|l| l.len()).max().unwrap_or(4).max(4);
        let _ = writeln!(s, "\nInfluence Diagnostics:\n");
        let _ = writeln!(
            s,
            "{:w$}  {:>9}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}  {:>6}  {:>7}  inf",
            "", "rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight"
        );
        for (i, l) in a.labels.iter().enumerate() {
            let _ = writeln!(
                s,
                "{l:w$}  {:>9}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}  {:>6.4}  {:>7.4}  {}",
                f4(inf.rstudent[i]),
                f4(inf.dffits[i]),
                f4(inf.cook_d[i]),
                f4(inf.cov_r[i]),
                f4(inf.tau2_del[i]),
                f4(inf.qe_del[i]),
                inf.hat[i],
                inf.weight[i],
                if inf.is_infl[i] == Some(true) { "*" } else { "" }
            );
        }
    }
    tests(s, a.regtest.as_ref(), a.ranktest.as_ref());
    if let Some(t) = &a.trimfill {
        let f = &t.fit;
        let _ = writeln!(
            s,
            "\nTrim-and-fill (estimator {}): estimated number of missing studies on the {} side: {} (SE = {})\n  filled model (k = {}): estimate {}  se {}  pval {}  ci [{}, {}]  tau^2 {}",
            t.estimator,
            t.side,
            t.k0,
            f4(t.se_k0),
            f.k,
            f4(f.b[0]),
            f4(f.se[0]),
            pfmt(f.pval[0]),
            f4(f.ci_lb[0]),
            f4(f.ci_ub[0]),
            f4(f.tau2)
        );
    }
    if let Some((order, t)) = &a.cumul {
        let labels: Vec<String> = order
            .iter()
            .map(|row| {
                a.rows
                    .iter()
                    .position(|r| r + 1 == *row)
                    .map_or(row.to_string(), |i| a.labels[i].clone())
            })
            .collect();
        series(s, "Cumulative meta-analysis", &labels, t, stat);
    }
    if let Some(p) = &a.permutest {
        let kind = if p.exact { "exact" } else { "random" };
        let _ = writeln!(
            s,
            "\nPermutation test ({kind}, {} permutations): p = {}; omnibus QMp = {}",
            p.n_perm,
            p.pval.iter().map(|x| pfmt(*x)).collect::<Vec<_>>().join(", "),
            pfmt(p.qm_p)
        );
    }
    if let Some((formula, l)) = &a.anova_lrt {
        let _ = writeln!(
            s,
            "\nLikelihood-ratio test against {formula}: LRT = {}, df = {}, p = {}; R^2 = {}",
            f4(l.lrt),
            l.df_full.saturating_sub(l.df_reduced),
            pfmt(l.pval),
            f4(l.r2)
        );
    }
    if let Some(w) = &a.anova_wald {
        let _ = writeln!(
            s,
            "\nWald test of coefficients {:?}: QM(df = {}) = {}, p = {}",
            w.btt,
            w.qm_df.0,
            f4(w.qm),
            pfmt(w.qm_p)
        );
    }
}
