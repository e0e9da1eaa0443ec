-- A clinic's record generation, version 7: a counter that every write of a
-- clinic's records (a create, a correction, a void, a move) raises in the
-- same transaction, and writes into the record it changed. A reader that
-- remembers the generation it read at needs only the records of a higher
-- generation to be current again (what the web app's cache of figures
-- does). No counter row: generation 0; records written before: 0.
CREATE TABLE record_generations (
    clinic_id INTEGER PRIMARY KEY REFERENCES clinics(id),
    generation INTEGER NOT NULL
);
ALTER TABLE records ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_by_generation ON records (clinic_id, kind, generation);
