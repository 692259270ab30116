-- The records of the embedded store, one table per kind. Each row keeps the record whole as
-- JSON (`record`, the same serde form sled stores) beside the columns that are looked up,
-- ordered, checked or swept; those columns are the truth where both say something (a code's
-- `redeemed`, a refresh token's `spent`).

CREATE TABLE owners (
    sid text PRIMARY KEY,
    record jsonb NOT NULL
);

CREATE TABLE users (
    -- Creation order: "the first user" is the one the store was bootstrapped with.
    seq bigserial NOT NULL UNIQUE,
    sid text PRIMARY KEY,
    username_lower text NOT NULL UNIQUE,
    record jsonb NOT NULL
);

CREATE TABLE apps (
    sid text PRIMARY KEY,
    owner text NOT NULL,
    created_at bigint NOT NULL,
    name_lower text NOT NULL,
    version bigint NOT NULL,
    record jsonb NOT NULL
);
-- A page of an owner's apps, newest or oldest first, reads only its rows.
CREATE INDEX apps_by_owner ON apps (owner, created_at DESC, sid);

CREATE TABLE audit_events (
    -- Among events of the same millisecond, the later written comes first.
    seq bigserial PRIMARY KEY,
    at bigint NOT NULL,
    owner text NOT NULL,
    app text NOT NULL,
    event_type text NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX audit_events_newest_first ON audit_events (at DESC, seq DESC);

CREATE TABLE authorizations (
    sid text PRIMARY KEY,
    owner text NOT NULL,
    app text NOT NULL,
    created_at bigint NOT NULL,
    revoked boolean NOT NULL,
    version bigint NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX authorizations_by_owner ON authorizations (owner, created_at DESC, sid);

-- Hex digest → code; a redeemed code stays until it expires so that a replay is recognised.
CREATE TABLE authorization_codes (
    digest text PRIMARY KEY,
    expires_at bigint NOT NULL,
    redeemed boolean NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Hex digest → refresh token; a spent one stays until it expires so that its reuse is recognised.
CREATE TABLE refresh_tokens (
    digest text PRIMARY KEY,
    expires_at bigint NOT NULL,
    spent boolean NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    created_at bigint NOT NULL,
    retired_at bigint,
    record jsonb NOT NULL
);
CREATE INDEX signing_keys_by_retirement ON signing_keys (retired_at) WHERE retired_at IS NOT NULL;

-- jti → when the revoked access token expires anyway.
CREATE TABLE revoked_tokens (
    jti text PRIMARY KEY,
    expires_at bigint NOT NULL
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

-- Hex digest of the session token → session.
CREATE TABLE sessions (
    digest text PRIMARY KEY,
    expires_at bigint NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
