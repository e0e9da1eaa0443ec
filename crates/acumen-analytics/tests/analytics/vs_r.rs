//! Interval estimates and Kaplan-Meier curves against R 4.2 / survival 3.5 / metafor 3.8.

use acumen_analytics::km::{kaplan_meier, Observation};
use acumen_analytics::stats::{clopper_pearson, mean_ci, poisson_rate, wilson};
use serde_json::Value;

/// R writes 15 significant digits.
const REL: f64 = 1e-12;

fn cases() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/analytics_cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn close(got: Option<f64>, want: &Value, what: &str) {
    match (got, want.as_f64()) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= REL * w.abs().max(1e-300) || (g - w).abs() < 1e-15,
            "{what}: got {g}, R {w}"
        ),
        (g, _) => panic!("{what}: got {g:?}, R {want}"),
    }
}

fn u(v: &Value) -> u64 {
    v.as_f64().unwrap() as u64
}

#[test]
fn proportions_and_rates() {
    let c = cases();
    for t in c["prop_test"].as_array().unwrap() {
        let p = wilson(u(&t["x"]), u(&t["n"]));
        close(p.lower, &t["lower"], &format!("wilson {t}"));
        close(p.upper, &t["upper"], &format!("wilson {t}"));
    }
    for t in c["binom_test"].as_array().unwrap() {
        let p = clopper_pearson(u(&t["x"]), u(&t["n"]));
        close(p.lower, &t["lower"], &format!("binom {t}"));
        close(p.upper, &t["upper"], &format!("binom {t}"));
    }
    for t in c["poisson_test"].as_array().unwrap() {
        let r = poisson_rate(u(&t["x"]), u(&t["exposure"]), 1000);
        close(r.lower, &t["lower_per_1000"], &format!("poisson {t}"));
        close(r.upper, &t["upper_per_1000"], &format!("poisson {t}"));
    }
    for t in c["qbeta"].as_array().unwrap() {
        let f = |k: &str| t[k].as_f64().unwrap();
        close(
            Some(acumen_meta::dist::qbeta(f("p"), f("a"), f("b"))),
            &t["value"],
            &format!("qbeta {t}"),
        );
    }
    for t in c["t_test"].as_array().unwrap() {
        let x: Vec<f64> = t["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let m = mean_ci(&x);
        close(m.estimate, &t["mean"], "mean");
        close(m.lower, &t["lower"], "t lower");
        close(m.upper, &t["upper"], "t upper");
    }
}

#[test]
fn kaplan_meier_curves_and_quantiles() {
    let c = cases();
    for s in c["survfit"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let obs: Vec<Observation> = s["time"]
            .as_array()
            .unwrap()
            .iter()
            .zip(s["status"].as_array().unwrap())
            .map(|(t, e)| Observation {
                time: t.as_f64().unwrap(),
                event: e.as_f64().unwrap() == 1.0,
            })
            .collect();
        let km = kaplan_meier(&obs);
        let curve = &s["curve"];
        assert_eq!(km.steps.len(), curve["time"].as_array().unwrap().len(), "{name}");
        for (i, st) in km.steps.iter().enumerate() {
            close(Some(st.time), &curve["time"][i], &format!("{name} time {i}"));
            assert_eq!(
                st.n_risk as f64,
                curve["n_risk"][i].as_f64().unwrap(),
                "{name} n_risk {i}"
            );
            assert_eq!(
                st.n_event as f64,
                curve["n_event"][i].as_f64().unwrap(),
                "{name} n_event {i}"
            );
            close(Some(st.surv), &curve["surv"][i], &format!("{name} surv {i}"));
            close(st.std_err, &curve["std_err"][i], &format!("{name} se {i}"));
            close(st.lower, &curve["lower"][i], &format!("{name} lower {i}"));
            close(st.upper, &curve["upper"][i], &format!("{name} upper {i}"));
        }
        let q = &s["quantiles"];
        for (i, p) in q["probs"].as_array().unwrap().iter().enumerate() {
            let got = km.quantile(p.as_f64().unwrap());
            close(got.estimate, &q["estimate"][i], &format!("{name} q{p}"));
            close(got.lower, &q["lower"][i], &format!("{name} q{p} lower"));
            close(got.upper, &q["upper"][i], &format!("{name} q{p} upper"));
        }
    }
}

#[test]
fn smcr_matches_metafor() {
    for t in cases()["smcr"].as_array().unwrap() {
        let f = |k: &str| t[k].as_f64().unwrap();
        let (y, v) = acumen_meta::escalc::smcr(f("m1i"), f("m2i"), f("sd1i"), f("ni"), f("ri"));
        close(Some(y), &t["yi"], "SMCR yi");
        close(Some(v), &t["vi"], "SMCR vi");
    }
}
