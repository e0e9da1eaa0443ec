//! The JSON of a multilevel fit: metafor's names with `.` written `_`,
//! full doubles, NA as null, per-coefficient and per-component arrays.

use serde_json::{json, Value};

use crate::json::{num, nums, stats};
use crate::mv::robust::Robust;
use crate::mv::MvFit;

/// The `robust` block.
pub fn robust_json(r: &Robust) -> Value {
    json!({
        "type": r.kind.to_string(), "cluster_col": r.cluster_col, "n_clusters": r.n_clusters,
        "b": nums(&r.b), "se": nums(&r.se), "stat": nums(&r.stat), "pval": nums(&r.pval),
        "ci_lb": nums(&r.ci_lb), "ci_ub": nums(&r.ci_ub), "ddf": nums(&r.ddf),
        "QM": num(r.qm), "QMp": num(r.qm_p), "QMdf": [num(r.qm_df.0), num(r.qm_df.1)],
    })
}

/// `{"fit": {...}, "robust": {...}, "dropped": [...]}`.
pub fn mv_json(f: &MvFit) -> Value {
    let vb: Vec<Value> = (0..f.p)
        .map(|r| nums(&(0..f.p).map(|c| f.vb[(r, c)]).collect::<Vec<_>>()))
        .collect();
    let ddf: Vec<Value> = (0..f.p)
        .map(|j| f.ddf.as_ref().map_or(Value::Null, |d| json!(d[j])))
        .collect();
    let mut out = json!({
        "fit": {
            "k": f.k, "p": f.p, "coef_names": f.coef_names, "b": nums(&f.b), "se": nums(&f.se),
            "stat": nums(&f.stat), "pval": nums(&f.pval), "ci_lb": nums(&f.ci_lb), "ci_ub": nums(&f.ci_ub),
            "vb": vb, "sigma2": nums(&f.sigma2), "sigma2_fixed": f.sigma2_fixed, "s_names": f.s_names,
            "s_nlevels": f.s_nlevels, "QE": num(f.qe), "QEp": num(f.qe_p), "QM": num(f.qm), "QMp": num(f.qm_p),
            "QMdf": [f.qm_df.0, f.qm_df.1], "ddf": ddf,
            "fit_stats": {"ML": stats(&f.ml), "REML": stats(&f.reml)},
            "I2_levels": nums(&f.i2_levels), "iterations": f.iterations,
        },
        "dropped": f.dropped.iter().map(|d| json!({"row": d.row + 1, "reason": d.reason})).collect::<Vec<_>>(),
    });
    if let Some(st) = f.structure {
        out["fit"]["struct"] = json!(st.to_string());
        out["fit"]["tau2"] = nums(&f.tau2);
        out["fit"]["rho"] = nums(&f.rho);
        out["fit"]["g_names"] = json!(f.g_names);
        out["fit"]["g_nlevels"] = json!(f.g_nlevels);
    }
    if let Some(r) = &f.robust {
        out["robust"] = robust_json(r);
    }
    if let Some(ci) = &f.confint {
        let rows = |b: &[crate::mv::profile::Bounds]| -> Value {
            Value::Array(b.iter().map(|x| x.map_or(Value::Null, |v| nums(&v))).collect())
        };
        out["confint"] = json!({"sigma2": rows(&ci.sigma2), "tau2": rows(&ci.tau2), "rho": rows(&ci.rho)});
    }
    if let Some(blups) = &f.ranef {
        let mut m = serde_json::Map::new();
        for b in blups {
            m.insert(
                b.name.clone(),
                json!({"level": b.level, "intrcpt": nums(&b.intrcpt), "se": nums(&b.se), "pi_lb": nums(&b.pi_lb), "pi_ub": nums(&b.pi_ub)}),
            );
        }
        out["ranef"] = Value::Object(m);
    }
    out
}
