-- Accounts per clinic, version 4: an e-mail is unique within a clinic (the
-- same person in two clinics has two accounts), and login names the clinic
-- by its code. Existing clinics get the code "clinicID" ("demo" for a demo).
-- Run with foreign-key enforcement off (the users table is rebuilt in place).
ALTER TABLE clinics ADD COLUMN code TEXT;
UPDATE clinics SET code = CASE WHEN demo THEN 'demo' ELSE 'clinic' || id END;
CREATE UNIQUE INDEX clinics_by_code ON clinics (code);

CREATE TABLE users_per_clinic (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'practitioner', 'patient', 'researcher')),
    password_hash TEXT NOT NULL,
    patient_id INTEGER REFERENCES records(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (clinic_id, email)
);
INSERT INTO users_per_clinic (id, clinic_id, email, name, role, password_hash, patient_id, active, created_at)
    SELECT id, clinic_id, email, name, role, password_hash, patient_id, active, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_per_clinic RENAME TO users;
