//! The JSON form of an analysis: metafor's names with `.` written `_`,
//! full double precision, NA as null and infinities as "Inf"/"-Inf".

use acumen_meta::confint::HetConfint;
use acumen_meta::predict::Prediction;
use acumen_meta::{Analysis, Fit, FitStats};
use serde_json::{json, Map, Value};

/// A number: NaN is null, infinities are strings.
pub fn num(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else if x.is_infinite() {
        Value::String(if x > 0.0 { "Inf" } else { "-Inf" }.into())
    } else {
        json!(x)
    }
}

/// An array of numbers.
pub fn nums(xs: &[f64]) -> Value {
    Value::Array(xs.iter().map(|&x| num(x)).collect())
}

fn stats(s: &FitStats) -> Value {
    json!({"ll": num(s.ll), "dev": num(s.dev), "AIC": num(s.aic), "BIC": num(s.bic), "AICc": num(s.aicc)})
}

/// The `fit` block.
pub fn fit_json(f: &Fit, dropped: &[acumen_meta::Dropped]) -> Value {
    let vb: Vec<Value> = (0..f.p)
        .map(|r| nums(&(0..f.p).map(|c| f.vb[(r, c)]).collect::<Vec<_>>()))
        .collect();
    let dropped: Vec<Value> = dropped
        .iter()
        .map(|d| json!({"row": d.row + 1, "reason": d.reason}))
        .collect();
    json!({
        "k": f.k,
        "p": f.p,
        "dropped_rows": dropped,
        "coef_names": f.x.names,
        "b": nums(&f.b),
        "se": nums(&f.se),
        "stat": nums(&f.stat),
        "pval": nums(&f.pval),
        "ci_lb": nums(&f.ci_lb),
        "ci_ub": nums(&f.ci_ub),
        "vb": vb,
        "tau2": num(f.tau2),
        "se_tau2": num(f.se_tau2),
        "I2": num(f.i2),
        "H2": num(f.h2),
        "vt": num(f.vt),
        "QE": num(f.qe),
        "QEp": num(f.qe_p),
        "QM": num(f.qm),
        "QMp": num(f.qm_p),
        "QMdf": [f.qm_df.0, f.qm_df.1],
        "ddf": [f.ddf],
        "s2w": num(f.s2w),
        "R2": f.r2.map_or(Value::Null, num),
        "weights_pct": nums(&f.weights_pct),
        "fitted": nums(&f.fitted),
        "rstandard": {"resid": nums(&f.rstandard.0), "se": nums(&f.rstandard.1), "z": nums(&f.rstandard.2)},
        "fit_stats": {"ML": stats(&f.ml), "REML": stats(&f.reml)},
    })
}

fn confint_json(c: &HetConfint) -> Value {
    json!({"tau2": nums(&c.tau2), "tau": nums(&c.tau), "I2": nums(&c.i2), "H2": nums(&c.h2)})
}

fn predict_json(p: &Prediction) -> Value {
    json!({
        "pred": nums(&p.pred), "se": nums(&p.se), "ci_lb": nums(&p.ci_lb), "ci_ub": nums(&p.ci_ub),
        "pi_lb": nums(&p.pi_lb), "pi_ub": nums(&p.pi_ub),
    })
}

/// The whole analysis as one JSON object.
pub fn analysis_json(a: &Analysis) -> Value {
    let mut m = Map::new();
    if let Some(e) = &a.escalc {
        m.insert(
            "escalc".into(),
            json!({"yi": nums(&e.yi), "vi": nums(&e.vi)}),
        );
    }
    m.insert("fit".into(), fit_json(&a.fit, &a.dropped));
    if let Some(c) = &a.confint {
        m.insert("confint".into(), confint_json(c));
    }
    if let Some(p) = &a.predict {
        m.insert("predict".into(), predict_json(p));
    }
    if let Some(s) = &a.subgroups {
        let mut fits = Map::new();
        for (name, f) in s.levels.iter().zip(&s.fits) {
            fits.insert(
                name.clone(),
                json!({
                    "k": f.k, "b": nums(&f.b), "se": nums(&f.se), "stat": nums(&f.stat), "pval": nums(&f.pval),
                    "ci_lb": nums(&f.ci_lb), "ci_ub": nums(&f.ci_ub), "tau2": num(f.tau2), "QE": num(f.qe),
                    "QEp": num(f.qe_p), "I2": num(f.i2), "H2": num(f.h2),
                }),
            );
        }
        m.insert(
            "subgroups".into(),
            json!({
                "levels": s.levels, "fits": fits, "Q_between": num(s.q_between),
                "Q_between_df": s.q_between_df, "Q_between_p": num(s.q_between_p),
            }),
        );
    }
    Value::Object(m)
}
