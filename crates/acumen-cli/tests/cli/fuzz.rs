//! Arbitrary CSV bytes and options never panic: they give a result or an error.

use acumen_cli::meta::args::{options, MetaArgs};
use acumen_cli::meta::csv_input::parse_csv;
use acumen_meta::analyse;
use proptest::prelude::*;

const COLS: &[&str] = &[
    "study", "yi", "vi", "sei", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "ai", "bi", "ci", "di", "xi", "ni", "ri",
    "g", "w",
];
const CELLS: &[&str] = &[
    "", "NA", "0", "1", "-1", "2", "0.5", "10", "abc", "1e308", "-0.3", "3", "0,5", "Inf", "a", "b", "1e-300", "x\ny",
];
const MEASURES: &[&str] = &[
    "SMD", "MD", "OR", "RR", "RD", "PETO", "PR", "PLO", "PAS", "ZCOR", "COR", "SMCR", "XX",
];
const METHODS: &[&str] = &[
    "REML", "DL", "ML", "PM", "EB", "SJ", "HE", "HS", "DLIT", "GENQ", "EE", "PMM", "MH", "PETO",
];

fn defaults() -> MetaArgs {
    crate::helpers::parse_args(&["fuzz.csv".to_string(), "--format".to_string(), "json".to_string()])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn raw_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(t) = parse_csv(&bytes, "fuzz.csv") {
            let _ = analyse(&t, &options(&defaults()).unwrap());
        }
    }

    #[test]
    fn structured_tables_never_panic(
        cols in prop::sample::subsequence(COLS.to_vec(), 1..8),
        cells in prop::collection::vec(prop::sample::select(CELLS.to_vec()), 0..80),
        measure in prop::option::of(prop::sample::select(MEASURES.to_vec())),
        method in prop::sample::select(METHODS.to_vec()),
        test in prop::sample::select(vec!["z", "t", "knha"]),
        mods in prop::option::of(prop::sample::select(vec![
            "~ g", "~ factor(g)", "~ w - 1", "~ yi + g", "~ (", "~ zz", "~ g:w", "~ w * factor(g)", "~ I(w^2)",
            "~ I(w/0)", "~ relevel(factor(g), ref = \"b\")", "~ I(", "~ a:",
        ])),
        maxiter in 1usize..40,
        weights in prop::option::of(Just("w".to_string())),
        all in any::<bool>(),
    ) {
        let mut csv = cols.join(",") + "\n";
        for row in cells.chunks(cols.len()) {
            if row.len() == cols.len() {
                csv += &row.iter().map(|c| if c.contains(',') || c.contains('\n') { format!("\"{c}\"") } else { c.to_string() }).collect::<Vec<_>>().join(",");
                csv += "\n";
            }
        }
        let args = MetaArgs {
            measure: measure.map(String::from), method: method.into(), test: test.into(), mods: mods.map(String::from),
            weights, all, subgroup: if all { Some("g".into()) } else { None },
            leave1out: all, influence: all, regtest: all, ranktest: all, trimfill: all,
            permutations: if all { Some("20".into()) } else { None }, maxiter, ..defaults()
        };
        let dir = std::env::temp_dir().join(format!("acumen-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(&path, &csv).unwrap();
        let mut args = args;
        args.file = path;
        match acumen_cli::meta::run::run(&args) {
            // Every iterative step stays within its limit: the tau^2
            // iterations of the fit, of trim-and-fill's filled fit, and of
            // every subgroup fit are counted, not timed.
            Ok((acumen_meta::Outcome::Rma(a), _)) => {
                prop_assert!(a.fit.iterations <= maxiter, "{} iterations > {maxiter}", a.fit.iterations);
                if let Some(t) = &a.trimfill {
                    // trim-and-fill refits with metafor's default limit (100), as metafor does.
                    prop_assert!(t.fit.iterations <= 100);
                    prop_assert!(t.k0 < a.fit.k);
                }
                if let Some(s) = &a.subgroups {
                    for f in &s.fits {
                        prop_assert!(f.iterations <= maxiter);
                    }
                }
            }
            Ok(_) => {}
            // A refusal is one line (main prints the chain joined by ": ", exit 2).
            Err(e) => {
                let text = format!("{e:#}");
                prop_assert!(!text.contains('\n'), "multi-line error: {text}");
                prop_assert!(!text.is_empty());
            }
        }
    }
}
