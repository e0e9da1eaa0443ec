-- A clinic's record generation, version 7: a counter that every write of a
-- clinic's records (a create, a correction, a void, a move) raises in the
-- same transaction, and writes into the record it changed. A reader that
-- remembers the generation it read at needs only the records of a higher
-- generation to be current again (what the web app's cache of figures
-- does). No counter row: generation 0; records written before: 0.
-- Row-level security as for the records: a session scoped to one clinic
-- sees and raises only its own counter.
CREATE TABLE record_generations (
    clinic_id BIGINT PRIMARY KEY REFERENCES clinics(id),
    generation BIGINT NOT NULL
);
ALTER TABLE record_generations ENABLE ROW LEVEL SECURITY;
ALTER TABLE record_generations FORCE ROW LEVEL SECURITY;
CREATE POLICY generations_of_clinic ON record_generations
    USING (clinic_id = acumen_clinic()) WITH CHECK (clinic_id = acumen_clinic());
GRANT SELECT, INSERT, UPDATE ON record_generations TO acumen_app;
ALTER TABLE records ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX records_by_generation ON records (clinic_id, kind, generation);
