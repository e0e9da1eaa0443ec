//! The JSON form of an analysis: metafor's names with `.` written `_`,
//! full double precision, NA as null and infinities as "Inf"/"-Inf".

use crate::confint::HetConfint;
use crate::diag::ranktest::RankTest;
use crate::diag::regtest::{Egger, RegTest};
use crate::diag::StepSeries;
use crate::predict::Prediction;
use crate::{Analysis, Fit, FitStats};
use serde::{Serialize, Serializer};
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

/// A number serialized as `num` writes it, without building a `Value`.
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_nan() {
            s.serialize_none()
        } else if x.is_infinite() {
            s.serialize_str(if x > 0.0 { "Inf" } else { "-Inf" })
        } else {
            s.serialize_f64(x)
        }
    }
}

/// Per-study numbers streamed straight from their slice: at k = 10^6 a
/// `Value` per number would cost ~32 MB per array.
pub struct Nums<'a>(pub &'a [f64]);

impl Serialize for Nums<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|x| Num(*x)))
    }
}

/// `escalc` block: the effect sizes of every row.
#[derive(Serialize)]
struct EscalcOut<'a> {
    yi: Nums<'a>,
    vi: Nums<'a>,
}

/// Standardized residuals.
#[derive(Serialize)]
struct RstandardOut<'a> {
    resid: Nums<'a>,
    se: Nums<'a>,
    z: Nums<'a>,
}

/// The `fit` block: model-level values plus the streamed per-study arrays.
#[derive(Serialize)]
struct FitOut<'a> {
    #[serde(flatten)]
    model: Map<String, Value>,
    weights_pct: Nums<'a>,
    fitted: Nums<'a>,
    rstandard: RstandardOut<'a>,
}

/// The whole analysis, serialized as it is written (see `analysis_json`).
#[derive(Serialize)]
pub struct AnalysisOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    escalc: Option<EscalcOut<'a>>,
    fit: FitOut<'a>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// ll, dev, AIC, BIC and AICc as metafor's `fit.stats` column.
pub(crate) fn stats(s: &FitStats) -> Value {
    json!({"ll": num(s.ll), "dev": num(s.dev), "AIC": num(s.aic), "BIC": num(s.bic), "AICc": num(s.aicc)})
}

/// The model-level values of the `fit` block.
fn fit_json(f: &Fit, dropped: &[crate::Dropped]) -> Value {
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
        "fit_stats": {"ML": stats(&f.ml), "REML": stats(&f.reml)},
    })
}

fn fit_out<'a>(f: &'a Fit, dropped: &[crate::Dropped]) -> FitOut<'a> {
    let model = match fit_json(f, dropped) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    FitOut {
        model,
        weights_pct: Nums(&f.weights_pct),
        fitted: Nums(&f.fitted),
        rstandard: RstandardOut {
            resid: Nums(&f.rstandard.0),
            se: Nums(&f.rstandard.1),
            z: Nums(&f.rstandard.2),
        },
    }
}

fn confint_json(c: &HetConfint) -> Value {
    json!({
        "tau2": nums(&c.tau2), "tau": nums(&c.tau), "I2": nums(&c.i2), "H2": nums(&c.h2),
        "lb_sign": c.lb_sign, "ub_sign": c.ub_sign,
    })
}

fn predict_json(p: &Prediction) -> Value {
    json!({
        "pred": nums(&p.pred), "se": nums(&p.se), "ci_lb": nums(&p.ci_lb), "ci_ub": nums(&p.ci_ub),
        "pi_lb": nums(&p.pi_lb), "pi_ub": nums(&p.pi_ub),
    })
}

fn series_json(s: &StepSeries, m: &mut Map<String, Value>) {
    for (k, v) in [
        ("estimate", &s.estimate),
        ("se", &s.se),
        ("stat", &s.stat),
        ("pval", &s.pval),
        ("ci_lb", &s.ci_lb),
        ("ci_ub", &s.ci_ub),
        ("Q", &s.q),
        ("Qp", &s.qp),
        ("tau2", &s.tau2),
        ("I2", &s.i2),
        ("H2", &s.h2),
    ] {
        m.insert(k.into(), nums(v));
    }
}

fn egger_json(e: &Egger) -> Value {
    json!({
        "stat": num(e.stat), "pval": num(e.pval), "ddf": e.ddf, "limit_est": num(e.limit_est),
        "limit_ci_lb": num(e.limit_ci_lb), "limit_ci_ub": num(e.limit_ci_ub),
    })
}

/// The blocks inverse-variance and table-based fits share: leave-one-out,
/// Egger's and Begg's tests, and the cumulative analysis.
fn shared_blocks(
    leave1out: Option<&StepSeries>,
    regtest: Option<&RegTest>,
    ranktest: Option<&RankTest>,
    cumul: Option<&(Vec<usize>, StepSeries)>,
    m: &mut Map<String, Value>,
) {
    if let Some(s) = leave1out {
        let mut b = Map::new();
        series_json(s, &mut b);
        m.insert("leave1out".into(), Value::Object(b));
    }
    if let Some(r) = regtest {
        m.insert(
            "regtest".into(),
            json!({"rma_sei": egger_json(&r.rma_sei), "lm_sei": egger_json(&r.lm_sei)}),
        );
    }
    if let Some(r) = ranktest {
        m.insert("ranktest".into(), json!({"tau": num(r.tau), "pval": num(r.pval)}));
    }
    if let Some((order, s)) = cumul {
        let mut b = Map::new();
        b.insert("order_ids".into(), json!(order));
        series_json(s, &mut b);
        m.insert("cumul".into(), Value::Object(b));
    }
}

fn diagnostics_json(a: &Analysis, m: &mut Map<String, Value>) {
    shared_blocks(
        a.leave1out.as_ref(),
        a.regtest.as_ref(),
        a.ranktest.as_ref(),
        a.cumul.as_ref(),
        m,
    );
    if let Some(inf) = &a.influence {
        let mut dfb = Map::new();
        for (name, col) in a.fit.x.names.iter().zip(&inf.dfbetas) {
            dfb.insert(name.clone(), nums(col));
        }
        m.insert(
            "influence".into(),
            json!({
                "rstudent": nums(&inf.rstudent), "dffits": nums(&inf.dffits), "cook_d": nums(&inf.cook_d),
                "cov_r": nums(&inf.cov_r), "tau2_del": nums(&inf.tau2_del), "QE_del": nums(&inf.qe_del),
                "hat": nums(&inf.hat), "weight": nums(&inf.weight), "is_infl": inf.is_infl, "dfbetas": dfb,
            }),
        );
    }
    if let Some(t) = &a.trimfill {
        let f = &t.fit;
        m.insert(
            "trimfill".into(),
            json!({
                "estimator": t.estimator, "side": t.side, "k0": t.k0, "se_k0": num(t.se_k0), "k": f.k,
                "b": nums(&f.b), "se": nums(&f.se), "stat": nums(&f.stat), "pval": nums(&f.pval),
                "ci_lb": nums(&f.ci_lb), "ci_ub": nums(&f.ci_ub), "tau2": num(f.tau2), "QE": num(f.qe),
                "QEp": num(f.qe_p), "yi_filled": nums(&t.yi_filled), "vi_filled": nums(&t.vi_filled), "fill": t.fill,
            }),
        );
    }
    if let Some(p) = &a.permutest {
        m.insert(
            "permutest".into(),
            json!({"exact": p.exact, "n_perm": p.n_perm, "pval": nums(&p.pval), "QMp": num(p.qm_p)}),
        );
    }
    if let Some((formula, l)) = &a.anova_lrt {
        let st = |s: &FitStats| json!({"ll": num(s.ll), "AIC": num(s.aic), "BIC": num(s.bic), "AICc": num(s.aicc)});
        m.insert(
            "anova_lrt".into(),
            json!({
                "reduced_mods": formula, "LRT": num(l.lrt), "pval": num(l.pval), "df_full": l.df_full,
                "df_reduced": l.df_reduced, "QE_full": num(l.qe_full), "QE_reduced": num(l.qe_reduced),
                "R2": num(l.r2), "fit_stats_full": st(&l.stats_full), "fit_stats_reduced": st(&l.stats_reduced),
            }),
        );
    }
    if let Some(w) = &a.anova_wald {
        m.insert(
            "anova_wald".into(),
            json!({"btt": w.btt, "QM": num(w.qm), "QMp": num(w.qm_p), "QMdf": [w.qm_df.0, w.qm_df.1]}),
        );
    }
}

/// Mantel-Haenszel or Peto pooling as JSON: `escalc` over every row, `fit`
/// (with `yi`/`vi`, weights and residuals per data row, as metafor's
/// `yi.f`/`vi.f`), and the blocks metafor has for these models.
pub fn mh_json(m: &crate::mh_analysis::MhOutcome) -> Value {
    let (f, e) = (&m.fit, &m.escalc);
    let mut fit = json!({
        "k": f.k, "k_yi": f.k_yi, "b": nums(&[f.b]), "se": nums(&[f.se]), "stat": nums(&[f.stat]),
        "pval": nums(&[f.pval]), "ci_lb": nums(&[f.ci_lb]), "ci_ub": nums(&[f.ci_ub]), "QE": num(f.qe),
        "QEp": num(f.qe_p), "I2": num(f.i2), "H2": num(f.h2), "yi": nums(&f.yi), "vi": nums(&f.vi),
        "weights_pct": nums(&f.weights_pct),
        "rstandard": {"resid": nums(&f.rstandard.0), "se": nums(&f.rstandard.1), "z": nums(&f.rstandard.2)},
    });
    if let (Some((t, kpos)), Some(obj)) = (&f.or_tests, fit.as_object_mut()) {
        for (name, v) in ["CO", "COp", "MH", "MHp", "BD", "BDp", "TA", "TAp"].iter().zip(t) {
            obj.insert(name.to_string(), num(*v));
        }
        obj.insert("k_pos".into(), json!(kpos));
    }
    let mut out = Map::new();
    out.insert("escalc".into(), json!({"yi": nums(&e.yi), "vi": nums(&e.vi)}));
    out.insert("fit".into(), fit);
    if m.predict {
        // An equal-effects pooling: no prediction interval (NA).
        let p = Prediction {
            pred: vec![f.b],
            se: vec![f.se],
            ci_lb: vec![f.ci_lb],
            ci_ub: vec![f.ci_ub],
            pi_lb: vec![f64::NAN],
            pi_ub: vec![f64::NAN],
        };
        out.insert("predict".into(), predict_json(&p));
    }
    shared_blocks(
        m.leave1out.as_ref(),
        m.regtest.as_ref(),
        m.ranktest.as_ref(),
        m.cumul.as_ref(),
        &mut out,
    );
    Value::Object(out)
}

/// The whole analysis as one JSON object (serialize it; the per-study
/// arrays are written from their slices).
pub fn analysis_json(a: &Analysis) -> AnalysisOut<'_> {
    let mut m = Map::new();
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
    diagnostics_json(a, &mut m);
    if let Some(r) = &a.robust {
        m.insert("robust".into(), crate::mv::json::robust_json(r));
    }
    if let Some(t) = &a.transf {
        let mut v = predict_json(t);
        v["transf"] = json!("ipft.hm");
        m.insert("predict_transf".into(), v);
    }
    AnalysisOut {
        escalc: a.escalc.as_ref().map(|e| EscalcOut {
            yi: Nums(&e.yi),
            vi: Nums(&e.vi),
        }),
        fit: fit_out(&a.fit, &a.dropped),
        rest: m,
    }
}
