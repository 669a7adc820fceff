-- 001_init.sql — the first schema of the store (include/solidarity/store.h says what each
-- holds). One description for both dialects; embed.py renders it for SQLite and for
-- PostgreSQL (its header says how). Times are microseconds since 1970 (INTEGER); TLP
-- levels are enum sol_tlp.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- TAXII 2.1 §4.2
CREATE TABLE api_roots (
  name               TEXT PRIMARY KEY,
  title              TEXT NOT NULL,
  description        TEXT,
  max_content_length INTEGER NOT NULL CHECK (max_content_length > 0)
);

-- TAXII 2.1 §5.2. last_date_added keeps date_added strictly increasing per collection:
-- each add computes max(now, last_date_added + 1) under the collection's write lock.
-- key is the short handle objects refer to (a UUID text in every object row and index
-- entry would cost ~100 bytes per version).
CREATE TABLE collections (
  key             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  api_root        TEXT NOT NULL REFERENCES api_roots(name) ON DELETE CASCADE,
  title           TEXT NOT NULL,
  description     TEXT,
  alias           TEXT,
  media_types     TEXT,
  default_tlp     INTEGER NOT NULL CHECK (default_tlp BETWEEN {TLP_CLEAR} AND {TLP_RED}),
  created         INTEGER NOT NULL,
  last_date_added INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX collections_alias ON collections(api_root, alias) WHERE alias IS NOT NULL;

-- Object versions. seq is the keyset cursor's tie-breaker (never reused).
-- version is modified, else created, else (versionless) the first date_added.
CREATE TABLE objects (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  collection     INTEGER NOT NULL REFERENCES collections(key) ON DELETE CASCADE,
  id             TEXT NOT NULL,
  version        INTEGER NOT NULL,
  versionless    BOOLEAN NOT NULL DEFAULT FALSE,
  date_added     INTEGER NOT NULL,
  type           TEXT NOT NULL,
  spec_version   TEXT NOT NULL,
  tlp            INTEGER NOT NULL CHECK (tlp BETWEEN {TLP_CLEAR} AND {TLP_RED}),
  red_recipients TEXT NOT NULL DEFAULT '',
  revoked        BOOLEAN NOT NULL DEFAULT FALSE,
  origin         TEXT,
  json           TEXT NOT NULL
);
-- One row per (collection, id, version); also the index of id lookups and of the
-- per-object version subqueries. Named, so that queries by id can insist on it.
CREATE UNIQUE INDEX objects_version ON objects(collection, id, version);
-- The keyset cursor walks (collection, date_added, seq); UNIQUE enforces strict increase.
CREATE UNIQUE INDEX objects_added ON objects(collection, date_added);
-- @postgresql
-- At most one versionless (SCO) row per object id: the arbiter of the add's ON CONFLICT
-- (store_sqlite.c looks the row up under its write lock instead).
CREATE UNIQUE INDEX objects_versionless ON objects(collection, id) WHERE versionless;
-- @end

-- TAXII 2.1 §4.3
CREATE TABLE status (
  id                TEXT PRIMARY KEY,
  status            TEXT NOT NULL,
  request_timestamp INTEGER NOT NULL,
  total_count       INTEGER NOT NULL,
  success_count     INTEGER NOT NULL,
  failure_count     INTEGER NOT NULL,
  pending_count     INTEGER NOT NULL,
  owner             TEXT
);
CREATE INDEX status_time ON status(request_timestamp);
CREATE TABLE status_entries (
  status_id TEXT NOT NULL REFERENCES status(id) ON DELETE CASCADE,
  kind      INTEGER NOT NULL, -- 0 success, 1 failure, 2 pending
  idx       INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  version   TEXT NOT NULL,
  message   TEXT,
  PRIMARY KEY (status_id, kind, idx)
) WITHOUT ROWID;

CREATE TABLE partners (
  id       INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  identity TEXT NOT NULL UNIQUE,
  created  INTEGER NOT NULL
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  partner_id    INTEGER NOT NULL REFERENCES partners(id),
  clearance     INTEGER NOT NULL CHECK (clearance BETWEEN {TLP_CLEAR} AND {TLP_RED}),
  is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
  password_hash TEXT,
  created       INTEGER NOT NULL
);

-- Only a hash of each token is kept.
CREATE TABLE tokens (
  id        INTEGER PRIMARY KEY,
  name      TEXT,
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash      BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  created   INTEGER NOT NULL,
  last_used INTEGER NOT NULL DEFAULT 0,
  revoked   BOOLEAN NOT NULL DEFAULT FALSE
);

-- A grant is for a partner or for a user, never both.
CREATE TABLE grants (
  collection TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  partner_id INTEGER NOT NULL DEFAULT 0,
  user_id    INTEGER NOT NULL DEFAULT 0,
  can_read   BOOLEAN NOT NULL DEFAULT FALSE,
  can_write  BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (collection, partner_id, user_id),
  CHECK ((partner_id = 0) <> (user_id = 0))
) WITHOUT ROWID;

CREATE TABLE peers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  url         TEXT NOT NULL,
  partner     TEXT,
  token       TEXT,
  config_json TEXT,
  created     INTEGER NOT NULL,
  last_sync   INTEGER NOT NULL DEFAULT 0
);

-- Append-only: the triggers refuse any change to what was written.
CREATE TABLE audit (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT,
  details TEXT
);
-- @sqlite
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- @postgresql
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'the audit log is append-only'; END$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
-- @end
