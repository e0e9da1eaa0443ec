//! The project page's forms as edits of a version's content: each form's
//! fields parsed into an [`Edit`] (every fault a field error in words),
//! and [`apply`] making the next version's content from the current one.

use std::collections::BTreeMap;

use acumen_evidence::grade::{Concern, Domain};
use acumen_evidence::rob::{suggested_overall, Assessment, Domain as RobDomain, Level};
use acumen_evidence::version::{Comparator, Content, Judgement, Trial};
use acumen_meta::table::parse_number;

use crate::error::{invalid, ApiError, ApiResult};

/// A form's fields in the order sent (what was typed, shown again on refusal).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// A field's trimmed value ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
}

/// The engine columns the add-trial form offers.
pub const CELLS: [&str; 12] = [
    "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "ai", "bi", "ci", "di", "yi", "vi",
];

/// One edit of a version.
#[derive(Debug)]
pub enum Edit {
    /// Add a trial.
    AddTrial(Trial),
    /// Remove the trial with this id.
    RemoveTrial(String),
    /// Set a trial's risk of bias.
    Rob(String, Assessment),
    /// Confirm or override a GRADE suggestion.
    Grade(Judgement),
    /// Add the trials of an import preview.
    Import(Vec<Trial>),
}

fn level(v: &str, field: &str) -> ApiResult<Level> {
    match v {
        "low" => Ok(Level::Low),
        "some_concerns" => Ok(Level::SomeConcerns),
        "high" => Ok(Level::High),
        _ => Err(invalid(field, "choose low, some concerns or high")),
    }
}

fn trial_of(f: &Fields) -> ApiResult<Trial> {
    let id = f.get("trial_id");
    if id.is_empty() || id.len() > 40 {
        return Err(invalid(
            "trial_id",
            "give the trial a short id (e.g. Lu2020), at most 40 characters",
        ));
    }
    let citation = f.get("citation");
    if citation.is_empty() {
        return Err(invalid("citation", "say where the numbers come from"));
    }
    let comparator = match f.get("comparator").as_str() {
        "" => None,
        c => {
            Some(Comparator::from_key(c).ok_or_else(|| invalid("comparator", "choose one of the listed comparators"))?)
        }
    };
    let mut row = BTreeMap::new();
    for c in CELLS {
        let v = f.get(c);
        if v.is_empty() {
            continue;
        }
        parse_number(&v).map_err(|e| invalid(c, &e))?;
        row.insert(c.to_string(), v);
    }
    if row.is_empty() {
        return Err(invalid(
            "m1i",
            "give the arm data (means, SDs, numbers), the event counts, or yi and vi",
        ));
    }
    Ok(Trial {
        id,
        citation,
        row,
        condition: Some(f.get("condition")).filter(|c| !c.is_empty()),
        comparator,
        rob: None,
    })
}

fn rob_of(f: &Fields) -> ApiResult<Assessment> {
    let mut domains = Vec::new();
    for i in 1..=5 {
        domains.push(RobDomain {
            level: level(&f.get(&format!("d{i}")), &format!("d{i}"))?,
            support: f.get(&format!("d{i}_support")),
        });
    }
    let domains: [RobDomain; 5] = domains
        .try_into()
        .map_err(|_| ApiError::Internal("five domains".into()))?;
    let (suggested, _) = suggested_overall(&domains);
    let overall = match f.get("overall").as_str() {
        "" | "suggested" => suggested,
        v => level(v, "overall")?,
    };
    let overall_support = f.get("overall_support");
    if overall != suggested && overall_support.is_empty() {
        return Err(invalid(
            "overall_support",
            &format!(
                "RoB 2 suggests {} from the domains: say why you judge it {}",
                suggested.words(),
                overall.words()
            ),
        ));
    }
    Ok(Assessment {
        domains,
        overall,
        overall_support,
    })
}

fn judgement_of(f: &Fields) -> ApiResult<Judgement> {
    let domain: Domain = serde_json::from_value(serde_json::Value::String(f.get("domain")))
        .map_err(|_| invalid("domain", "not a GRADE domain"))?;
    let concern: Concern = serde_json::from_value(serde_json::Value::String(f.get("concern")))
        .map_err(|_| invalid("concern", "choose not serious, serious or very serious"))?;
    Ok(Judgement {
        domain,
        concern,
        reason: f.get("reason"),
    })
}

impl Edit {
    /// The edit a form asks for (`action` names it).
    pub fn parse(f: &Fields) -> ApiResult<Edit> {
        match f.get("action").as_str() {
            "add_trial" => Ok(Edit::AddTrial(trial_of(f)?)),
            "remove_trial" => Ok(Edit::RemoveTrial(f.get("trial_id"))),
            "rob" => Ok(Edit::Rob(f.get("trial_id"), rob_of(f)?)),
            "grade" => Ok(Edit::Grade(judgement_of(f)?)),
            "import_save" => serde_json::from_str(&f.get("trials")).map(Edit::Import).map_err(|e| {
                invalid(
                    "trials",
                    &format!("the preview's trials could not be read ({e}); import the file again"),
                )
            }),
            other => Err(invalid("action", &format!("'{other}' is not an edit of a project"))),
        }
    }
}

fn taken(c: &Content, id: &str) -> ApiResult<()> {
    if c.trials.iter().any(|t| t.id == id) {
        return Err(invalid(
            "trial_id",
            &format!("the version already has a trial {id}: give this one another id"),
        ));
    }
    Ok(())
}

/// The next version's content.
pub fn apply(mut c: Content, e: Edit) -> ApiResult<Content> {
    match e {
        Edit::AddTrial(t) => {
            taken(&c, &t.id)?;
            c.trials.push(t);
        }
        Edit::RemoveTrial(id) => {
            let before = c.trials.len();
            c.trials.retain(|t| t.id != id);
            if c.trials.len() == before {
                return Err(invalid("trial_id", &format!("the version has no trial {id}")));
            }
        }
        Edit::Rob(id, a) => {
            let t = c
                .trials
                .iter_mut()
                .find(|t| t.id == id)
                .ok_or_else(|| invalid("trial_id", &format!("the version has no trial {id}")))?;
            t.rob = Some(a);
        }
        Edit::Grade(j) => {
            c.grade.retain(|g| g.domain != j.domain);
            c.grade.push(j);
        }
        Edit::Import(trials) => {
            if trials.is_empty() {
                return Err(invalid("trials", "the preview has no trial without faults to add"));
            }
            for t in trials {
                taken(&c, &t.id)?;
                c.trials.push(t);
            }
        }
    }
    Ok(c)
}
