-- Evidence projects, version 10: a clinic's living review of trials (not
-- patient data: trial summaries with their citations) and its frozen
-- versions. A version is its content as RFC 8785 canonical JSON and the
-- SHA-256 of that text; the content and hash of a version are never edited
-- (the trigger refuses it, and the server role may not delete), only its
-- review and publication are stamped. Not scoped by row-level security:
-- a published version is readable by anyone, and the service layer checks
-- the clinic for the others (trial data are not patient data).
CREATE TABLE evidence_projects (
    id BIGSERIAL PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    title TEXT NOT NULL,
    based_on_bundled BOOLEAN NOT NULL DEFAULT false,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_projects_by_clinic ON evidence_projects (clinic_id);
CREATE TABLE evidence_versions (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES evidence_projects(id),
    hash TEXT NOT NULL,
    parent_hash TEXT,
    content TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    reviewed_by BIGINT REFERENCES users(id),
    reviewed_at TEXT,
    published_at TEXT,
    UNIQUE (project_id, hash)
);
CREATE INDEX evidence_versions_by_hash ON evidence_versions (hash);
CREATE FUNCTION evidence_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hash IS DISTINCT FROM OLD.hash OR NEW.parent_hash IS DISTINCT FROM OLD.parent_hash
       OR NEW.content IS DISTINCT FROM OLD.content OR NEW.project_id IS DISTINCT FROM OLD.project_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'a saved version is frozen';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER evidence_versions_frozen BEFORE UPDATE ON evidence_versions
    FOR EACH ROW EXECUTE FUNCTION evidence_version_frozen();
GRANT SELECT, INSERT, UPDATE ON evidence_projects, evidence_versions TO acumen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO acumen_app;
