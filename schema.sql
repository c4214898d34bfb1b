-- Switchboard's whole SQLite schema, applied at start-up.
-- Every statement is IF NOT EXISTS: upgrades run the ALTER steps in src/store/migrations.rs MIGRATIONS,
-- then re-apply this file, which adds new tables and indexes. PRAGMA user_version is the version.

-- One account for every dialect. `uid` is the account's UUID (PhoneBooks shows it dashed,
-- INEWW and v4.0 as 32 hex digits); `pk` is the integer id rooms shows; HelpAged shows the phone.
-- `phone` is NULL for an account registered through rooms without one (such an account never
-- logs in by phone); `username` is the rooms login name. Version 4 rebuilt this table to make
-- `phone` nullable (src/store/mod.rs).
CREATE TABLE IF NOT EXISTS accounts (
    pk            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    phone         TEXT    UNIQUE,
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
    kind         TEXT    NOT NULL,          -- 'jwt', 'typed', 'ineww_access', 'ineww_refresh', ...
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,          -- unix seconds
    expires_at   INTEGER,                   -- unix seconds; NULL = no absolute expiry
    last_used_at INTEGER NOT NULL,
    enduring     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_account ON tokens(account_pk, kind);
-- An INEWW pair is two rows written back to back by one transaction: the 'ineww_access' row,
-- and its 'ineww_refresh' row at the next id. The access row's id names the pair.

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
-- HelpAged `sms validate` finds a code by its digest alone (version 8).
CREATE INDEX IF NOT EXISTS codes_hash ON codes(code_hash);
-- Codes are deleted a day after they expire, a few at each new code (version 8).
CREATE INDEX IF NOT EXISTS codes_expires ON codes(expires_at);

-- Verification codes and fall alerts to deliver, written by the command that issued them, in
-- its transaction (docs/code-delivery.md). `state`: 'kept' when no webhook is configured (this
-- table is then the channel: `switchboard outbox`), else 'queued' until the webhook takes it
-- ('delivered') or the last attempt fails ('failed'). Version 9 rebuilt the table with these
-- columns and AUTOINCREMENT, so that an id (the webhook's delivery id) is never reused.
CREATE TABLE IF NOT EXISTS outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    phone              TEXT    NOT NULL,
    code               TEXT    NOT NULL,
    purpose            TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,          -- unix seconds
    state              TEXT    NOT NULL DEFAULT 'kept'
                       CHECK (state IN ('kept', 'queued', 'delivered', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0, -- POSTs started
    last_error         TEXT,                       -- why the latest failed POST failed
    next_attempt_at_ms INTEGER,                    -- unix ms; a queued row is due from then
    delivered_at       INTEGER                     -- unix seconds
);
CREATE INDEX IF NOT EXISTS outbox_phone ON outbox(phone, id);
-- Rows are deleted 7 days after they were queued, a few at each new row (version 8), except
-- rows still queued.
CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created_at);
-- The delivery loop's due rows, and the count of rows in each state (version 9).
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, next_attempt_at_ms);

-- Server settings kept with the data (the generated JWT secret).
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- HelpAged image captchas: only MD5(lower(code)+rand) is known to the client; we keep its digest.
CREATE TABLE IF NOT EXISTS image_captchas (
    digest     BLOB    PRIMARY KEY,
    expires_at INTEGER NOT NULL             -- unix seconds
);
-- Each new captcha deletes the expired ones (version 8).
CREATE INDEX IF NOT EXISTS image_captchas_expires ON image_captchas(expires_at);

-- HelpAged portraits, one per account.
CREATE TABLE IF NOT EXISTS portraits (
    account_pk   INTEGER PRIMARY KEY REFERENCES accounts(pk) ON DELETE CASCADE,
    content_type TEXT    NOT NULL,
    image        BLOB    NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- HelpAged camera devices. `device_id` is both the device's public id (device/list and
-- device/info show it to the accounts that bound it) and its upload token, so it is kept in
-- clear; devices are authenticated by `token_hash`, its SHA-256. Version 6 added `device_id`:
-- a device added before has NULL until its id is next presented (bind or notice upload).
-- Names are unique per adding account.
CREATE TABLE IF NOT EXISTS devices (
    pk         INTEGER PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    owner_pk   INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    device_id  TEXT,
    UNIQUE (owner_pk, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS devices_device_id ON devices(device_id);

CREATE TABLE IF NOT EXISTS device_bindings (
    device_pk  INTEGER NOT NULL REFERENCES devices(pk) ON DELETE CASCADE,
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    bound_at   INTEGER NOT NULL,
    PRIMARY KEY (device_pk, account_pk)
);
CREATE INDEX IF NOT EXISTS device_bindings_account ON device_bindings(account_pk);

-- Fall notices uploaded by devices, with their picture.
CREATE TABLE IF NOT EXISTS notices (
    pk           INTEGER PRIMARY KEY,
    event_id     TEXT    NOT NULL UNIQUE,
    device_pk    INTEGER NOT NULL REFERENCES devices(pk) ON DELETE CASCADE,
    pic_name     TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    image        BLOB    NOT NULL,
    created_at   INTEGER NOT NULL           -- unix seconds
);
CREATE INDEX IF NOT EXISTS notices_device ON notices(device_pk, created_at);

-- Which account has read (signed) which notice.
CREATE TABLE IF NOT EXISTS notice_reads (
    notice_pk  INTEGER NOT NULL REFERENCES notices(pk) ON DELETE CASCADE,
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (notice_pk, account_pk)
);
-- Deleting an account deletes its reads (version 8).
CREATE INDEX IF NOT EXISTS notice_reads_account ON notice_reads(account_pk);

-- INEWW profile fields of an account, written on its first INEWW profile update. An account
-- without a row (registered through any dialect) shows the defaults: gender 2, empty strings,
-- balance 0. `username` is accounts.name and `uid` accounts.uid, shared with every dialect.
CREATE TABLE IF NOT EXISTS ineww_profiles (
    account_pk    INTEGER PRIMARY KEY REFERENCES accounts(pk) ON DELETE CASCADE,
    gender        INTEGER NOT NULL DEFAULT 2,   -- 0 male, 1 female, 2 unknown
    signature     TEXT    NOT NULL DEFAULT '',
    avatar        TEXT    NOT NULL DEFAULT '',
    tags          TEXT    NOT NULL DEFAULT '',  -- comma-separated, as sent
    address       TEXT    NOT NULL DEFAULT '',
    company       TEXT    NOT NULL DEFAULT '',
    birthday      TEXT,                         -- YYYY-MM-DD
    balance_cents INTEGER NOT NULL DEFAULT 0,   -- no endpoint changes it
    updated_at    INTEGER NOT NULL              -- unix seconds
);

-- rooms-only fields of an account, written at its first rooms register, login or phone login.
-- `username`, `nickname`, `email`, `phone` and `pk` are the shared account's. `roomid` is the
-- room number assigned to the account; accounts and rooms draw room numbers from one space
-- (a number names one thing). `snsid` is set for accounts made by a (trusted) third-party login.
CREATE TABLE IF NOT EXISTS rooms_profiles (
    account_pk INTEGER PRIMARY KEY REFERENCES accounts(pk) ON DELETE CASCADE,
    roomid     INTEGER NOT NULL UNIQUE,
    sex        INTEGER NOT NULL DEFAULT 2,  -- 0 male, 1 female, 2 unknown
    age        INTEGER NOT NULL DEFAULT 0,
    country    TEXT    NOT NULL DEFAULT '',
    province   TEXT    NOT NULL DEFAULT '',
    city       TEXT    NOT NULL DEFAULT '',
    career     TEXT    NOT NULL DEFAULT '',
    login_type INTEGER NOT NULL DEFAULT 0,  -- 0 ordinary, 1 WeChat, 2 QQ, 3 Weibo
    img        TEXT    NOT NULL DEFAULT '', -- icon URL, stored as given, never fetched
    snsid      TEXT,
    updated_at INTEGER NOT NULL,            -- unix seconds
    UNIQUE (login_type, snsid)
);

-- Rooms of the rooms app; only the owner changes or deletes one, only active ones are listed.
CREATE TABLE IF NOT EXISTS rooms (
    pk         INTEGER PRIMARY KEY,
    owner_pk   INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    roomid     INTEGER NOT NULL UNIQUE,
    room_alias TEXT    NOT NULL UNIQUE,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL             -- unix seconds
);
CREATE INDEX IF NOT EXISTS rooms_active ON rooms(active, pk);
-- Deleting an account deletes its rooms (version 8).
CREATE INDEX IF NOT EXISTS rooms_owner ON rooms(owner_pk);

-- Counts kept in step with their tables by triggers, in the writing transaction, so that a
-- read answers them without counting rows (version 8). `active_rooms`: rooms with active = 1,
-- which every `GET /rooms/` shows. The store recounts them whenever the schema version moves.
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS rooms_active_insert AFTER INSERT ON rooms WHEN NEW.active = 1
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'active_rooms';
END;
CREATE TRIGGER IF NOT EXISTS rooms_active_delete AFTER DELETE ON rooms WHEN OLD.active = 1
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'active_rooms';
END;
CREATE TRIGGER IF NOT EXISTS rooms_active_update AFTER UPDATE OF active ON rooms
    WHEN (OLD.active = 1) <> (NEW.active = 1)
BEGIN
    UPDATE counters SET value = value + (NEW.active = 1) - (OLD.active = 1)
        WHERE name = 'active_rooms';
END;

-- v4.0 app fields of an account, written at its first v4 register, login or verify_code. v4
-- `name` is accounts.name and `user_id` accounts.uid (32 hex), shared with every dialect.
CREATE TABLE IF NOT EXISTS v4_profiles (
    account_pk        INTEGER PRIMARY KEY REFERENCES accounts(pk) ON DELETE CASCADE,
    device_identifier TEXT,                 -- the device of the last v4 register or login
    enterprise_id     INTEGER,              -- NULL: no enterprise (shown as -1); nothing sets it
    reset_phone       TEXT,                 -- the phone a verify_code succeeded for, and until
    reset_until       INTEGER,              -- when (unix seconds) forget_password may use it, once
    updated_at        INTEGER NOT NULL      -- unix seconds
);

-- Failed password checks of an account, across every dialect and login path (version 7). A row
-- exists only while it matters: a success deletes it, and old quiet rows are pruned.
CREATE TABLE IF NOT EXISTS login_failures (
    account_pk   INTEGER PRIMARY KEY REFERENCES accounts(pk) ON DELETE CASCADE,
    failures     INTEGER NOT NULL,          -- counted since the count last started
    last_failure INTEGER NOT NULL,          -- unix seconds
    locked_until INTEGER NOT NULL           -- unix seconds; checks before it are refused
);
-- Each failed login drops the rows quiet for the window: a range of this index, not a scan of
-- every attacked account (version 8). The expression is throttle::PRUNE_ACCOUNTS's.
CREATE INDEX IF NOT EXISTS login_failures_quiet ON login_failures(MAX(last_failure, locked_until));

-- Failed logins of one client address in one minute, across all accounts (version 7).
CREATE TABLE IF NOT EXISTS peer_failures (
    peer     TEXT    PRIMARY KEY,           -- the client address (behind trusted proxies, theirs)
    minute   INTEGER NOT NULL,              -- unix seconds / 60
    failures INTEGER NOT NULL
);
-- Each failed login drops the rows of past minutes: a range of this index (version 8).
CREATE INDEX IF NOT EXISTS peer_failures_minute ON peer_failures(minute);
