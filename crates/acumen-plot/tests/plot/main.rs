//! Structure of the plots: one row per study, the diamond, ticks, no
//! overlapping labels at any k, and PNG output at 300 dpi.

use acumen_plot::{forest_svg, funnel_svg, svg_to_png, Block, Forest, Funnel, StudyRow, Summary, Transf};

fn forest(k: usize) -> Forest {
    let rows = (0..k)
        .map(|i| {
            let est = -0.5 + 0.01 * i as f64;
            StudyRow {
                label: format!("Study {i}"),
                est,
                lb: est - 0.4,
                ub: est + 0.4,
                weight: Some(100.0 / k as f64),
            }
        })
        .collect();
    Forest {
        blocks: vec![Block {
            title: None,
            rows,
            summary: None,
        }],
        overall: Some(Summary {
            label: "RE Model".into(),
            est: -0.59,
            lb: -0.95,
            ub: -0.23,
            pi: Some((-1.2, 0.1)),
            note: "(tau2 = 0.1)".into(),
        }),
        transf: Transf::None,
        favours: Some(("acupuncture".into(), "control".into())),
        xlab: "SMD".into(),
        est_header: "Estimate [95% CI]".into(),
        footer: vec![],
    }
}

fn count(svg: &str, class: &str) -> usize {
    svg.matches(&format!("class=\"{class}\"")).count()
}

/// The number in the first `key…"` of `text` (`key` ends with `="`).
fn attr_of(text: &str, key: &str) -> f64 {
    let at = text.find(key).unwrap() + key.len();
    text[at..].split('"').next().unwrap().parse().unwrap()
}

/// The `attr` of every element of `class`, in document order.
fn class_attr(svg: &str, class: &str, attr: &str) -> Vec<f64> {
    let (class, key) = (format!("class=\"{class}\""), format!(" {attr}=\""));
    svg.lines()
        .filter(|l| l.contains(&class))
        .map(|l| attr_of(l, &key))
        .collect()
}

fn label_ys(svg: &str) -> Vec<f64> {
    class_attr(svg, "label", "y")
}

#[test]
fn forest_has_one_row_per_study_a_diamond_and_ticks() {
    for k in [2, 13, 150] {
        let svg = forest_svg(&forest(k));
        assert_eq!(count(&svg, "study"), k, "k = {k}");
        assert_eq!(count(&svg, "label"), k);
        assert_eq!(count(&svg, "diamond"), 1);
        assert_eq!(count(&svg, "pi"), 1);
        assert!(count(&svg, "tick") >= 3, "ticks at k = {k}");
        // The seed article's pooled SMD is printed as it was given.
        assert!(svg.contains("-0.59 [-0.95, -0.23]"));
        assert!(svg.contains("Favours acupuncture"));
        // Labels never overlap: each row at least one font height below the last.
        let ys = label_ys(&svg);
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 12.0), "label spacing at k = {k}");
    }
    // The plot grows with k.
    let h = |k| attr_of(&forest_svg(&forest(k)), "height=\"");
    assert!(h(150) > h(13) + 100.0 * 20.0);
}

#[test]
fn ratio_axis_has_round_ratio_ticks() {
    let mut f = forest(5);
    f.transf = Transf::Exp;
    // Narrow range (ratios 0.3 to 1.1): evenly spaced ratios.
    let svg = forest_svg(&f);
    assert!(svg.contains(">1</text>"), "tick at 1 on a ratio axis");
    assert!(svg.contains(">0.6</text>"));
    // Wide range (ratios 0.1 to 4): round ratios.
    f.blocks[0].rows[0].lb = (0.1f64).ln();
    f.blocks[0].rows[1].ub = (4.0f64).ln();
    let svg = forest_svg(&f);
    for t in [">0.25</text>", ">0.5</text>", ">1</text>", ">2</text>"] {
        assert!(svg.contains(t), "{t}");
    }
    // Intervals far wider than the rest (0.1 and 4 here) are clipped and
    // drawn with an arrow.
    assert_eq!(count(&svg, "arrow"), 2);
}

#[test]
fn funnel_draws_observed_filled_and_hollow_points() {
    let f = Funnel {
        yi: vec![-0.5, -0.2, -0.8, 0.1],
        sei: vec![0.1, 0.3, 0.2, 0.4],
        filled: vec![false, false, false, true],
        center: -0.4,
        crit: 1.959964,
        transf: Transf::None,
        xlab: "SMD".into(),
    };
    let svg = funnel_svg(&f);
    assert_eq!(count(&svg, "study"), 3);
    assert_eq!(count(&svg, "filled-study"), 1);
    assert_eq!(count(&svg, "region"), 1);
}

#[test]
fn png_at_300_dpi() {
    let svg = forest_svg(&forest(3));
    let w = attr_of(&svg, "width=\"");
    let png = svg_to_png(&svg, 300.0).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, (w * 300.0 / 96.0).round() as u32);
    assert!(svg_to_png("not svg", 300.0).is_err());
}

#[test]
fn step_chart_draws_steps_band_and_reference_line() {
    use acumen_plot::{chart_svg, Chart, Join, RefLine};
    let svg = chart_svg(&Chart {
        title: "Share without response".into(),
        points: vec![(0.0, 1.0), (2.0, 0.75), (4.0, 0.0)],
        band: vec![(0.0, 1.0, 1.0), (2.0, 0.5, 1.0)],
        join: Join::Steps,
        marks: vec![],
        refs: vec![RefLine {
            y: 0.5,
            label: "median".into(),
            dashed: true,
        }],
        y_range: (0.0, 1.0),
        xlab: "Session".into(),
        ylab: "Share".into(),
        x_labels: vec![],
    });
    // Two drops, each a horizontal and a vertical segment, plus the tail.
    assert_eq!(count(&svg, "curve"), 5);
    assert_eq!(count(&svg, "band"), 1);
    assert!(svg.contains(r#"role="img" aria-label="Share without response""#));
    assert!(svg.contains(">median<"));
    // The curve reaches 0 at session 4: a vertical segment ends on the x axis (y = 254).
    assert!(svg.contains(r#"y2="254""#), "{svg}");
}

mod rob {
    use super::*;
    use acumen_plot::{rob_forest_svg, Light, RobRow};

    /// Three trials: all low; some concerns in D2 and D4; high in D3 and one not assessed.
    fn lights() -> Vec<RobRow> {
        use Light::*;
        vec![
            RobRow {
                domains: [Some(Low); 5],
                overall: Some(Low),
            },
            RobRow {
                domains: [Some(Low), Some(SomeConcerns), Some(Low), Some(SomeConcerns), Some(Low)],
                overall: Some(SomeConcerns),
            },
            RobRow {
                domains: [Some(Low), Some(Low), Some(High), None, Some(Low)],
                overall: Some(High),
            },
        ]
    }

    #[test]
    fn traffic_lights_sit_on_their_study_rows() {
        let svg = rob_forest_svg(&forest(3), &lights()).unwrap();
        assert_eq!(count(&svg, "rob-light"), 18, "six lights per trial");
        // Each trial's six lights share the row's centre: the label's baseline minus 4.
        let rows: Vec<f64> = label_ys(&svg).iter().map(|y| y - 4.0).collect();
        let ys = class_attr(&svg, "rob-light", "cy");
        for (i, y) in rows.iter().enumerate() {
            assert!(
                ys[6 * i..6 * i + 6].iter().all(|v| v == y),
                "row {i}: {ys:?} vs {rows:?}"
            );
        }
        // Every legend line (its baseline plus a descender) lies inside the drawing.
        let height = attr_of(&svg, "height=\"");
        let legend = class_attr(&svg, "rob-legend", "y");
        assert_eq!(legend.len(), 4);
        assert!(
            legend.iter().all(|y| y + 4.0 <= height),
            "{legend:?} in a height of {height}"
        );
        // Colours: 6 + 3 + 3 low (the first trial overall too), 3 some concerns, 2 high, 1 not assessed.
        for (fill, n) in [("#02C100", 12), ("#E2DF07", 3), ("#BF0000", 2), ("#CCCCCC", 1)] {
            assert_eq!(svg.matches(&format!("fill=\"{fill}\"")).count(), n, "{fill}");
        }
        assert!(svg.contains("D3 missing outcome data"));
        assert_eq!(
            rob_forest_svg(&forest(4), &lights()).unwrap_err(),
            "risk of bias given for 3 trials but the plot has 4 study rows"
        );
        let png = svg_to_png(&svg, 300.0).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn the_rob_forest_snapshot() {
        insta::assert_snapshot!("rob_forest_svg", rob_forest_svg(&forest(3), &lights()).unwrap());
    }
}
