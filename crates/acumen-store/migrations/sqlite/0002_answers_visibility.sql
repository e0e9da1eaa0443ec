-- Whether the clinic's answers page (aggregate figures only) is public.
ALTER TABLE clinics ADD COLUMN answers_public INTEGER NOT NULL DEFAULT 0;
