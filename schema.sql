-- Switchboard's whole SQLite schema, applied at start-up.
-- Version 1. Upgrades append a new block in src/store/mod.rs MIGRATIONS and bump PRAGMA user_version.

-- One account for every dialect. `uid` is the account's UUID (PhoneBooks shows it dashed,
-- INEWW and v4.0 as 32 hex digits); `pk` is the integer id rooms shows; HelpAged shows the phone.
CREATE TABLE IF NOT EXISTS accounts (
    pk            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    phone         TEXT    NOT NULL UNIQUE,
    username      TEXT    UNIQUE,
    email         TEXT,
    name          TEXT,
    nickname      TEXT,
    password_hash TEXT    NOT NULL,
    level         INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL          -- unix microseconds
);

-- PhoneBooks contacts, each owned by one account.
CREATE TABLE IF NOT EXISTS contacts (
    uid        TEXT    PRIMARY KEY,         -- UUID v1, dashed
    owner_pk   INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    intime     TEXT    NOT NULL             -- %Y%m%d%H%M%S, server local time
);
CREATE INDEX IF NOT EXISTS contacts_owner ON contacts(owner_pk, uid);

CREATE TABLE IF NOT EXISTS contact_phones (
    pid         TEXT PRIMARY KEY,
    contact_uid TEXT NOT NULL REFERENCES contacts(uid) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    intime      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contact_phones_contact ON contact_phones(contact_uid, pid);

CREATE TABLE IF NOT EXISTS contact_mails (
    mid         TEXT PRIMARY KEY,
    contact_uid TEXT NOT NULL REFERENCES contacts(uid) ON DELETE CASCADE,
    mail        TEXT NOT NULL,
    intime      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contact_mails_contact ON contact_mails(contact_uid, mid);

-- Every live credential of every dialect, stored as SHA-256 of the token text (JWTs included,
-- so that a JWT can be revoked). Deleting a row revokes the token.
CREATE TABLE IF NOT EXISTS tokens (
    id           INTEGER PRIMARY KEY,
    account_pk   INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,          -- 'jwt', later 'typed', 'ineww_access', ...
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,          -- unix seconds
    expires_at   INTEGER,                   -- unix seconds; NULL = no absolute expiry
    last_used_at INTEGER NOT NULL,
    enduring     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_account ON tokens(account_pk, kind);

-- Verification codes: only the SHA-256 of the code is kept.
CREATE TABLE IF NOT EXISTS codes (
    id         INTEGER PRIMARY KEY,
    phone      TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    code_hash  BLOB    NOT NULL,
    created_at INTEGER NOT NULL,            -- unix seconds
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS codes_phone ON codes(phone, created_at);

-- What the default code sender "sent": read with `switchboard outbox`.
CREATE TABLE IF NOT EXISTS outbox (
    id         INTEGER PRIMARY KEY,
    phone      TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    created_at INTEGER NOT NULL             -- unix seconds
);
CREATE INDEX IF NOT EXISTS outbox_phone ON outbox(phone, id);

-- Server settings kept with the data (the generated JWT secret).
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
