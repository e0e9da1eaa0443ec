//! Small-number suppression per figure and complementary suppression across
//! the conditions of a clinic (issue 14).

use acumen_analytics::stats::wilson;
use acumen_analytics::wording::{complementary, pct, suppress_small, NOT_ENOUGH, SUPPRESSED};
use serde_json::json;

#[test]
fn a_rate_with_a_denominator_under_10_is_suppressed_even_in_a_large_condition() {
    // A condition with 40 patients, of whom 6 completed session 12.
    let small = wilson(4, 6);
    let big = wilson(20, 40);
    let mut v = json!({"patients": 40, "session_12": {"completers": small, "completers_text": pct(&small),
                       "itt": big, "itt_text": pct(&big)}});
    suppress_small(&mut v);
    let c = &v["session_12"]["completers"];
    assert_eq!(c["suppressed"], SUPPRESSED);
    for k in ["x", "n", "estimate", "lower", "upper"] {
        assert!(c[k].is_null(), "{k} must be null: {c}");
    }
    assert_eq!(v["session_12"]["completers_text"], NOT_ENOUGH);
    // The figure over 40 is shown: 20 of 40.
    assert_eq!(v["session_12"]["itt"]["x"], 20);
    assert!(v["session_12"]["itt"].get("suppressed").is_none());
    assert_eq!(v["patients"], 40, "counts outside figures are left alone");
}

#[test]
fn one_hidden_cell_hides_the_next_smallest_so_no_difference_recovers_it() {
    // Three conditions; the clinic total is their sum. Only A's rate has
    // fewer than 10 in its denominator: A = total - B - C unless one more
    // cell is hidden. The next smallest denominator is C (12 < 30).
    let cell = |x, n| json!({"end": wilson(x, n)});
    let mut cells = vec![cell(3, 7), cell(10, 30), cell(6, 12)];
    cells.iter_mut().for_each(suppress_small);
    complementary(&mut cells);
    assert_eq!(cells[0]["end"]["suppressed"], SUPPRESSED);
    assert_eq!(cells[2]["end"]["suppressed"], SUPPRESSED, "complementary: C hidden too");
    assert_eq!(cells[1]["end"]["x"], 10, "B is shown");
    // A wholly suppressed condition counts as one hidden cell for every figure.
    let mut cells = vec![json!({"suppressed": true}), cell(10, 30), cell(6, 12)];
    complementary(&mut cells);
    assert_eq!(cells[2]["end"]["suppressed"], SUPPRESSED);
    assert_eq!(cells[1]["end"]["x"], 10);
    // Two hidden cells already: nothing more is hidden.
    let mut cells = vec![cell(3, 7), cell(2, 5), cell(6, 12)];
    cells.iter_mut().for_each(suppress_small);
    complementary(&mut cells);
    assert_eq!(cells[2]["end"]["x"], 6);
}
