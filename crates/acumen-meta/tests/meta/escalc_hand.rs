//! Effect sizes worked by hand.

use acumen_meta::escalc::{escalc, hedges_j, Columns};
use acumen_meta::{AddTo, EscalcOptions, Measure, VType};

fn cols(pairs: &[(&str, f64)]) -> Columns {
    pairs.iter().map(|(k, v)| (k.to_string(), vec![Some(*v)])).collect()
}

#[test]
fn smd_of_lu_2020_by_hand() {
    // Lu et al. 2020 (shared/data S3): acupuncture -1.1 (SD 1.7, n 20) vs
    // usual care 0.3 (SD 1.5, n 20). Pooled SD = sqrt((19*1.7^2 + 19*1.5^2)/38)
    // = sqrt(2.57) = 1.603121954; d = -1.4/1.603121954 = -0.873295;
    // J(38) = exp(lgamma(19) - log(sqrt(19)) - lgamma(18.5)) = 0.980036...;
    // g = J d; v = 1/20 + 1/20 + g^2/80.
    let c = cols(&[
        ("m1i", -1.1),
        ("sd1i", 1.7),
        ("n1i", 20.0),
        ("m2i", 0.3),
        ("sd2i", 1.5),
        ("n2i", 20.0),
    ]);
    let o = EscalcOptions {
        measure: Measure::SMD,
        vtype: VType::LS,
        add: None,
        to: AddTo::Only0,
        drop00: false,
    };
    let e = escalc(&o, &c, 1).unwrap();
    let d = -1.4 / 2.57f64.sqrt();
    let j = hedges_j(38.0);
    assert!(
        (j - (1.0 - 3.0 / (4.0 * 38.0 - 1.0))).abs() < 1e-4,
        "J close to the approximation 1 - 3/(4m-1)"
    );
    assert!((e.yi[0] - j * d).abs() < 1e-14);
    assert!((e.vi[0] - (0.1 + (j * d).powi(2) / 80.0)).abs() < 1e-14);
    assert!((e.yi[0] - (-0.8558)).abs() < 5e-4, "g = -0.86 as SOURCES.md derives");
}

#[test]
fn odds_ratio_with_a_zero_cell_gets_half_added() {
    // 0/10 vs 3/10: only0 adds 1/2 to all four cells: (0.5*7.5)/(9.5*3.5).
    let c = cols(&[("ai", 0.0), ("bi", 10.0), ("ci", 3.0), ("di", 7.0)]);
    let o = EscalcOptions {
        measure: Measure::OR,
        vtype: VType::LS,
        add: None,
        to: AddTo::Only0,
        drop00: false,
    };
    let e = escalc(&o, &c, 1).unwrap();
    assert!((e.yi[0] - ((0.5 * 7.5) / (10.5 * 3.5) as f64).ln()).abs() < 1e-15);
    assert!((e.vi[0] - (1.0 / 0.5 + 1.0 / 10.5 + 1.0 / 3.5 + 1.0 / 7.5)).abs() < 1e-14);
    let none = EscalcOptions { to: AddTo::None, ..o };
    assert!(
        escalc(&none, &c, 1).unwrap().yi[0].is_nan(),
        "log(0) is NA without a correction"
    );
}

#[test]
fn bad_values_name_row_and_column() {
    let mut c = cols(&[
        ("m1i", 1.0),
        ("sd1i", 1.0),
        ("n1i", 1.0),
        ("m2i", 0.0),
        ("sd2i", 1.0),
        ("n2i", 10.0),
    ]);
    let o = EscalcOptions {
        measure: Measure::MD,
        vtype: VType::LS,
        add: None,
        to: AddTo::Only0,
        drop00: false,
    };
    let e = escalc(&o, &c, 1).unwrap_err().to_string();
    assert!(e.contains("row 1") && e.contains("n1i") && e.contains(">= 2"), "{e}");
    c.insert("n1i".into(), vec![Some(5.0)]);
    c.insert("sd2i".into(), vec![Some(0.0)]);
    let e = escalc(&o, &c, 1).unwrap_err().to_string();
    assert!(e.contains("sd2i") && e.contains("> 0"), "{e}");
}
