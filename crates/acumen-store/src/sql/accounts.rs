//! Clinics, users, login sessions, API tokens and password resets: the
//! account rows behind [`crate::Store`] (each a function of the store, called
//! from `store_impl.rs`).

use super::{all, append, clinic_from, scope, user_from, Dialect, SqlStore};
use crate::error::StoreError;
use crate::model::{Actor, Clinic, NewUser, User};
use crate::now;
use crate::store::Result;

pub(crate) async fn create_clinic<D: Dialect>(s: &SqlStore<D>, name: &str, demo: bool) -> Result<Clinic> {
    let name = name.to_string();
    let base = if demo {
        "demo".to_string()
    } else {
        crate::clinic_code(&name)
    };
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                // The first free code of base, base-2, base-3, ...
                for n in 1.. {
                    let code = if n == 1 { base.clone() } else { format!("{base}-{n}") };
                    let row = c
                        .row(
                            "INSERT INTO clinics (name, demo, created_at, code) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (code) DO NOTHING RETURNING id",
                            &[(&name).into(), demo.into(), now().into(), (&code).into()],
                        )
                        .await?;
                    if let Some(row) = row {
                        return Ok(Clinic {
                            id: row.int("id")?,
                            name,
                            code,
                            demo,
                            answers_public: false,
                            messaging: None,
                        });
                    }
                }
                unreachable!("the codes are endless")
            })
        })
        .await
}

pub(crate) async fn clinic<D: Dialect>(s: &SqlStore<D>, id: i64) -> Result<Clinic> {
    let r = s
        .read_found(
            "SELECT id, name, code, demo, answers_public, messaging FROM clinics WHERE id = $1",
            &[id.into()],
        )
        .await?;
    clinic_from(&r)
}

pub(crate) async fn set_answers_public<D: Dialect>(s: &SqlStore<D>, actor: &Actor, public: bool) -> Result<()> {
    let actor = actor.clone();
    s.writer
        .write(move |c, chain| {
            Box::pin(async move {
                let c = D::conn(c);
                c.run(
                    "UPDATE clinics SET answers_public = $1 WHERE id = $2",
                    &[public.into(), actor.clinic_id.into()],
                )
                .await?;
                let action = if public {
                    "answers_public_on"
                } else {
                    "answers_public_off"
                };
                append(c, chain, Some(&actor), action, Some("clinic"), Some(actor.clinic_id)).await
            })
        })
        .await
}

pub(crate) async fn set_messaging<D: Dialect>(
    s: &SqlStore<D>,
    actor: &Actor,
    messaging: &serde_json::Value,
    action: &'static str,
) -> Result<()> {
    let actor = actor.clone();
    let doc = messaging.to_string();
    s.writer
        .write(move |c, chain| {
            Box::pin(async move {
                let c = D::conn(c);
                c.run(
                    "UPDATE clinics SET messaging = $1 WHERE id = $2",
                    &[doc.into(), actor.clinic_id.into()],
                )
                .await?;
                append(c, chain, Some(&actor), action, Some("clinic"), Some(actor.clinic_id)).await
            })
        })
        .await
}

pub(crate) async fn clinics<D: Dialect>(s: &SqlStore<D>) -> Result<Vec<Clinic>> {
    let rows = s
        .read_rows(
            "SELECT id, name, code, demo, answers_public, messaging FROM clinics ORDER BY id",
            &[],
        )
        .await?;
    all(&rows, clinic_from)
}

pub(crate) async fn sole_clinic_code<D: Dialect>(s: &SqlStore<D>) -> Result<Option<String>> {
    let rows = s.read_rows("SELECT code FROM clinics ORDER BY id LIMIT 2", &[]).await?;
    match rows.as_slice() {
        [only] => Ok(Some(only.text("code")?)),
        _ => Ok(None),
    }
}

pub(crate) async fn is_demo<D: Dialect>(s: &SqlStore<D>) -> Result<bool> {
    let r = s
        .read_found("SELECT EXISTS (SELECT 1 FROM clinics WHERE demo) AS demo", &[])
        .await?;
    r.flag("demo")
}

pub(crate) async fn create_user<D: Dialect>(s: &SqlStore<D>, u: NewUser) -> Result<User> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                let email = u.email.trim().to_lowercase();
                scope::<D>(c, u.clinic_id).await?;
                let sql = format!(
                    "INSERT INTO users (clinic_id, email, name, role, password_hash, patient_id, created_at, public_id, patient_public_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, {}, \
                     (SELECT r.public_id FROM records r WHERE r.id = $6 AND r.clinic_id = $1)) \
                     RETURNING id, public_id, patient_public_id",
                    D::NEW_PUBLIC_ID
                );
                let args = [
                    u.clinic_id.into(),
                    (&email).into(),
                    (&u.name).into(),
                    (&u.role).into(),
                    (&u.password_hash).into(),
                    u.patient_id.into(),
                    now().into(),
                ];
                let row = match c.found(&sql, &args).await {
                    Err(StoreError::Db(sqlx::Error::Database(d))) if d.is_unique_violation() => {
                        return Err(StoreError::Taken("this e-mail".into()))
                    }
                    other => other?,
                };
                Ok(User {
                    id: row.int("id")?,
                    clinic_id: u.clinic_id,
                    email,
                    name: u.name,
                    role: u.role,
                    patient_id: u.patient_id,
                    public_id: row.text("public_id")?,
                    patient_public_id: row.opt_text("patient_public_id")?,
                    active: true,
                    password_hash: u.password_hash,
                })
            })
        })
        .await
}

pub(crate) async fn user_by_email<D: Dialect>(s: &SqlStore<D>, clinic_id: i64, email: &str) -> Result<User> {
    let r = s
        .read_found(
            "SELECT * FROM users WHERE clinic_id = $1 AND email = $2",
            &[clinic_id.into(), email.trim().to_lowercase().into()],
        )
        .await?;
    user_from(&r)
}

pub(crate) async fn clinic_by_code<D: Dialect>(s: &SqlStore<D>, code: &str) -> Result<Clinic> {
    let r = s
        .read_found(
            "SELECT id, name, code, demo, answers_public, messaging FROM clinics WHERE code = $1",
            &[code.trim().to_lowercase().into()],
        )
        .await?;
    clinic_from(&r)
}

pub(crate) async fn users<D: Dialect>(s: &SqlStore<D>, clinic_id: i64) -> Result<Vec<User>> {
    let rows = s
        .read_rows(
            "SELECT * FROM users WHERE clinic_id = $1 ORDER BY id",
            &[clinic_id.into()],
        )
        .await?;
    all(&rows, user_from)
}

pub(crate) async fn set_password<D: Dialect>(s: &SqlStore<D>, user_id: i64, hash: &str) -> Result<()> {
    let hash = hash.to_string();
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                c.run(
                    "UPDATE users SET password_hash = $1 WHERE id = $2",
                    &[hash.into(), user_id.into()],
                )
                .await?;
                c.run("DELETE FROM auth_sessions WHERE user_id = $1", &[user_id.into()])
                    .await?;
                Ok(())
            })
        })
        .await
}

pub(crate) async fn link_patient<D: Dialect>(s: &SqlStore<D>, user_id: i64, patient_id: i64) -> Result<()> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                let clinic = c
                    .found("SELECT clinic_id FROM users WHERE id = $1", &[user_id.into()])
                    .await?
                    .int("clinic_id")?;
                scope::<D>(c, clinic).await?;
                c.run(
                    "UPDATE users SET patient_id = $1, patient_public_id = \
                     (SELECT r.public_id FROM records r WHERE r.id = $1 AND r.clinic_id = $3) WHERE id = $2",
                    &[patient_id.into(), user_id.into(), clinic.into()],
                )
                .await?;
                Ok(())
            })
        })
        .await
}

pub(crate) async fn user_by_public_id<D: Dialect>(s: &SqlStore<D>, clinic_id: i64, public_id: &str) -> Result<User> {
    let r = s
        .read_found(
            "SELECT * FROM users WHERE clinic_id = $1 AND public_id = $2",
            &[clinic_id.into(), public_id.into()],
        )
        .await?;
    user_from(&r)
}

pub(crate) async fn create_session<D: Dialect>(
    s: &SqlStore<D>,
    token_hash: &str,
    user_id: i64,
    now_s: i64,
) -> Result<()> {
    s.exec(
        "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES ($1, $2, $3, $4)",
        vec![token_hash.into(), user_id.into(), now_s.into(), now_s.into()],
    )
    .await
    .map(drop)
}

pub(crate) async fn delete_session<D: Dialect>(s: &SqlStore<D>, token_hash: &str) -> Result<()> {
    s.exec(
        "DELETE FROM auth_sessions WHERE token_hash = $1",
        vec![token_hash.into()],
    )
    .await
    .map(drop)
}

pub(crate) async fn create_token<D: Dialect>(
    s: &SqlStore<D>,
    user_id: i64,
    token_hash: &str,
    name: &str,
) -> Result<String> {
    let (token_hash, name) = (token_hash.to_string(), name.to_string());
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let sql = format!(
                    "INSERT INTO api_tokens (user_id, token_hash, name, created_at, public_id) \
                     VALUES ($1, $2, $3, $4, {}) RETURNING public_id",
                    D::NEW_PUBLIC_ID
                );
                let args = [user_id.into(), token_hash.into(), name.into(), now().into()];
                D::conn(c).found(&sql, &args).await?.text("public_id")
            })
        })
        .await
}

pub(crate) async fn revoke_token<D: Dialect>(s: &SqlStore<D>, user_id: i64, token_id: &str) -> Result<()> {
    let n = s
        .exec(
            "UPDATE api_tokens SET revoked_at = $1 WHERE public_id = $2 AND user_id = $3 AND revoked_at IS NULL",
            vec![now().into(), token_id.into(), user_id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn create_reset<D: Dialect>(
    s: &SqlStore<D>,
    user_id: i64,
    token_hash: &str,
    expires_at: i64,
) -> Result<()> {
    s.exec(
        "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        vec![token_hash.into(), user_id.into(), expires_at.into()],
    )
    .await
    .map(drop)
}

pub(crate) async fn use_reset<D: Dialect>(
    s: &SqlStore<D>,
    token_hash: &str,
    now_s: i64,
    new_hash: &str,
) -> Result<i64> {
    let (token_hash, new_hash) = (token_hash.to_string(), new_hash.to_string());
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                let uid = c
                    .found(
                        "UPDATE password_resets SET used = true \
                         WHERE token_hash = $1 AND NOT used AND expires_at > $2 RETURNING user_id",
                        &[token_hash.into(), now_s.into()],
                    )
                    .await?
                    .int("user_id")?;
                c.run(
                    "UPDATE users SET password_hash = $1 WHERE id = $2",
                    &[new_hash.into(), uid.into()],
                )
                .await?;
                c.run("DELETE FROM auth_sessions WHERE user_id = $1", &[uid.into()])
                    .await?;
                c.run(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                    &[now().into(), uid.into()],
                )
                .await?;
                Ok(uid)
            })
        })
        .await
}
