//! The evidence-project pages: the clinic's projects (and a new one, empty
//! or from the bundled project), and a project's page at its latest version
//! (or any version by `?version=`): its trials, the forest plot with the
//! risk-of-bias lights, the result with its provenance and metafor script,
//! the sensitivity reruns, the GRADE assistant, the Summary-of-Findings
//! table, the changelog card against the version before, and the forms
//! that save a new version (add or remove a trial, judge a trial's risk of
//! bias, confirm or override a GRADE suggestion, import a CSV or .rm5 file
//! after a preview). A refused form is shown again with what was typed and
//! why, and nothing is saved.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use acumen_evidence::version::Content;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::layout::{error_page, render, to_login, UserView};
use super::project_forms::{apply, Edit, Fields};
use crate::auth::Authed;
use crate::engine_pool::MAX_UPLOAD_BYTES;
use crate::error::{ApiError, ApiResult};
use crate::service::projects::{self as svc, NewProject};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/projects.html")]
struct ProjectsPage {
    user: Option<UserView>,
    simulated: bool,
    projects: Vec<(String, String, usize, String)>,
    error: Option<String>,
    title: String,
}

/// `GET /projects`
pub async fn list(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let Some(who) = who else { return to_login("/projects") };
    list_page(&st, &who, None, String::new()).await
}

async fn list_page(st: &AppState, who: &Authed, error: Option<String>, title: String) -> Response {
    match svc::list(st, who).await {
        Ok(ps) => render(&ProjectsPage {
            user: Some(UserView::of(who)),
            simulated: st.demo,
            projects: ps
                .into_iter()
                .map(|p| {
                    let latest = p
                        .versions
                        .last()
                        .map(|v| v.hash[..12].to_string())
                        .unwrap_or_else(|| "no version yet".into());
                    (p.project.public_id, p.project.title, p.versions.len(), latest)
                })
                .collect(),
            error,
            title,
        }),
        Err(e) => error_page(e),
    }
}

/// `POST /projects` (title, from_bundled)
pub async fn create(State(st): State<AppState>, who: Option<Authed>, Form(f): Form<Vec<(String, String)>>) -> Response {
    let Some(who) = who else { return to_login("/projects") };
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let new = NewProject {
        title: get("title"),
        from_bundled: get("from_bundled") == "on",
        content: None,
    };
    let title = new.title.clone();
    match svc::create(&st, &who, new).await {
        Ok(p) => Redirect::to(&format!("/projects/{}", p.project.public_id)).into_response(),
        Err(ApiError::Invalid(inv)) => list_page(&st, &who, Some(inv.to_string()), title).await,
        Err(e) => error_page(e),
    }
}

/// One version on the page.
struct VersionRow {
    hash: String,
    short: String,
    created_at: String,
    reviewed: bool,
    published: bool,
    current: bool,
}

/// One GRADE domain on the page.
struct GradeRow {
    domain: String,
    name: String,
    suggested: String,
    reason: String,
    concern: String,
    override_reason: String,
    confirmed: bool,
}

/// One trial on the page.
struct TrialRow {
    id: String,
    citation: String,
    condition: String,
    comparator: String,
    cells: String,
    rob: String,
    weight: String,
}

#[derive(Template)]
#[template(path = "pages/project.html")]
struct ProjectPage {
    user: Option<UserView>,
    simulated: bool,
    admin: bool,
    id: String,
    title: String,
    hash: String,
    latest: bool,
    reviewed: bool,
    published: bool,
    versions: Vec<VersionRow>,
    trials: Vec<TrialRow>,
    subset: String,
    subset_words: String,
    sensitivity: Vec<(String, String)>,
    summary: Vec<String>,
    left_out: Vec<String>,
    banner: Option<String>,
    footer: String,
    forest: String,
    script_href: String,
    grade: Vec<GradeRow>,
    certainty: String,
    sof: String,
    changelog: Option<String>,
    changes: Vec<String>,
    error: Option<String>,
    typed: Fields,
    rob_domains: Vec<(usize, &'static str)>,
    comparators: Vec<(&'static str, &'static str)>,
    preview: Option<Preview>,
}

/// An import preview on the page.
struct Preview {
    file: String,
    trials: Vec<String>,
    errors: Vec<String>,
    notes: Vec<String>,
    outcomes: Vec<String>,
    json: String,
}

/// `?version=&subset=` of a project page.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// A version's hash (default: the latest).
    #[serde(default)]
    pub version: Option<String>,
    /// The subset to pool.
    #[serde(default)]
    pub subset: Option<String>,
}

fn concern_words(c: &serde_json::Value) -> String {
    c.as_str().unwrap_or("").replace('_', " ")
}

fn cells(t: &acumen_evidence::version::Trial) -> String {
    t.row
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The page of a project at a version, with a form's error and what was typed.
async fn page(
    st: &AppState,
    who: &Authed,
    id: &str,
    q: &PageQuery,
    error: Option<String>,
    typed: Fields,
    preview: Option<Preview>,
) -> ApiResult<ProjectPage> {
    let p = svc::get(st, who, id).await?;
    let Some(latest) = p.versions.last() else {
        return Err(ApiError::NotFound);
    };
    let hash = q.version.clone().unwrap_or_else(|| latest.hash.clone());
    let Some(v) = p.versions.iter().find(|v| v.hash == hash) else {
        return Err(ApiError::NotFound);
    };
    let r = svc::report(st, Some(who), &hash, q.subset.as_deref().unwrap_or("all")).await?;
    let a = &r.analysis;
    let weight_of = |tid: &str| {
        a.trials
            .iter()
            .find(|t| t.id == tid)
            .map(|t| format!("{:.1} %", t.weight_pct))
            .unwrap_or_else(|| "not pooled here".into())
    };
    let trials = r
        .content
        .trials
        .iter()
        .map(|t| TrialRow {
            id: t.id.clone(),
            citation: t.citation.clone(),
            condition: t.condition.clone().unwrap_or_default(),
            comparator: t.comparator.map(|c| c.words().to_string()).unwrap_or_default(),
            cells: cells(t),
            rob: t
                .rob
                .as_ref()
                .map(|r| r.overall.words().to_string())
                .unwrap_or_else(|| "not assessed".into()),
            weight: weight_of(&t.id),
        })
        .collect();
    let s = &a.summary;
    let mut summary = vec![format!(
        "{} ({}): pooled {} {:.2} (95% CI {:.2} to {:.2}){}; I² {:.0} %; k = {}",
        a.subset.words(),
        a.measure,
        a.measure,
        s.estimate,
        s.ci.0,
        s.ci.1,
        s.pi.map(|(l, u)| format!(", prediction interval {l:.2} to {u:.2}"))
            .unwrap_or_default(),
        s.i2,
        s.k
    )];
    if s.k == 1 {
        summary.push("One trial: nothing is pooled; its own result is shown.".into());
    }
    let grade = a
        .decisions
        .iter()
        .map(|d| {
            let domain = serde_json::to_value(d.suggestion.domain).unwrap_or_default();
            GradeRow {
                domain: domain.as_str().unwrap_or("").to_string(),
                name: concern_words(&domain),
                suggested: concern_words(&serde_json::to_value(d.suggestion.concern).unwrap_or_default()),
                reason: d.suggestion.reason.clone(),
                concern: serde_json::to_value(d.concern)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                override_reason: d.override_reason.clone().unwrap_or_default(),
                confirmed: !a.unconfirmed.contains(&d.suggestion.domain),
            }
        })
        .collect();
    let (changelog, changes) = match &v.parent_hash {
        Some(parent) => {
            let card = svc::changelog(st, Some(who), &v.hash, parent).await?;
            let changes = card["trials"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            let fields = c["fields"]
                                .as_array()
                                .map(|fs| {
                                    fs.iter()
                                        .map(|f| {
                                            format!(
                                                "{} {} → {}",
                                                f[0].as_str().unwrap_or(""),
                                                f[1].as_str().unwrap_or(""),
                                                f[2].as_str().unwrap_or("")
                                            )
                                        })
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                })
                                .unwrap_or_default();
                            format!(
                                "{} {} {}",
                                c["change"].as_str().unwrap_or(""),
                                c["id"].as_str().unwrap_or(""),
                                fields
                            )
                            .trim()
                            .to_string()
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                Some(format!(
                    "Against {}: {}",
                    &parent[..12],
                    card["what_moved"].as_str().unwrap_or("")
                )),
                changes,
            )
        }
        None => (None, vec![]),
    };
    let sensitivity = std::iter::once(("all".to_string(), "all trials".to_string()))
        .chain(
            acumen_evidence::project::sensitivity_subsets(&r.content)
                .iter()
                .map(|x| (x.key(), x.words())),
        )
        .collect();
    Ok(ProjectPage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        admin: who.role() == acumen_domain::Role::Admin,
        id: p.project.public_id.clone(),
        title: p.project.title.clone(),
        latest: v.hash == latest.hash,
        reviewed: v.reviewed_at.is_some(),
        published: v.published_at.is_some(),
        versions: p
            .versions
            .iter()
            .rev()
            .map(|x| VersionRow {
                short: x.hash[..12].to_string(),
                hash: x.hash.clone(),
                created_at: x.created_at.clone(),
                reviewed: x.reviewed_at.is_some(),
                published: x.published_at.is_some(),
                current: x.hash == v.hash,
            })
            .collect(),
        hash: v.hash.clone(),
        trials,
        subset: a.subset.key(),
        subset_words: a.subset.words(),
        sensitivity,
        summary,
        left_out: a.left_out.iter().map(|(id, why)| format!("{id}: {why}")).collect(),
        banner: a.banner.clone(),
        footer: a.footer.clone(),
        forest: svc::rob_forest(&r)?,
        script_href: format!("data:text/plain;charset=utf-8;base64,{}", BASE64.encode(&a.r_script)),
        grade,
        certainty: a.sof.certainty.words().to_string(),
        sof: acumen_evidence::sof::sof_html(&r.content.question.outcome, std::slice::from_ref(&a.sof)),
        changelog,
        changes,
        error,
        typed,
        rob_domains: acumen_evidence::rob::DOMAINS
            .iter()
            .copied()
            .enumerate()
            .map(|(i, d)| (i + 1, d))
            .collect(),
        comparators: acumen_evidence::version::Comparator::ALL
            .iter()
            .map(|c| (c.key(), c.words()))
            .collect(),
        preview,
    })
}

/// `GET /projects/{id}`
pub async fn show(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/projects/{id}"));
    };
    match page(&st, &who, &id, &q, None, Fields::default(), None).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

/// Shows the page again with the refusal and what was typed.
async fn refused(st: &AppState, who: &Authed, id: &str, e: ApiError, typed: Fields) -> Response {
    let words = match e {
        ApiError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.rule))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Outdated(m) => m,
        e => return error_page(e),
    };
    match page(st, who, id, &PageQuery::default(), Some(words), typed, None).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

/// `POST /projects/{id}/edit`: one edit (`action` = add_trial, remove_trial,
/// rob, grade, import_save) over the version named by `parent`.
pub async fn edit(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/projects/{id}"));
    };
    let fields = Fields(f);
    let result = async {
        let p = svc::get(&st, &who, &id).await?;
        let parent = fields.get("parent");
        let v = p.versions.iter().find(|v| v.hash == parent).ok_or_else(|| {
            ApiError::Outdated("the version this form was made on is not in the project; reload the page".into())
        })?;
        let content: Content = svc::content_of(v)?;
        let edit = Edit::parse(&fields)?;
        let next = apply(content, edit)?;
        svc::add_version(
            &st,
            &who,
            &id,
            svc::NewVersion {
                parent: Some(parent),
                content: next,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/projects/{id}")).into_response(),
        Err(e) => refused(&st, &who, &id, e, fields).await,
    }
}

/// `POST /projects/{id}/import` (multipart: parent, outcome, file): the
/// preview, with the trials it would add and each faulty row; nothing saved.
pub async fn import(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/projects/{id}"));
    };
    let (mut file, mut name, mut outcome, mut parent) = (Vec::new(), String::new(), None, String::new());
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name().unwrap_or("") {
            "file" => {
                name = field.file_name().unwrap_or("upload.csv").to_string();
                match field.bytes().await {
                    Ok(b) if b.len() <= MAX_UPLOAD_BYTES => file = b.to_vec(),
                    _ => {
                        let e = crate::error::invalid(
                            "file",
                            &format!("the file is larger than {} KB", MAX_UPLOAD_BYTES / 1024),
                        );
                        return refused(&st, &who, &id, e, Fields::default()).await;
                    }
                }
            }
            "outcome" => {
                outcome = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<usize>().ok())
                    .filter(|n| *n >= 1)
                    .map(|n| n - 1)
            }
            "parent" => parent = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if file.is_empty() {
        return refused(
            &st,
            &who,
            &id,
            crate::error::invalid("file", "choose a CSV or .rm5 file"),
            Fields::default(),
        )
        .await;
    }
    let preview = match svc::import_preview(&who, &file, &name, outcome) {
        Ok(p) => p,
        Err(e) => return refused(&st, &who, &id, e, Fields::default()).await,
    };
    let view = Preview {
        file: name,
        trials: preview
            .trials
            .iter()
            .map(|t| format!("{} — {} ({})", t.id, t.citation, cells(t)))
            .collect(),
        errors: preview
            .errors
            .iter()
            .map(|e| format!("row {}, {}: {}", e.row, e.field, e.message))
            .collect(),
        notes: preview.notes.clone(),
        outcomes: preview.outcomes.clone(),
        json: serde_json::to_string(&preview.trials).unwrap_or_default(),
    };
    let q = PageQuery {
        version: Some(parent).filter(|p| !p.is_empty()),
        subset: None,
    };
    match page(&st, &who, &id, &q, None, Fields::default(), Some(view)).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

/// `POST /projects/{id}/mark` (admins; hash, mark = reviewed | published)
pub async fn mark(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/projects/{id}"));
    };
    let fields = Fields(f);
    let mark = match fields.get("mark").as_str() {
        "published" => acumen_store::VersionMark::Published,
        _ => acumen_store::VersionMark::Reviewed,
    };
    let hash = fields.get("hash");
    match svc::mark(&st, &who, &hash, mark).await {
        Ok(_) => Redirect::to(&format!("/projects/{id}?version={hash}")).into_response(),
        Err(e) => error_page(e),
    }
}
