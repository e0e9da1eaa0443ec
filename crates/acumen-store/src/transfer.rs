//! Moving a clinic's SQLite database into PostgreSQL, with verification:
//! every table is read as canonical rows (integers in decimal, booleans as
//! 0/1, JSON re-serialized with sorted keys), copied in one transaction, read
//! back, and compared table by table by row count and SHA-256 of the rows.

use std::collections::BTreeMap;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, Row, SqliteConnection};

use crate::error::StoreError;
use crate::store::Result;

/// How a column is read and written.
#[derive(Clone, Copy, PartialEq)]
enum Col {
    Int,
    Text,
    Bool,
    Json,
}

/// A table in copy order (parents first), its columns and its row order.
struct Table {
    name: &'static str,
    cols: &'static [(&'static str, Col)],
    order: &'static str,
    /// Whether its rows belong to a clinic through a record (row-level security).
    scoped: bool,
}

use Col::{Bool, Int, Json, Text};

const TABLES: &[Table] = &[
    Table {
        name: "clinics",
        cols: &[
            ("id", Int),
            ("name", Text),
            ("demo", Bool),
            ("created_at", Text),
            ("answers_public", Bool),
            ("code", Text),
            ("messaging", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "records",
        cols: &[
            ("id", Int),
            ("clinic_id", Int),
            ("kind", Text),
            ("patient_id", Int),
            ("parent_id", Int),
            ("version", Int),
            ("data", Json),
            ("created_at", Text),
            ("updated_at", Text),
            ("public_id", Text),
        ],
        order: "id",
        scoped: true,
    },
    Table {
        name: "record_versions",
        cols: &[
            ("record_id", Int),
            ("version", Int),
            ("data", Json),
            ("author_id", Int),
            ("created_at", Text),
        ],
        order: "record_id, version",
        scoped: true,
    },
    Table {
        name: "users",
        cols: &[
            ("id", Int),
            ("clinic_id", Int),
            ("email", Text),
            ("name", Text),
            ("role", Text),
            ("password_hash", Text),
            ("patient_id", Int),
            ("active", Bool),
            ("created_at", Text),
            ("public_id", Text),
            ("patient_public_id", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "auth_sessions",
        cols: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("created_at", Int),
            ("last_seen", Int),
        ],
        order: "token_hash",
        scoped: false,
    },
    Table {
        name: "api_tokens",
        cols: &[
            ("id", Int),
            ("user_id", Int),
            ("token_hash", Text),
            ("name", Text),
            ("created_at", Text),
            ("revoked_at", Text),
            ("public_id", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "password_resets",
        cols: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("expires_at", Int),
            ("used", Bool),
        ],
        order: "token_hash",
        scoped: false,
    },
    Table {
        name: "idempotency",
        cols: &[
            ("user_id", Int),
            ("scope", Text),
            ("key", Text),
            ("body_hash", Text),
            ("record_id", Int),
            ("created_at", Text),
            ("created_epoch", Int),
        ],
        order: "user_id, scope, key",
        scoped: true,
    },
    Table {
        name: "audit",
        cols: &[
            ("id", Int),
            ("at", Text),
            ("user_id", Int),
            ("role", Text),
            ("clinic_id", Int),
            ("action", Text),
            ("record_kind", Text),
            ("record_id", Int),
            ("hmac", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "follow_up_links",
        cols: &[
            ("id", Int),
            ("clinic_id", Int),
            ("patient_id", Int),
            ("course_id", Int),
            ("timepoint", Text),
            ("nonce", Text),
            ("token_hash", Text),
            ("created_at", Text),
            ("open_until", Text),
            ("failures", Int),
            ("state", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "outbox",
        cols: &[
            ("id", Int),
            ("clinic_id", Int),
            ("patient_id", Int),
            ("link_id", Int),
            ("kind", Text),
            ("channel", Text),
            ("message_id", Text),
            ("created_at", Text),
            ("next_attempt_at", Int),
            ("attempts", Int),
            ("sent_at", Text),
            ("last_error", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "evidence_projects",
        cols: &[
            ("id", Int),
            ("public_id", Text),
            ("clinic_id", Int),
            ("title", Text),
            ("based_on_bundled", Bool),
            ("created_by", Int),
            ("created_at", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "evidence_versions",
        cols: &[
            ("id", Int),
            ("project_id", Int),
            ("hash", Text),
            ("parent_hash", Text),
            ("content", Text),
            ("created_by", Int),
            ("created_at", Text),
            ("reviewed_by", Int),
            ("reviewed_at", Text),
            ("published_at", Text),
        ],
        order: "id",
        scoped: false,
    },
    Table {
        name: "login_failures",
        cols: &[("account", Text), ("address", Text), ("at", Int), ("attempt", Text)],
        order: "account, address, at, attempt",
        scoped: false,
    },
];

/// A row as canonical text values (`None` = NULL).
type Rows = Vec<Vec<Option<String>>>;

/// One table's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// Table.
    pub table: &'static str,
    /// Rows in the source.
    pub source_rows: usize,
    /// Rows in the target after the copy.
    pub target_rows: usize,
    /// SHA-256 of the source rows.
    pub source_sha256: String,
    /// SHA-256 of the target rows.
    pub target_sha256: String,
}

impl TableCheck {
    /// Whether the target holds exactly the source's rows.
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

fn canonical_json(text: &str) -> Result<String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StoreError::Integrity(format!("stored JSON does not parse: {e}")))?;
    Ok(v.to_string())
}

fn checksum(rows: &Rows) -> String {
    let mut h = Sha256::new();
    for row in rows {
        for v in row {
            match v {
                Some(s) => {
                    h.update(b"v");
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
                None => h.update(b"n"),
            }
        }
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

async fn sqlite_rows(c: &mut SqliteConnection, t: &Table) -> Result<Rows> {
    let cols: Vec<&str> = t.cols.iter().map(|c| c.0).collect();
    let sql = format!("SELECT {} FROM {} ORDER BY {}", cols.join(", "), t.name, t.order);
    let mut out = Vec::new();
    for r in sqlx::query(&sql).fetch_all(&mut *c).await? {
        let mut row = Vec::with_capacity(t.cols.len());
        for (i, (_, kind)) in t.cols.iter().enumerate() {
            row.push(match kind {
                Int => r.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()),
                Bool => r
                    .try_get::<Option<i64>, _>(i)?
                    .map(|v| (v != 0).then_some("1").unwrap_or("0").into()),
                Text => r.try_get::<Option<String>, _>(i)?,
                Json => r
                    .try_get::<Option<String>, _>(i)?
                    .map(|s| canonical_json(&s))
                    .transpose()?,
            });
        }
        out.push(row);
    }
    out.sort_by(|a, b| cmp_rows(t, a, b));
    Ok(out)
}

async fn pg_rows(c: &mut PgConnection, t: &Table, clinics: &[i64]) -> Result<Rows> {
    let cols: Vec<String> = t
        .cols
        .iter()
        .map(|(n, k)| {
            if *k == Json {
                format!("{n}::text")
            } else {
                n.to_string()
            }
        })
        .collect();
    let sql = format!("SELECT {} FROM {} ORDER BY {}", cols.join(", "), t.name, t.order);
    // Row-level security shows a clinic's rows only when it is named: read clinic by clinic.
    let scopes: Vec<Option<i64>> = if t.scoped {
        clinics.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };
    let mut out = Vec::new();
    for scope in scopes {
        let mut tx = c.begin().await?;
        if let Some(clinic) = scope {
            crate::sql::scope::<sqlx::Postgres>(&mut *tx, clinic).await?;
        }
        for r in sqlx::query(&sql).fetch_all(&mut *tx).await? {
            let mut row = Vec::with_capacity(t.cols.len());
            for (i, (_, kind)) in t.cols.iter().enumerate() {
                row.push(match kind {
                    Int => r.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()),
                    Bool => r
                        .try_get::<Option<bool>, _>(i)?
                        .map(|v| if v { "1" } else { "0" }.into()),
                    Text => r.try_get::<Option<String>, _>(i)?,
                    Json => r
                        .try_get::<Option<String>, _>(i)?
                        .map(|s| canonical_json(&s))
                        .transpose()?,
                });
            }
            out.push(row);
        }
        tx.commit().await?;
    }
    out.sort_by(|a, b| cmp_rows(t, a, b));
    Ok(out)
}

/// The table's order, the same for both databases (text bytewise, whatever the collation).
fn cmp_rows(t: &Table, a: &[Option<String>], b: &[Option<String>]) -> std::cmp::Ordering {
    for key in t.order.split(", ") {
        let i = t.cols.iter().position(|c| c.0 == key).unwrap_or(0);
        let ord = match t.cols[i].1 {
            Int => {
                let p = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i64>().ok());
                p(&a[i]).cmp(&p(&b[i]))
            }
            _ => a[i].cmp(&b[i]),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    std::cmp::Ordering::Equal
}

async fn insert(c: &mut PgConnection, t: &Table, rows: &[&Vec<Option<String>>]) -> Result<()> {
    let names: Vec<&str> = t.cols.iter().map(|c| c.0).collect();
    let params: Vec<String> = t
        .cols
        .iter()
        .enumerate()
        .map(|(i, (_, k))| {
            if *k == Json {
                format!("${}::jsonb", i + 1)
            } else {
                format!("${}", i + 1)
            }
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        names.join(", "),
        params.join(", ")
    );
    for row in rows {
        let mut q = sqlx::query(&sql);
        for ((_, kind), v) in t.cols.iter().zip(row.iter()) {
            q = match kind {
                Int => q.bind(v.as_deref().map(|s| s.parse::<i64>().unwrap_or_default())),
                Bool => q.bind(v.as_deref().map(|s| s == "1")),
                Text | Json => q.bind(v.clone()),
            };
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Copies the SQLite database at `from` (a path) into the empty PostgreSQL
/// database at `to_owner_url` (migrated first, as its owner) and compares
/// every table. Refuses a target that holds any row; writes nothing unless
/// the whole copy commits.
pub async fn sqlite_to_postgres(from: &std::path::Path, to_owner_url: &str) -> Result<Vec<TableCheck>> {
    if !from.exists() {
        return Err(StoreError::Integrity(format!("{}: no such database", from.display())));
    }
    let mut src = SqliteConnectOptions::new()
        .filename(from)
        .read_only(true)
        .connect()
        .await?;
    let mut dst = PgConnectOptions::from_str(to_owner_url)?.connect().await?;
    crate::pg::MIGRATOR.run(&mut dst).await?;
    for t in TABLES {
        let any: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", t.name))
            .fetch_one(&mut dst)
            .await?;
        // Rows under row-level security cannot exist without a clinic, so an
        // empty `clinics` (checked first) covers the tables it hides.
        if any {
            return Err(StoreError::Integrity(format!(
                "the target database is not empty (table {} has rows); migrate-db writes only into an empty database",
                t.name
            )));
        }
    }
    // One consistent read of the source.
    let mut snapshot = src.begin().await?;
    let mut source: BTreeMap<&'static str, Rows> = BTreeMap::new();
    for t in TABLES {
        source.insert(t.name, sqlite_rows(&mut snapshot, t).await?);
    }
    snapshot.commit().await?;
    let clinics: Vec<i64> = source["clinics"]
        .iter()
        .filter_map(|r| r[0].as_deref().and_then(|s| s.parse().ok()))
        .collect();
    let record_clinic: BTreeMap<String, String> = source["records"]
        .iter()
        .filter_map(|r| Some((r[0].clone()?, r[1].clone()?)))
        .collect();

    let mut tx = dst.begin().await?;
    for t in TABLES {
        let rows = &source[t.name];
        if !t.scoped {
            insert(&mut tx, t, &rows.iter().collect::<Vec<_>>()).await?;
            continue;
        }
        // Which column names the record whose clinic the row belongs to.
        let key = match t.name {
            "records" => 1,
            "record_versions" => 0,
            _ => 2,
        };
        for clinic in &clinics {
            let clinic = clinic.to_string();
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| {
                    let v = r[key].as_deref().unwrap_or_default();
                    if t.name == "records" {
                        v == clinic
                    } else {
                        record_clinic.get(v).is_some_and(|c| *c == clinic)
                    }
                })
                .collect();
            crate::sql::scope::<sqlx::Postgres>(&mut *tx, clinic.parse().unwrap_or_default()).await?;
            insert(&mut tx, t, &mine).await?;
        }
    }
    for table in [
        "clinics",
        "records",
        "users",
        "api_tokens",
        "follow_up_links",
        "outbox",
        "evidence_projects",
        "evidence_versions",
    ] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;

    let mut checks = Vec::new();
    for t in TABLES {
        let target = pg_rows(&mut dst, t, &clinics).await?;
        let src_rows = &source[t.name];
        checks.push(TableCheck {
            table: t.name,
            source_rows: src_rows.len(),
            target_rows: target.len(),
            source_sha256: checksum(src_rows),
            target_sha256: checksum(&target),
        });
    }
    Ok(checks)
}
