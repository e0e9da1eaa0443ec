//! The readable report of a multilevel model, laid out as metafor prints
//! an `rma.mv` fit (and its `robust` block).

use std::fmt::Write;

use acumen_meta::mv::MvFit;

use crate::meta::text_blocks::{f4, pfmt};

fn coef_table(s: &mut String, names: &[String], cols: [&[f64]; 6], stat: &str, df: Option<&[f64]>) {
    let w = names.iter().map(|n| n.len()).max().unwrap_or(7).max(7);
    let _ = write!(s, "{:w$}  {:>9}  {:>8}  {:>8}", "", "estimate", "se", stat);
    if df.is_some() {
        let _ = write!(s, "  {:>8}", "df");
    }
    let _ = writeln!(s, "  {:>8}  {:>9}  {:>9}", "pval", "ci.lb", "ci.ub");
    for (j, n) in names.iter().enumerate() {
        let _ = write!(
            s,
            "{n:w$}  {:>9}  {:>8}  {:>8}",
            f4(cols[0][j]),
            f4(cols[1][j]),
            f4(cols[2][j])
        );
        if let Some(d) = df {
            let _ = write!(s, "  {:>8}", format!("{:.2}", d[j]));
        }
        let _ = writeln!(
            s,
            "  {:>8}  {:>9}  {:>9}",
            pfmt(cols[3][j]),
            f4(cols[4][j]),
            f4(cols[5][j])
        );
    }
}

/// The report of `m` (fit with `method`).
pub fn render_mv(m: &MvFit, method: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Multivariate Meta-Analysis Model (k = {}; method: {method})", m.k);
    if !m.dropped.is_empty() {
        let rows: Vec<String> = m
            .dropped
            .iter()
            .map(|d| format!("{} ({})", d.row + 1, d.reason))
            .collect();
        let _ = writeln!(s, "Rows left out: {}", rows.join("; "));
    }
    if !m.s_names.is_empty() {
        let _ = writeln!(s, "\nVariance Components:\n");
        let _ = writeln!(
            s,
            "{:11}  {:>8}  {:>8}  {:>6}  {:>5}  {:>6}  factor",
            "", "estim", "sqrt", "nlvls", "fixed", "I^2"
        );
    }
    for (l, name) in m.s_names.iter().enumerate() {
        let _ = writeln!(
            s,
            "{:11}  {:>8}  {:>8}  {:>6}  {:>5}  {:>5.1}%  {name}",
            format!("sigma^2.{}", l + 1),
            f4(m.sigma2[l]),
            f4(m.sigma2[l].sqrt()),
            m.s_nlevels[l],
            if m.sigma2_fixed[l] { "yes" } else { "no" },
            m.i2_levels[l]
        );
    }
    if let Some(st) = m.structure {
        let _ = writeln!(s, "\nouter factor: {} (nlvls = {})", m.g_names[1], m.g_nlevels[1]);
        let _ = writeln!(
            s,
            "inner factor: {} (nlvls = {})  struct: {st}\n",
            m.g_names[0], m.g_nlevels[0]
        );
        for (i, t) in m.tau2.iter().enumerate() {
            let _ = writeln!(s, "tau^2.{}  {:>8}  sqrt {:>8}", i + 1, f4(*t), f4(t.sqrt()));
        }
        for (i, r) in m.rho.iter().enumerate() {
            let _ = writeln!(s, "rho.{}    {:>8}", i + 1, f4(*r));
        }
    }
    if let Some(ci) = &m.confint {
        let _ = writeln!(
            s,
            "\nProfile-likelihood intervals of the variance components (at --level):\n"
        );
        let rows = ci
            .sigma2
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("sigma^2.{}", i + 1), b))
            .chain(ci.tau2.iter().enumerate().map(|(i, b)| (format!("tau^2.{}", i + 1), b)));
        for (name, b) in rows {
            match b {
                Some([e, lb, ub]) => {
                    let _ = writeln!(s, "{name:11}  {:>8}  [{}, {}]", f4(*e), f4(*lb), f4(*ub));
                }
                None => {
                    let _ = writeln!(s, "{name:11}  fixed");
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "\nTest for {}Heterogeneity:\nQE(df = {}) = {}, p-val {}",
        if m.p > 1 { "Residual " } else { "" },
        m.k - m.p,
        f4(m.qe),
        pfmt(m.qe_p)
    );
    if m.p > 1 {
        match m.qm_df.1 {
            None => {
                let _ = writeln!(
                    s,
                    "\nTest of Moderators (coefficients {}):\nQM(df = {}) = {}, p-val {}",
                    btt_text(m),
                    m.qm_df.0,
                    f4(m.qm),
                    pfmt(m.qm_p)
                );
            }
            Some(d) => {
                let _ = writeln!(
                    s,
                    "\nTest of Moderators (coefficients {}):\nF(df1 = {}, df2 = {d}) = {}, p-val {}",
                    btt_text(m),
                    m.qm_df.0,
                    f4(m.qm),
                    pfmt(m.qm_p)
                );
            }
        }
    }
    let _ = writeln!(s, "\nModel Results:\n");
    let stat = if m.ddf.is_some() { "tval" } else { "zval" };
    coef_table(
        &mut s,
        &m.coef_names,
        [&m.b, &m.se, &m.stat, &m.pval, &m.ci_lb, &m.ci_ub],
        stat,
        None,
    );
    if let Some(r) = &m.robust {
        robust_block(&mut s, r, &m.coef_names);
    }
    s
}

/// The cluster-robust block of a fit (rma.mv or rma.uni) with coefficients `names`.
pub fn robust_block(s: &mut String, r: &acumen_meta::mv::robust::Robust, names: &[String]) {
    let p = names.len();
    {
        let _ = writeln!(
            s,
            "\nCluster-Robust Inference ({}; {} clusters of '{}'{}):\n",
            r.kind,
            r.n_clusters,
            r.cluster_col,
            if r.kind == acumen_meta::mv::robust::RobustType::Cr2 {
                ", Satterthwaite df"
            } else {
                ""
            }
        );
        if p > 1 {
            let _ = writeln!(
                s,
                "Test of Moderators: F(df1 = {}, df2 = {:.2}) = {}, p-val {}\n",
                r.qm_df.0,
                r.qm_df.1,
                f4(r.qm),
                pfmt(r.qm_p)
            );
        }
        coef_table(
            s,
            names,
            [&r.b, &r.se, &r.stat, &r.pval, &r.ci_lb, &r.ci_ub],
            "tval",
            Some(&r.ddf),
        );
    }
}

fn btt_text(m: &MvFit) -> String {
    if m.qm_df.0 == m.p {
        format!("1:{}", m.p)
    } else if m.qm_df.0 == m.p - 1 {
        format!("2:{}", m.p)
    } else {
        format!("{} of {}", m.qm_df.0, m.p)
    }
}
