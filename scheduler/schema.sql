-- narcoscope scheduler tables, in the record store DB (Paths.db). Owned by scheduler/.
PRAGMA journal_mode = WAL;

-- One row per attempt of a task's schedule slot. A retry is a new row (attempt + 1), so the
-- history keeps every attempt; UNIQUE(task, slot, attempt) makes enqueueing idempotent.
CREATE TABLE IF NOT EXISTS jobs (
    job_id       INTEGER PRIMARY KEY,
    task         TEXT NOT NULL,          -- 'crawl:tortuga', 'report:weekly'
    kind         TEXT NOT NULL,          -- crawl | report
    source       TEXT NOT NULL DEFAULT '',
    slot         TEXT NOT NULL,          -- the schedule time the run stands for (crawl observed_at)
    attempt      INTEGER NOT NULL DEFAULT 1,
    due_at       TEXT NOT NULL,          -- slot + jitter, or the retry time
    status       TEXT NOT NULL DEFAULT 'queued',
        -- queued | running | succeeded | failed | cancelled | missed | skipped
    trigger      TEXT NOT NULL DEFAULT 'schedule',  -- schedule | retry | manual
    owner        TEXT,                   -- scheduler instance holding the lease
    lease_until  TEXT,
    pid          INTEGER,
    started_at   TEXT,
    finished_at  TEXT,
    exit_code    INTEGER,
    crawl_id     TEXT,
    pages        INTEGER,
    listings     INTEGER,
    blocked      INTEGER,
    errors       INTEGER,
    tor_failures INTEGER,
    index_lag_s  REAL,
    spawn_delay_s REAL,                  -- from due to child start: the scheduler's own latency
    error        TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    UNIQUE (task, slot, attempt)
);
CREATE INDEX IF NOT EXISTS jobs_status_due ON jobs(status, due_at);
CREATE INDEX IF NOT EXISTS jobs_task ON jobs(task, slot);

-- Per task: the next slot to enqueue, pause flag, and the dead-source back-off.
CREATE TABLE IF NOT EXISTS schedules (
    task         TEXT PRIMARY KEY,
    next_slot    TEXT NOT NULL,
    paused       INTEGER NOT NULL DEFAULT 0,
    dead_streak  INTEGER NOT NULL DEFAULT 0,
    dead_until   TEXT
);

-- Scheduler instances and their heartbeats (a crashed instance's leases expire).
CREATE TABLE IF NOT EXISTS scheduler_instances (
    owner        TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    metrics_url  TEXT
);

-- Health alerts: a run that does not look like its source's recent history.
CREATE TABLE IF NOT EXISTS health_alerts (
    alert_id     INTEGER PRIMARY KEY,
    raised_at    TEXT NOT NULL,
    source       TEXT NOT NULL,
    crawl_id     TEXT,
    job_id       INTEGER,
    symptom      TEXT NOT NULL,          -- few-listings | empty-field:price | blocked-jump | unreachable
    detail       TEXT NOT NULL,
    UNIQUE (crawl_id, symptom)
);

-- Crawls whose volume must not be read as a market change (reports exclude them).
CREATE TABLE IF NOT EXISTS crawl_flags (
    crawl_id     TEXT NOT NULL,
    flag         TEXT NOT NULL,          -- 'suspect-volume'
    reason       TEXT NOT NULL,
    flagged_at   TEXT NOT NULL,
    PRIMARY KEY (crawl_id, flag)
);

-- What each finished crawl looked like: the history a new crawl is compared with.
CREATE TABLE IF NOT EXISTS crawl_health (
    crawl_id     TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    observed_at  TEXT NOT NULL,
    pages        INTEGER NOT NULL,
    blocked      INTEGER NOT NULL,
    listings     INTEGER NOT NULL,
    empty_price  REAL NOT NULL,          -- share of this crawl's listings with no price
    empty_vendor REAL NOT NULL,
    suspect      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS crawl_health_source ON crawl_health(source, observed_at);
