//! The session policy, as a pure function: what the safety findings of a
//! planned session allow. A hard stop refuses the session unless an override
//! reason is given, and only a practitioner may override; a finding that
//! needs a rationale refuses it until one is written; otherwise the session
//! is stored with its findings, and an override is audited by rule.

use serde::{Deserialize, Serialize};

use crate::safety::{Finding, Severity};

/// What is stored with a session under `data.safety`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSafety {
    /// Every finding of the check.
    pub findings: Vec<Finding>,
    /// The hard stops a practitioner overrode (empty when none).
    pub overridden: Vec<&'static str>,
}

/// A session's safety record as it is read back from storage (`data.safety`;
/// rule ids as text): the one reader of what [`SessionSafety`] writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StoredSafety {
    /// The findings' rule ids, in order.
    #[serde(default)]
    pub findings: Vec<StoredFinding>,
    /// The hard stops that were overridden.
    #[serde(default)]
    pub overridden: Vec<String>,
}

/// One stored finding (its other fields are for display and are not read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredFinding {
    /// Rule id (`PTX_DEPTH`, ...).
    pub rule_id: String,
}

impl StoredSafety {
    /// The safety record of a session's data (empty when it has none).
    pub fn of(session_data: &serde_json::Value) -> Self {
        session_data
            .get("safety")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// The findings' rule ids.
    pub fn rule_ids(&self) -> Vec<String> {
        self.findings.iter().map(|f| f.rule_id.clone()).collect()
    }
}

/// The verdict on a session write.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// Store it with its safety record; `audit` names extra audit actions
    /// (`safety_override:RULE,RULE`).
    Allowed {
        /// Stored with the session.
        safety: SessionSafety,
        /// Extra audit actions, written in the same transaction.
        audit: Vec<String>,
    },
    /// A hard stop without an override reason.
    HardStop {
        /// The rules that stop it.
        rule_ids: Vec<&'static str>,
        /// Every finding.
        findings: Vec<Finding>,
    },
    /// An override reason from someone who is not a practitioner.
    OverrideNotAllowed,
    /// A finding that needs a written rationale, and none was given.
    NeedsRationale {
        /// The rules that need it.
        rule_ids: Vec<&'static str>,
        /// Every finding.
        findings: Vec<Finding>,
    },
}

/// The rule ids of the findings of one severity, in order.
pub fn rule_ids(findings: &[Finding], severity: Severity) -> Vec<&'static str> {
    findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.rule_id)
        .collect()
}

/// Decides a session write from its findings, whether an override reason
/// was given, whether the writer is a practitioner, and whether the session
/// carries a rationale.
pub fn gate(findings: Vec<Finding>, override_reason: bool, practitioner: bool, has_rationale: bool) -> Gate {
    let hard = rule_ids(&findings, Severity::HardStop);
    if !hard.is_empty() && !override_reason {
        return Gate::HardStop {
            rule_ids: hard,
            findings,
        };
    }
    if !hard.is_empty() && !practitioner {
        return Gate::OverrideNotAllowed;
    }
    let rationale = rule_ids(&findings, Severity::NeedsRationale);
    if !rationale.is_empty() && !has_rationale {
        return Gate::NeedsRationale {
            rule_ids: rationale,
            findings,
        };
    }
    let audit = if hard.is_empty() {
        vec![]
    } else {
        vec![format!("safety_override:{}", hard.join(","))]
    };
    Gate::Allowed {
        safety: SessionSafety {
            findings,
            overridden: hard,
        },
        audit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, rule_id: &'static str) -> Finding {
        Finding {
            severity,
            rule_id,
            reason: "r".into(),
            source: "s",
            points: vec![],
        }
    }

    #[test]
    fn hard_stops_need_a_practitioners_reason_and_rationales_need_writing() {
        let hard = || {
            vec![
                finding(Severity::HardStop, "FOOT_NO_SKIN_CHECK"),
                finding(Severity::Warning, "ANTICOAG"),
            ]
        };
        assert!(
            matches!(gate(hard(), false, true, false), Gate::HardStop { ref rule_ids, .. } if rule_ids == &["FOOT_NO_SKIN_CHECK"])
        );
        assert_eq!(gate(hard(), true, false, false), Gate::OverrideNotAllowed);
        match gate(hard(), true, true, false) {
            Gate::Allowed { safety, audit } => {
                assert_eq!(safety.overridden, ["FOOT_NO_SKIN_CHECK"]);
                assert_eq!(safety.findings.len(), 2);
                assert_eq!(audit, ["safety_override:FOOT_NO_SKIN_CHECK"]);
            }
            other => panic!("{other:?}"),
        }
        let preg = || vec![finding(Severity::NeedsRationale, "PREG_POINT")];
        assert!(matches!(gate(preg(), false, true, false), Gate::NeedsRationale { .. }));
        assert!(matches!(gate(preg(), false, true, true), Gate::Allowed { ref audit, .. } if audit.is_empty()));
        assert!(matches!(gate(vec![], false, false, false), Gate::Allowed { .. }));
    }

    #[test]
    fn the_stored_record_reads_back_what_the_gate_wrote() {
        let Gate::Allowed { safety, .. } = gate(vec![finding(Severity::HardStop, "PTX_DEPTH")], true, true, false)
        else {
            panic!("allowed with an override")
        };
        let data = serde_json::json!({"number": 1, "safety": serde_json::to_value(&safety).unwrap()});
        let back = StoredSafety::of(&data);
        assert_eq!(back.rule_ids(), ["PTX_DEPTH"]);
        assert_eq!(back.overridden, ["PTX_DEPTH"]);
        assert_eq!(
            StoredSafety::of(&serde_json::json!({"number": 1})),
            StoredSafety::default()
        );
    }
}
