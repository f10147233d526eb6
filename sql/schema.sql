-- Fanout cluster store: the reference data model (SQLite backend).
--
-- The Redis and MongoDB backends store the same records under the same
-- names (Ant Media Server's, where it has one); see store/README.md.
--
-- Forward migrations: each "-- migration N" section runs once, in order,
-- in its own transaction, on databases whose PRAGMA user_version < N;
-- user_version then becomes N.  Never edit a section that has shipped:
-- add a new one.
--
-- Times are milliseconds since the Unix epoch.  A node's status is not
-- stored: it is alive while now - last_update_time <= period * factor.

-- migration 1
CREATE TABLE cluster_node (
    id               TEXT PRIMARY KEY,
    ip               TEXT NOT NULL,          -- the address others use
    http_port        INTEGER NOT NULL DEFAULT 5080,
    rtmp_port        INTEGER NOT NULL DEFAULT 0,
    role             TEXT NOT NULL CHECK (role IN ('origin', 'edge')),
    node_group       TEXT NOT NULL DEFAULT 'default',
    cpu              REAL NOT NULL DEFAULT 0,
    memory           INTEGER NOT NULL DEFAULT 0,
    active_streams   INTEGER NOT NULL DEFAULT 0,
    viewers          INTEGER NOT NULL DEFAULT 0,
    db_query_avg_ms  REAL NOT NULL DEFAULT 0,
    last_update_time INTEGER NOT NULL
);

CREATE TABLE broadcast (
    app               TEXT NOT NULL,
    stream_id         TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'created'
                      CHECK (status IN ('created', 'broadcasting',
                                        'finished', 'error')),
    type              TEXT NOT NULL DEFAULT 'liveStream',
    publish_type      TEXT NOT NULL DEFAULT '',
    origin_address    TEXT NOT NULL DEFAULT '',  -- JSON: originAdress
    origin_http_port  INTEGER NOT NULL DEFAULT 0,
    origin_node       TEXT NOT NULL DEFAULT '',  -- cluster_node.id
    session_id        TEXT NOT NULL DEFAULT '',  -- one per publish
    date              INTEGER NOT NULL,
    start_time        INTEGER NOT NULL DEFAULT 0,
    update_time       INTEGER NOT NULL,
    hls_viewer_count  INTEGER NOT NULL DEFAULT 0,
    dash_viewer_count INTEGER NOT NULL DEFAULT 0,
    bitrate           INTEGER NOT NULL DEFAULT 0,
    extra             TEXT NOT NULL DEFAULT '',  -- JSON object, more fields
    PRIMARY KEY (app, stream_id)
);
CREATE INDEX broadcast_status ON broadcast (status);

-- One row per (stream, node) that serves viewers; the broadcast's counts
-- are the sums over fresh rows.
CREATE TABLE viewer_report (
    app       TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    node_id   TEXT NOT NULL,
    hls       INTEGER NOT NULL DEFAULT 0,
    dash      INTEGER NOT NULL DEFAULT 0,
    updated   INTEGER NOT NULL,
    PRIMARY KEY (app, stream_id, node_id)
);

CREATE TABLE app_settings (
    app         TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,                 -- JSON object
    update_time INTEGER NOT NULL
);

CREATE TABLE vod (
    app           TEXT NOT NULL,
    vod_id        TEXT NOT NULL,
    stream_id     TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    file_path     TEXT NOT NULL DEFAULT '',
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    creation_date INTEGER NOT NULL,
    PRIMARY KEY (app, vod_id)
);

-- migration 2
-- The continuation a successor reads right after its claim (fo_progress):
-- written by the owning session only (fo_stream_progress_put); claim,
-- release and reap leave it as it is.
ALTER TABLE broadcast ADD COLUMN hls_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN hls_discontinuity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN dash_start_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN dash_period INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN dash_end_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN dash_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN progress_time INTEGER NOT NULL DEFAULT 0;

-- The history: one row per publish session (fo_session), numbered 1, 2, ...
-- per stream (seq).  Written in the transaction of the claim, release or
-- reap it records; a claim keeps the last 100 (seq > its own - 100).
-- Deleting the broadcast deletes its sessions.
CREATE TABLE publish_session (
    app              TEXT NOT NULL,
    stream_id        TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    session_id       TEXT NOT NULL,
    node_id          TEXT NOT NULL,
    origin_address   TEXT NOT NULL DEFAULT '',
    origin_http_port INTEGER NOT NULL DEFAULT 0,
    start_time       INTEGER NOT NULL,
    end_time         INTEGER NOT NULL DEFAULT 0,   -- 0 while live
    end_reason       TEXT NOT NULL DEFAULT ''      -- released, takenOver,
                                                   -- reaped; '' while live
                     CHECK (end_reason IN ('', 'released', 'takenOver',
                                           'reaped')),
    PRIMARY KEY (app, stream_id, seq)
);
-- The live entries, for reap (a scan of these, not of every stream's 100).
CREATE INDEX publish_session_live ON publish_session (app, stream_id)
    WHERE end_time = 0;

-- migration 3
-- One-time stream tokens (Ant Media's Token): GET .../broadcasts/{id}/token
-- creates one, a publish (or play) uses it once (fo_token_consume: one
-- DELETE with every condition in its WHERE).  expire_date is Unix seconds,
-- Ant Media's expireDate; every put deletes the expired ones.
CREATE TABLE stream_token (
    token_id    TEXT PRIMARY KEY,
    app         TEXT NOT NULL,
    stream_id   TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('publish', 'play')),
    expire_date INTEGER NOT NULL
);
CREATE INDEX stream_token_expiry ON stream_token (expire_date);

-- migration 4
-- Node metrics: cpu is now the machine's CPU % (it was the process's);
-- memory (the process's resident bytes) becomes process_rss, next to the
-- machine's memory %, the process's CPU %, the 1-minute load average, the
-- MongoDB replica set's lag (-1 unknown) and, for edges, the wall-clock
-- times of the last good and the last failed fetch from an origin (0 none).
ALTER TABLE cluster_node RENAME COLUMN memory TO process_rss;
ALTER TABLE cluster_node ADD COLUMN mem_percent REAL NOT NULL DEFAULT 0;
ALTER TABLE cluster_node ADD COLUMN process_cpu REAL NOT NULL DEFAULT 0;
ALTER TABLE cluster_node ADD COLUMN load1 REAL NOT NULL DEFAULT 0;
ALTER TABLE cluster_node ADD COLUMN repl_lag_ms REAL NOT NULL DEFAULT -1;
ALTER TABLE cluster_node ADD COLUMN origin_ok_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cluster_node ADD COLUMN origin_fail_ms INTEGER NOT NULL DEFAULT 0;

-- migration 5
-- The store cannot be grown by strangers (issue #14).  auto_created: the
-- broadcast was created by a publish's claim, not through REST; once
-- finished it is deleted after store.auto_broadcast_retention_s
-- (fo_broadcast_expire_auto), whose scan is the partial index below.
-- Lists sort and page in SQL (ORDER BY ... LIMIT ... OFFSET): an index
-- per sort key, within the app.
ALTER TABLE broadcast ADD COLUMN auto_created INTEGER NOT NULL DEFAULT 0;
CREATE INDEX broadcast_auto_finished ON broadcast (update_time)
    WHERE auto_created = 1 AND status = 'finished';
CREATE INDEX broadcast_app_name ON broadcast (app, name, stream_id);
CREATE INDEX broadcast_app_date ON broadcast (app, date, stream_id);
CREATE INDEX broadcast_app_status ON broadcast (app, status, stream_id);

-- migration 6
-- Leases (fo_lease_acquire): one holder of a name at a time, until
-- expires_ms on the store's clock; acquiring again renews.  The alert
-- evaluator's lease ("alerts") makes one origin at a time evaluate.
CREATE TABLE lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);

-- Alerts (fo_alert), raised and ended by the evaluator: every active one
-- (ended_ms = 0) and the last 100 ended (a put drops older ended ones).
-- subject is a node id or "app/streamId".
CREATE TABLE alert (
    id         TEXT PRIMARY KEY,
    rule       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    value      REAL NOT NULL DEFAULT 0,
    threshold  REAL NOT NULL DEFAULT 0,
    started_ms INTEGER NOT NULL,
    ended_ms   INTEGER NOT NULL DEFAULT 0,     -- 0 while active
    message    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_ended ON alert (ended_ms);

-- migration 7
-- The web console's users (Ant Media's User: email, userType).  The
-- password is kept only as libsodium's argon2id string; revoked_ms voids
-- the sessions issued at or before it (logout), on the store's clock.
CREATE TABLE console_user (
    email         TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    user_type     TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    revoked_ms    INTEGER NOT NULL DEFAULT 0
);

-- migration 8
-- Node samples (fo_node_sample): each node's CPU %, memory %, viewers and
-- store query time, appended by the alert evaluator every
-- alerts.sample_interval_ms for the console's charts; a put drops every
-- sample older than its keep window (at most an hour), and a node's
-- samples go with it.
CREATE TABLE node_sample (
    node_id         TEXT NOT NULL,              -- cluster_node.id
    time_ms         INTEGER NOT NULL,
    cpu             REAL NOT NULL DEFAULT 0,
    mem_percent     REAL NOT NULL DEFAULT 0,
    viewers         INTEGER NOT NULL DEFAULT 0,
    db_query_avg_ms REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, time_ms)
);
CREATE INDEX node_sample_time ON node_sample (time_ms);

-- migration 9
-- A live stream's figures (issue #15), written by the owning session's
-- progress put with the continuation, so a broadcast read has them:
-- speed (Ant Media's; 1.0 = real time) and renditions (Fanout's own: a
-- JSON array of what the master playlist offers).  bitrate is the
-- existing column, now the measured ingest rate while it broadcasts.
ALTER TABLE broadcast ADD COLUMN speed REAL NOT NULL DEFAULT 0;
ALTER TABLE broadcast ADD COLUMN renditions TEXT NOT NULL DEFAULT '';

-- migration 10
-- Failed console logins, counted for the whole cluster (issue #15): one
-- row per key ("addr:<address>" or "user:<email>") with an open window,
-- which ends at window_end (ms, the store's clock).  Rows of ended
-- windows are deleted on each add (login_failure_end).
CREATE TABLE login_failure (
    key        TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL,
    window_end INTEGER NOT NULL
);
CREATE INDEX login_failure_end ON login_failure (window_end);

-- migration 11
-- Egress (issue #15): the bits per second a node's HTTP server sent,
-- averaged over its last heartbeat period (an origin: to edges and direct
-- viewers; an edge: stream responses to viewers).  Rows written before it
-- read 0.
ALTER TABLE cluster_node ADD COLUMN egress_bps INTEGER NOT NULL DEFAULT 0;

-- migration 12
-- The continuation's current DASH Period start (fo_progress
-- dash_period_start_ms, issue #12): a successor lists the Period a player
-- may still be in with its own start, so that no player is moved out of
-- it.  Rows written before it read 0.
ALTER TABLE broadcast ADD COLUMN dash_period_start_ms INTEGER NOT NULL DEFAULT 0;
