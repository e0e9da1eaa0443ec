-- Evidence projects, version 10: a clinic's living review of trials (not
-- patient data: trial summaries with their citations) and its frozen
-- versions. A version is its content as RFC 8785 canonical JSON and the
-- SHA-256 of that text; the content and hash of a version are never edited
-- (the trigger refuses it), only its review and publication are stamped.
-- `based_on_bundled`: the project started from Acumen's bundled project,
-- so a version an admin marked reviewed may stand on the clinic's answers page.
CREATE TABLE evidence_projects (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    title TEXT NOT NULL,
    based_on_bundled INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_projects_by_clinic ON evidence_projects (clinic_id);
CREATE TABLE evidence_versions (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES evidence_projects(id),
    hash TEXT NOT NULL,
    parent_hash TEXT,
    content TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES users(id),
    reviewed_at TEXT,
    published_at TEXT,
    UNIQUE (project_id, hash)
);
CREATE INDEX evidence_versions_by_hash ON evidence_versions (hash);
CREATE TRIGGER evidence_versions_frozen BEFORE UPDATE OF hash, parent_hash, content, project_id, created_at
ON evidence_versions BEGIN SELECT RAISE(ABORT, 'a saved version is frozen'); END;
CREATE TRIGGER evidence_versions_kept BEFORE DELETE ON evidence_versions
BEGIN SELECT RAISE(ABORT, 'a saved version is kept'); END;
