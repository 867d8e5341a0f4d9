-- narcoscope record store. What pages *said* (listings, vendors, posts) and what narcoscope
-- *extracted* (extractions) live in separate tables, so extraction can be re-run.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS crawls (
    crawl_id    TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',   -- running | finished | failed
    stats       TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS pages (
    crawl_id    TEXT NOT NULL,
    url         TEXT NOT NULL,
    source      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    digest      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    blocked     TEXT,
    warc_path   TEXT,
    warc_offset INTEGER,
    PRIMARY KEY (crawl_id, url)
);
CREATE INDEX IF NOT EXISTS pages_digest ON pages(digest);
CREATE INDEX IF NOT EXISTS pages_url ON pages(url);

CREATE TABLE IF NOT EXISTS listings (
    doc_id      TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    listing_id  TEXT NOT NULL,
    url         TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    category    TEXT NOT NULL,
    vendor      TEXT NOT NULL,
    prices      TEXT NOT NULL,
    ships_from  TEXT NOT NULL,
    ships_to    TEXT NOT NULL,
    extra       TEXT NOT NULL,
    page_digest TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS listings_source ON listings(source);

CREATE TABLE IF NOT EXISTS observations (
    obs_id      TEXT PRIMARY KEY,
    doc_id      TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    price_text  TEXT NOT NULL,
    page_digest TEXT NOT NULL,
    crawl_id    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS observations_doc ON observations(doc_id, observed_at);

CREATE TABLE IF NOT EXISTS vendors (
    vendor_id   TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    rating      TEXT NOT NULL,
    pgp_key     TEXT NOT NULL,
    description TEXT NOT NULL,
    contacts    TEXT NOT NULL,
    page_digest TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS posts (
    doc_id       TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    post_id      TEXT NOT NULL,
    url          TEXT NOT NULL,
    author       TEXT NOT NULL,
    body         TEXT NOT NULL,
    posted_at    TEXT NOT NULL,
    thread_title TEXT NOT NULL,
    board        TEXT NOT NULL,
    page_digest  TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS extractions (
    doc_id            TEXT PRIMARY KEY,
    extractor_version TEXT NOT NULL,
    extracted_at      TEXT NOT NULL,
    data              TEXT NOT NULL
);

-- The crawl frontier: every request a crawl has seen, so a killed crawl resumes where it stood.
-- Written in the same transactions as the pages and records, so what is committed is consistent.
CREATE TABLE IF NOT EXISTS frontier (
    crawl_id TEXT NOT NULL,
    fp       TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    state    TEXT NOT NULL,          -- pending | inflight | done | failed
    request  TEXT NOT NULL,          -- Request.to_dict() as JSON
    PRIMARY KEY (crawl_id, fp)
);
CREATE INDEX IF NOT EXISTS frontier_next ON frontier(crawl_id, state, priority DESC, seq);
