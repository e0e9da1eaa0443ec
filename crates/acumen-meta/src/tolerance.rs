//! Numerical tolerances for comparing results with the reference (metafor),
//! kept in one place.

/// Relative tolerance for closed-form values.
pub const REL: f64 = 1e-7;
/// Absolute floor, for values that are zero in the reference.
pub const ABS: f64 = 1e-12;
/// Multiple of a case's measured stopping-rule slack allowed for iterative values.
pub const SLACK_FACTOR: f64 = 10.0;

/// Whether `actual` matches `expected` given the slack that the reference's
/// own stopping rule leaves (0 for closed-form results).
pub fn close(actual: f64, expected: f64, slack: f64) -> bool {
    if actual == expected {
        return true;
    }
    let diff = (actual - expected).abs();
    diff <= REL * expected.abs() + ABS + SLACK_FACTOR * slack * expected.abs().max(1.0)
}
