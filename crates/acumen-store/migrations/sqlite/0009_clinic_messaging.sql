-- A clinic's follow-up messaging, version 9: the display name its messages
-- carry, its time zone and quiet hours, its message texts and which revision
-- of them an admin enabled (a JSON document the web layer validates; NULL:
-- the shipped texts, not enabled). Texts are templates: no patient data.
ALTER TABLE clinics ADD COLUMN messaging TEXT;
