//! The readable report (`--format table`), in the spirit of metafor's print.

use acumen_meta::{Analysis, Test};
use std::fmt::Write;

use super::text_blocks::{diagnostics, exp_line, f4, is_ratio, pfmt, series, tests};

/// Renders the report.
pub fn render(a: &Analysis, measure: Option<&str>) -> String {
    let f = &a.fit;
    let mut s = String::new();
    let kind = if f.opts.method.is_equal_effects() {
        "Equal-Effects Model"
    } else if f.x.is_intercept_only() {
        "Random-Effects Model"
    } else {
        "Mixed-Effects Model"
    };
    let _ = writeln!(
        s,
        "{kind} (k = {}; tau^2 estimator: {} [{}])",
        f.k,
        f.opts.method,
        f.opts.method.description()
    );
    if let Some(m) = measure {
        let _ = writeln!(s, "Outcome measure: {m}");
    }
    if !a.dropped.is_empty() {
        let rows: Vec<String> = a
            .dropped
            .iter()
            .map(|d| format!("{} ({})", d.row + 1, d.reason))
            .collect();
        let _ = writeln!(s, "Rows left out: {}", rows.join("; "));
    }
    let _ = writeln!(s);
    if !f.opts.method.is_equal_effects() {
        let fixed = if f.tau2_fixed { " (fixed)" } else { "" };
        let _ = writeln!(
            s,
            "tau^2 (amount of heterogeneity):     {} (SE = {}){fixed}",
            f4(f.tau2),
            f4(f.se_tau2)
        );
        let _ = writeln!(s, "tau (square root of tau^2):          {}", f4(f.tau2.sqrt()));
    }
    let _ = writeln!(
        s,
        "I^2 (share of variability from heterogeneity): {}%",
        if f.i2.is_nan() {
            "NA".into()
        } else {
            format!("{:.2}", f.i2)
        }
    );
    let _ = writeln!(
        s,
        "H^2 (total / sampling variability):  {}",
        if f.h2.is_nan() {
            "NA".into()
        } else {
            format!("{:.2}", f.h2)
        }
    );
    if let Some(r2) = f.r2 {
        let _ = writeln!(
            s,
            "R^2 (heterogeneity accounted for):   {}%",
            if r2.is_nan() { "NA".into() } else { format!("{r2:.2}") }
        );
    }
    let _ = writeln!(s);
    let label = if f.x.is_intercept_only() {
        "Test for Heterogeneity"
    } else {
        "Test for Residual Heterogeneity"
    };
    let _ = writeln!(
        s,
        "{label}:\nQ(df = {}) = {}, p-val = {}",
        f.k - f.p,
        f4(f.qe),
        pfmt(f.qe_p)
    );
    let _ = writeln!(s);
    if !f.x.is_intercept_only() {
        let coefs: Vec<String> = f.btt.iter().map(|j| j.to_string()).collect();
        match f.qm_df.1 {
            None => {
                let _ = writeln!(
                    s,
                    "Test of Moderators (coefficients {}):\nQM(df = {}) = {}, p-val = {}",
                    coefs.join(","),
                    f.qm_df.0,
                    f4(f.qm),
                    pfmt(f.qm_p)
                );
            }
            Some(d) => {
                let _ = writeln!(
                    s,
                    "Test of Moderators (coefficients {}):\nF(df1 = {}, df2 = {d}) = {}, p-val = {}",
                    coefs.join(","),
                    f.qm_df.0,
                    f4(f.qm),
                    pfmt(f.qm_p)
                );
            }
        }
        let _ = writeln!(s);
    }
    let stat = if f.opts.test == Test::Z { "zval" } else { "tval" };
    let w = f.x.names.iter().map(|n| n.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(s, "Model Results:\n");
    let _ = writeln!(
        s,
        "{:w$}  {:>9}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}",
        "", "estimate", "se", stat, "pval", "ci.lb", "ci.ub"
    );
    for j in 0..f.p {
        let _ = writeln!(
            s,
            "{:w$}  {:>9}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}",
            f.x.names[j],
            f4(f.b[j]),
            f4(f.se[j]),
            f4(f.stat[j]),
            pfmt(f.pval[j]),
            f4(f.ci_lb[j]),
            f4(f.ci_ub[j])
        );
    }
    if let Some(p) = &a.predict {
        if p.pred.len() == 1 {
            // Equal-effects models have no prediction interval (metafor: none).
            let pi = if p.pi_lb[0].is_nan() {
                "—".to_string()
            } else {
                format!("{} to {}", f4(p.pi_lb[0]), f4(p.pi_ub[0]))
            };
            let _ = writeln!(
                s,
                "\nPredicted: {} (se {}), ci {} to {}; prediction interval ({:.0}%): {pi}",
                f4(p.pred[0]),
                f4(p.se[0]),
                f4(p.ci_lb[0]),
                f4(p.ci_ub[0]),
                100.0 * (1.0 - f.alpha)
            );
        }
    }
    if is_ratio(measure) && f.x.is_intercept_only() {
        let pi = a.predict.as_ref().map(|p| (p.pi_lb[0], p.pi_ub[0]));
        exp_line(&mut s, f.b[0], f.ci_lb[0], f.ci_ub[0], pi);
    }
    if let Some(c) = &a.confint {
        let _ = writeln!(s, "\nHeterogeneity confidence intervals (Q-profile):");
        for (name, v) in [("tau^2", c.tau2), ("tau", c.tau), ("I^2(%)", c.i2), ("H^2", c.h2)] {
            let _ = writeln!(
                s,
                "  {:7} {:>9}  [{}{}, {}{}]",
                name,
                f4(v[0]),
                c.lb_sign,
                f4(v[1]),
                c.ub_sign,
                f4(v[2])
            );
        }
        if !c.lb_sign.is_empty() || !c.ub_sign.is_empty() {
            let _ = writeln!(
                s,
                "  (a bound marked < or > lies beyond the searched interval; the limit is shown)"
            );
        }
    }
    if let Some(g) = &a.subgroups {
        let _ = writeln!(s, "\nSubgroups:");
        for (name, sf) in g.levels.iter().zip(&g.fits) {
            let _ = writeln!(
                s,
                "  {name}: k = {}, estimate = {} [{}, {}], tau^2 = {}",
                sf.k,
                f4(sf.b[0]),
                f4(sf.ci_lb[0]),
                f4(sf.ci_ub[0]),
                f4(sf.tau2)
            );
        }
        let _ = writeln!(
            s,
            "Test for subgroup differences: Q(df = {}) = {}, p-val = {}",
            g.q_between_df,
            f4(g.q_between),
            pfmt(g.q_between_p)
        );
    }
    diagnostics(&mut s, a);
    if let Some(r) = &a.robust {
        crate::meta::text_mv::robust_block(&mut s, r, &a.fit.x.names);
    }
    s
}

/// Renders a Mantel-Haenszel or Peto result.
pub fn render_mh(m: &acumen_meta::mh_analysis::MhOutcome, method: &str, measure: &str) -> String {
    let f = &m.fit;
    let mut s = String::new();
    let name = if method == "PETO" {
        "Peto's method"
    } else {
        "Mantel-Haenszel method"
    };
    let _ = writeln!(
        s,
        "Equal-Effects Model ({name}; k = {}, studies with an estimate: {})",
        f.k, f.k_yi
    );
    let _ = writeln!(s, "Outcome measure: {measure}\n");
    let _ = writeln!(s, "I^2: {}%   H^2: {}", f4(f.i2), f4(f.h2));
    let _ = writeln!(
        s,
        "Test for Heterogeneity: Q(df = {}) = {}, p-val = {}\n",
        f.k_yi.saturating_sub(1),
        f4(f.qe),
        pfmt(f.qe_p)
    );
    let _ = writeln!(
        s,
        "estimate  {}   se  {}   zval  {}   pval  {}   ci  [{}, {}]",
        f4(f.b),
        f4(f.se),
        f4(f.stat),
        pfmt(f.pval),
        f4(f.ci_lb),
        f4(f.ci_ub)
    );
    if measure != "RD" {
        exp_line(&mut s, f.b, f.ci_lb, f.ci_ub, None);
    }
    if let Some((t, kpos)) = &f.or_tests {
        let _ = writeln!(
            s,
            "\nCochran-Mantel-Haenszel test: CMH = {}, df = 1, p-val = {}",
            f4(t[2]),
            pfmt(t[3])
        );
        let _ = writeln!(
            s,
            "Tarone's test for heterogeneity: X^2 = {}, df = {}, p-val = {}",
            f4(t[6]),
            kpos.saturating_sub(1),
            pfmt(t[7])
        );
    }
    if m.predict {
        let _ = writeln!(
            s,
            "\nPredicted: {} (se {}), ci {} to {}; prediction interval: — (equal-effects model)",
            f4(f.b),
            f4(f.se),
            f4(f.ci_lb),
            f4(f.ci_ub)
        );
    }
    let rows: Vec<String> = (1..=f.yi.len()).map(|i| i.to_string()).collect();
    if let Some(t) = &m.leave1out {
        series(&mut s, "Leave-one-out analysis (CSV rows)", &rows, t, "zval");
    }
    tests(&mut s, m.regtest.as_ref(), m.ranktest.as_ref());
    if let Some((order, t)) = &m.cumul {
        let labels: Vec<String> = order.iter().map(|r| r.to_string()).collect();
        series(&mut s, "Cumulative meta-analysis (CSV rows)", &labels, t, "zval");
    }
    s
}
