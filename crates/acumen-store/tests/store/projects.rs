//! Evidence projects on every backend: a project belongs to its clinic; a
//! version saved twice is one version; a save over a version that is no
//! longer the latest writes nothing and names the latest; two racing saves
//! over the same version leave exactly one; versions are frozen (the
//! database refuses an edit or a delete of one); review and publication are
//! stamped once and audited.

use acumen_store::{Store, StoreError, VersionMark};

use crate::helpers::{backends, clinic_with_practitioner};

#[tokio::test]
async fn versions_are_saved_once_in_order_and_never_edited() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let other = clinic_with_practitioner(s, "South").await;
        let p = s.create_project(&doc, "CIPN pain", true).await.unwrap();
        assert_eq!(p.public_id.len(), 32, "{}", b.name);
        assert!(p.based_on_bundled);
        assert_eq!(s.projects(doc.clinic_id).await.unwrap(), vec![p.clone()]);
        assert!(s.projects(other.clinic_id).await.unwrap().is_empty());
        assert_eq!(s.project(&p.public_id).await.unwrap(), p);
        assert!(matches!(
            s.project("0".repeat(32).as_str()).await,
            Err(StoreError::NotFound)
        ));

        // A first version needs no parent; the same content again is the same version.
        let (v1, new) = s.save_version(&doc, p.id, None, "aa11", "{\"v\":1}").await.unwrap();
        assert!(new);
        assert_eq!(v1.parent_hash, None);
        let (again, new) = s.save_version(&doc, p.id, None, "aa11", "{\"v\":1}").await.unwrap();
        assert!(!new);
        assert_eq!(again, v1);
        // A save over a version that is not the latest writes nothing.
        match s.save_version(&doc, p.id, None, "bb22", "{\"v\":2}").await {
            Err(StoreError::Outdated { latest }) => assert_eq!(latest, "aa11", "{}", b.name),
            other => panic!("{}: {other:?}", b.name),
        }
        let (v2, _) = s
            .save_version(&doc, p.id, Some("aa11"), "bb22", "{\"v\":2}")
            .await
            .unwrap();
        assert_eq!(v2.parent_hash.as_deref(), Some("aa11"));
        let hashes: Vec<String> = s
            .project_versions(p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.hash)
            .collect();
        assert_eq!(hashes, ["aa11", "bb22"]);

        // Two saves racing over the same latest version: exactly one lands.
        let (x, y) = tokio::join!(
            s.save_version(&doc, p.id, Some("bb22"), "cc33", "{\"v\":3}"),
            s.save_version(&doc, p.id, Some("bb22"), "dd44", "{\"v\":4}")
        );
        assert_eq!([x.is_ok(), y.is_ok()].iter().filter(|o| **o).count(), 1, "{}", b.name);
        assert_eq!(s.project_versions(p.id).await.unwrap().len(), 3);

        // The same content in another project: found by hash in both.
        let q = s.create_project(&other, "copy", false).await.unwrap();
        s.save_version(&other, q.id, None, "aa11", "{\"v\":1}").await.unwrap();
        assert_eq!(s.versions_by_hash("aa11").await.unwrap().len(), 2);

        // Review, then publish; a second stamp keeps the first time.
        let r = s.mark_version(&doc, v1.id, VersionMark::Reviewed).await.unwrap();
        assert!(r.reviewed_at.is_some() && r.published_at.is_none());
        let pb = s.mark_version(&doc, v1.id, VersionMark::Published).await.unwrap();
        assert_eq!(pb.reviewed_at, r.reviewed_at);
        assert!(pb.published_at.is_some());
        let again = s.mark_version(&doc, v1.id, VersionMark::Published).await.unwrap();
        assert_eq!(again.published_at, pb.published_at);
        let actions: Vec<String> = s
            .audit_log(Some(doc.clinic_id))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.starts_with("project") || a.starts_with("version"))
            .collect();
        assert_eq!(
            actions,
            [
                "project_create",
                "version_save",
                "version_save",
                "version_save",
                "version_reviewed",
                "version_published",
                "version_published"
            ],
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn the_database_refuses_to_edit_or_delete_a_saved_version() {
    let dir = std::env::temp_dir().join(format!("acumen-store-{}", crate::helpers::unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let lite = acumen_store::SqliteStore::open(dir.join("t.db").to_str().unwrap(), crate::helpers::KEY)
        .await
        .unwrap();
    let doc = clinic_with_practitioner(&lite, "North").await;
    let p = lite.create_project(&doc, "frozen", false).await.unwrap();
    lite.save_version(&doc, p.id, None, "aa11", "{}").await.unwrap();
    let edit = "UPDATE evidence_versions SET content = '{\"v\":9}'";
    let e = sqlx::query(edit).execute(lite.write_pool()).await.unwrap_err();
    assert!(e.to_string().contains("a saved version is frozen"), "{e}");
    let e = sqlx::query("DELETE FROM evidence_versions")
        .execute(lite.write_pool())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("a saved version is kept"), "{e}");
    if let Some(url) = crate::helpers::pg_url() {
        let b = crate::helpers::postgres(&url).await;
        let (s, pg) = (b.store.as_ref(), b.pg.as_ref().unwrap());
        let doc = clinic_with_practitioner(s, "North").await;
        let p = s.create_project(&doc, "frozen", false).await.unwrap();
        s.save_version(&doc, p.id, None, "aa11", "{}").await.unwrap();
        let e = sqlx::query(edit).execute(pg.pool()).await.unwrap_err();
        assert!(e.to_string().contains("a saved version is frozen"), "{e}");
        let e = sqlx::query("DELETE FROM evidence_versions")
            .execute(pg.pool())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{e}");
    }
}
