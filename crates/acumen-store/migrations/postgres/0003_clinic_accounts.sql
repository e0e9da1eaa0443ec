-- Accounts per clinic (see the SQLite migration 0004).
ALTER TABLE clinics ADD COLUMN code TEXT;
UPDATE clinics SET code = CASE WHEN demo THEN 'demo' ELSE 'clinic' || id END;
ALTER TABLE clinics ALTER COLUMN code SET NOT NULL;
CREATE UNIQUE INDEX clinics_by_code ON clinics (code);
ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users ADD CONSTRAINT users_clinic_email UNIQUE (clinic_id, email);
