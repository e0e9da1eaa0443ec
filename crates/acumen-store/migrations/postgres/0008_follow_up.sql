-- Follow-up between visits, version 8: a link per scheduled timepoint asked
-- outside a visit, and the outbox of the messages that carry it.
--
-- A link keeps only the SHA-256 of its token; the token itself is the HMAC
-- of the row's nonce under the server's key, so the worker can write the
-- same message again after a crash and a copy of the database alone opens no
-- link. Neither table holds a name, address, condition or message text
-- (those are read from the patient record and the clinic's templates when a
-- message is sent), so, like the password resets, they are not scoped by
-- row-level security: the public link page and the worker look them up
-- before a clinic is known.
CREATE TABLE follow_up_links (
    id BIGSERIAL PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    patient_id BIGINT NOT NULL REFERENCES records(id),
    course_id BIGINT NOT NULL REFERENCES records(id),
    timepoint TEXT NOT NULL,
    nonce TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    -- The last day (YYYY-MM-DD, the clinic's calendar) the link opens.
    open_until TEXT NOT NULL,
    -- Wrong answers to the date-of-birth check (locked at 5).
    failures BIGINT NOT NULL DEFAULT 0,
    -- open, used, declined or locked.
    state TEXT NOT NULL DEFAULT 'open',
    UNIQUE (course_id, timepoint)
);
CREATE INDEX follow_up_links_by_patient ON follow_up_links (patient_id);

-- One row per message ever due: written in the transaction that makes it
-- due, sent by the worker at least once, marked sent after the provider
-- accepted it. (link_id, kind) is unique, so a timepoint never gets two
-- different messages of one kind; message_id is the e-mail Message-ID and
-- the SMS provider's idempotency key.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    patient_id BIGINT NOT NULL REFERENCES records(id),
    link_id BIGINT NOT NULL REFERENCES follow_up_links(id),
    -- link, reminder:1, reminder:2, ...
    kind TEXT NOT NULL,
    -- email or sms.
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    -- Seconds since 1970: when the worker may try it (again).
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sent_at TEXT,
    last_error TEXT,
    UNIQUE (link_id, kind)
);
CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_patient ON outbox (patient_id);
GRANT SELECT, INSERT, UPDATE ON follow_up_links, outbox TO acumen_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO acumen_app;
