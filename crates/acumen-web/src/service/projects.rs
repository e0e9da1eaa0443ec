//! Evidence projects: create (empty, from content, or from the bundled
//! project), list, save a version (its content parsed with unknown fields
//! refused, analysed through the engine pool before anything is written,
//! frozen under its RFC 8785 hash), read a version with its analysis, the
//! changelog between two versions, and an admin's review and publication.
//! Staff and researchers of a clinic read and write its projects (trial
//! data are not patient data); a published version is readable by anyone.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use acumen_domain::Role;
use acumen_evidence::bundled::bundled;
use acumen_evidence::changelog::what_moved;
use acumen_evidence::project::{analyse, sensitivity_subsets, Subset, VersionAnalysis};
use acumen_evidence::rob::suggested_overall;
use acumen_evidence::version::{canonical_json, trial_changes, version_hash, Content, Trial};
use acumen_store::{Project, ProjectVersion, VersionMark};

use crate::access::admin_only;
use crate::auth::Authed;
use crate::error::{invalid, ApiError, ApiResult};
use crate::state::AppState;

/// `POST /projects` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Its title.
    pub title: String,
    /// Start from Acumen's bundled project (its first version is the bundled content).
    #[serde(default)]
    pub from_bundled: bool,
    /// Or start from this content.
    #[serde(default)]
    pub content: Option<Content>,
}

/// `POST /projects/{id}/versions` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// The hash of the version this edit was made on (none for a first version).
    #[serde(default)]
    pub parent: Option<String>,
    /// The whole content of the new version.
    pub content: Content,
}

/// A project with its versions' hashes.
#[derive(Debug, Serialize)]
pub struct ProjectView {
    /// The project.
    #[serde(flatten)]
    pub project: Project,
    /// Its versions, oldest first.
    pub versions: Vec<ProjectVersion>,
}

/// May this caller read and write its clinic's projects?
fn may_work_on_projects(who: &Authed) -> ApiResult<()> {
    match who.role() {
        Role::Admin | Role::Practitioner | Role::Researcher => Ok(()),
        Role::Patient => Err(ApiError::Forbidden(
            "evidence projects are for clinic staff and researchers".into(),
        )),
    }
}

/// Whether `s` is `n` lower-case hex digits (a project id has 32, a
/// version hash 64): anything else is "not found" before the store is asked.
fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The project with this public id, if it is the caller's clinic's.
pub async fn own_project(st: &AppState, who: &Authed, public_id: &str) -> ApiResult<Project> {
    may_work_on_projects(who)?;
    if !is_hex(public_id, 32) {
        return Err(ApiError::NotFound);
    }
    let p = st.store.project(public_id).await?;
    if p.clinic_id != who.user.clinic_id {
        return Err(ApiError::NotFound);
    }
    Ok(p)
}

/// Runs a version's analysis on the engine pool; the engine's refusal
/// is a 422 naming the content.
pub async fn run(st: &AppState, who: Option<&Authed>, content: Content, subset: Subset) -> ApiResult<VersionAnalysis> {
    let job = move |budget| analyse(&content, &subset, budget);
    let out = match who {
        Some(w) => st.engine.run(w.user.id, job).await?,
        None => st.engine.run_shared(job).await?,
    };
    out.map_err(|e| invalid("content", &e))
}

/// Checks a new content before it is saved: it parses into the engine's
/// request and pools (every trial row read), and its trial ids are unique.
async fn check(st: &AppState, who: &Authed, content: &Content) -> ApiResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, t) in content.trials.iter().enumerate() {
        if t.id.is_empty() {
            return Err(invalid(&format!("content.trials[{i}].id"), "a trial needs an id"));
        }
        if !seen.insert(t.id.clone()) {
            return Err(invalid(
                &format!("content.trials[{i}].id"),
                &format!("'{}' is used by another trial of this version", t.id),
            ));
        }
        if t.citation.is_empty() {
            return Err(invalid(
                &format!("content.trials[{i}].citation"),
                "say where the numbers come from",
            ));
        }
    }
    if !content.trials.is_empty() {
        run(st, Some(who), content.clone(), Subset::All).await?;
    } else {
        acumen_evidence::project::request_of(content).map_err(|e| invalid("content.options", &e))?;
    }
    Ok(())
}

/// Saves `content` as a version of `p` over `parent`.
async fn save(
    st: &AppState,
    who: &Authed,
    p: &Project,
    parent: Option<&str>,
    content: &Content,
) -> ApiResult<(ProjectVersion, bool)> {
    check(st, who, content).await?;
    let actor = who.actor();
    Ok(st
        .store
        .save_version(&actor, p.id, parent, &version_hash(content), &canonical_json(content))
        .await?)
}

/// Creates a project (and its first version when it starts from content).
pub async fn create(st: &AppState, who: &Authed, new: NewProject) -> ApiResult<ProjectView> {
    may_work_on_projects(who)?;
    if new.title.is_empty() {
        return Err(invalid("title", "give the project a title"));
    }
    let first = match (new.from_bundled, new.content) {
        (true, Some(_)) => return Err(invalid("content", "give content or from_bundled, not both")),
        (true, None) => Some(bundled().clone()),
        (false, c) => c,
    };
    if let Some(c) = &first {
        check(st, who, c).await?;
    }
    let actor = who.actor();
    let p = st.store.create_project(&actor, &new.title, new.from_bundled).await?;
    if let Some(c) = first {
        save(st, who, &p, None, &c).await?;
    }
    view(st, p).await
}

async fn view(st: &AppState, project: Project) -> ApiResult<ProjectView> {
    let versions = st.store.project_versions(project.id).await?;
    Ok(ProjectView { project, versions })
}

/// The caller's clinic's projects.
pub async fn list(st: &AppState, who: &Authed) -> ApiResult<Vec<ProjectView>> {
    may_work_on_projects(who)?;
    let mut out = Vec::new();
    for p in st.store.projects(who.user.clinic_id).await? {
        out.push(view(st, p).await?);
    }
    Ok(out)
}

/// One of the caller's clinic's projects.
pub async fn get(st: &AppState, who: &Authed, public_id: &str) -> ApiResult<ProjectView> {
    let p = own_project(st, who, public_id).await?;
    view(st, p).await
}

/// Saves a new version of a project: 201 with it, or 200 with the one of
/// the same content; 409 when the project was saved meanwhile.
pub async fn add_version(
    st: &AppState,
    who: &Authed,
    public_id: &str,
    new: NewVersion,
) -> ApiResult<(ProjectVersion, bool)> {
    let p = own_project(st, who, public_id).await?;
    save(st, who, &p, new.parent.as_deref(), &new.content).await
}

/// A version the caller may read: its clinic's own first, else a published one.
pub async fn visible_version(st: &AppState, who: Option<&Authed>, hash: &str) -> ApiResult<(ProjectVersion, Project)> {
    if !is_hex(hash, 64) {
        return Err(ApiError::NotFound);
    }
    let mut published = None;
    for v in st.store.versions_by_hash(hash).await? {
        let p = st.store.project_by_id(v.project_id).await?;
        let own = who.is_some_and(|w| w.role() != Role::Patient && w.user.clinic_id == p.clinic_id);
        if own {
            return Ok((v, p));
        }
        if v.published_at.is_some() && published.is_none() {
            published = Some((v, p));
        }
    }
    published.ok_or(ApiError::NotFound)
}

/// A version's stored content.
pub fn content_of(v: &ProjectVersion) -> ApiResult<Content> {
    serde_json::from_str(&v.content).map_err(|e| ApiError::Internal(format!("version {}: {e}", v.hash)))
}

/// What a version report is made of, for the API and the pages.
pub struct Report {
    /// The version.
    pub version: ProjectVersion,
    /// Its project.
    pub project: Project,
    /// Its content.
    pub content: Content,
    /// The analysis of the subset asked for.
    pub analysis: VersionAnalysis,
}

/// A version and its analysis over `subset`.
pub async fn report(st: &AppState, who: Option<&Authed>, hash: &str, subset: &str) -> ApiResult<Report> {
    let subset = Subset::from_key(subset).map_err(|e| invalid("subset", &e))?;
    let (version, project) = visible_version(st, who, hash).await?;
    let content = content_of(&version)?;
    let analysis = run(st, who, content.clone(), subset).await?;
    Ok(Report {
        version,
        project,
        content,
        analysis,
    })
}

/// The risk-of-bias table of a version: each trial's domains, the overall
/// judgement set and the one RoB 2's algorithm suggests.
pub fn rob_json(trials: &[Trial]) -> Value {
    Value::Array(
        trials
            .iter()
            .map(|t| match &t.rob {
                Some(r) => {
                    let (level, why) = suggested_overall(&r.domains);
                    json!({"trial": t.id, "domains": r.domains, "overall": r.overall, "overall_support": r.overall_support,
                           "suggested_overall": level, "suggested_reason": why})
                }
                None => json!({"trial": t.id, "assessed": false}),
            })
            .collect(),
    )
}

/// The report as the API answers it.
pub fn report_json(r: &Report) -> Value {
    let a = &r.analysis;
    let measure = a.measure.as_str();
    let forest: Vec<Value> = a
        .trials
        .iter()
        .map(|t| {
            json!({"trial": t.id, "yi": t.yi, "vi": t.vi, "ci_lb": t.ci.0, "ci_ub": t.ci.1,
                   "weight": t.weight_pct, "rob": t.rob, "comparator": t.comparator})
        })
        .collect();
    json!({
        "hash": r.version.hash,
        "parent_hash": r.version.parent_hash,
        "project": {"id": r.project.public_id, "title": r.project.title},
        "created_at": r.version.created_at,
        "reviewed_at": r.version.reviewed_at,
        "published_at": r.version.published_at,
        "content": r.content,
        "subset": a.subset.key(),
        "subset_words": a.subset.words(),
        "measure": measure,
        "analysis": a.results,
        "provenance": a.provenance,
        "footer": a.footer,
        "banner": a.banner,
        "left_out": a.left_out.iter().map(|(id, why)| json!({"trial": id, "reason": why})).collect::<Vec<_>>(),
        "forest": forest,
        "rob": rob_json(&r.content.trials),
        "grade": {
            "decisions": a.decisions,
            "unconfirmed": a.unconfirmed,
            "certainty": a.sof.certainty,
        },
        "sof": {"html": acumen_evidence::sof::sof_html(&r.content.question.outcome, std::slice::from_ref(&a.sof)),
                "csv": acumen_evidence::sof::sof_csv(std::slice::from_ref(&a.sof))},
        "sensitivity": sensitivity_subsets(&r.content).iter().map(|s| json!({"subset": s.key(), "words": s.words()})).collect::<Vec<_>>(),
    })
}

/// The changelog card between two readable versions.
pub async fn changelog(st: &AppState, who: Option<&Authed>, hash: &str, against: &str) -> ApiResult<Value> {
    let (new_v, _) = visible_version(st, who, hash).await?;
    let old_content = if against == "bundled" {
        bundled().clone()
    } else {
        content_of(&visible_version(st, who, against).await?.0)?
    };
    let new_content = content_of(&new_v)?;
    let old_hash = version_hash(&old_content);
    let trials = trial_changes(&old_content, &new_content);
    let (a, b) = (
        run(st, who, old_content, Subset::All).await?,
        run(st, who, new_content, Subset::All).await?,
    );
    Ok(json!({
        "from": old_hash, "to": new_v.hash,
        "trials": trials,
        "what_moved": what_moved(&a.summary, &b.summary),
    }))
}

/// An admin stamps one of the clinic's versions reviewed or published.
pub async fn mark(st: &AppState, who: &Authed, hash: &str, mark: VersionMark) -> ApiResult<ProjectVersion> {
    admin_only(who, "only admins review and publish versions")?;
    let (v, p) = visible_version(st, Some(who), hash).await?;
    if p.clinic_id != who.user.clinic_id {
        return Err(ApiError::NotFound);
    }
    let actor = who.actor();
    Ok(st.store.mark_version(&actor, v.id, mark).await?)
}

/// The version's forest plot with the trials' risk-of-bias traffic lights (SVG).
pub fn rob_forest(r: &Report) -> ApiResult<String> {
    use acumen_evidence::rob::Level;
    use acumen_plot::{Light, RobRow};
    let a = &r.analysis;
    let m = (a.measure != "yi").then_some(a.measure.as_str());
    let transf = acumen_plot::from_analysis::default_transf(m);
    let favours = Some(("Favours acupuncture".to_string(), "Favours control".to_string()));
    let f = acumen_plot::from_analysis::forest(&a.analysis, m, transf, favours);
    let light = |l: Level| match l {
        Level::Low => Light::Low,
        Level::SomeConcerns => Light::SomeConcerns,
        Level::High => Light::High,
    };
    let rows: Vec<RobRow> = a
        .trials
        .iter()
        .map(|t| {
            let rob = r
                .content
                .trials
                .iter()
                .find(|x| x.id == t.id)
                .and_then(|x| x.rob.as_ref());
            RobRow {
                domains: std::array::from_fn(|i| rob.map(|r| light(r.domains[i].level))),
                overall: rob.map(|r| light(r.overall)),
            }
        })
        .collect();
    acumen_plot::rob_forest_svg(&f, &rows).map_err(ApiError::Internal)
}

/// The import preview of an uploaded file (nothing is saved).
pub fn import_preview(
    who: &Authed,
    bytes: &[u8],
    name: &str,
    outcome: Option<usize>,
) -> ApiResult<acumen_evidence::import::Preview> {
    may_work_on_projects(who)?;
    acumen_evidence::import::preview(bytes, name, outcome).map_err(|e| invalid("file", &e))
}
