-- entities: vendor identity evidence and the NPS candidate registry, in the record store DB.
-- Derived data only: every row can be rebuilt from the record store (`narcoscope vendors --rebuild`).

CREATE TABLE IF NOT EXISTS entity_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per vendor account (from vendor pages, or only from listings that name it).
CREATE TABLE IF NOT EXISTS entity_vendors (
    vendor_id   TEXT PRIMARY KEY,           -- Vendor.vendor_id: stable_id("vendor", source, name.casefold())
    source      TEXT NOT NULL,
    name        TEXT NOT NULL,
    fingerprint TEXT,                       -- OpenPGP v4 fingerprint of the profile's key
    key_error   TEXT,                       -- why a pasted key did not parse
    page_digest TEXT NOT NULL DEFAULT '',
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_vendors_fpr ON entity_vendors(fingerprint);

-- Contact handles, where each was found.
CREATE TABLE IF NOT EXISTS vendor_handles (
    vendor_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,              -- xmpp | email | wickr | session | telegram | contact
    value       TEXT NOT NULL,              -- normalised
    found_in    TEXT NOT NULL,              -- contacts | vendor_description | listing:<doc_id>
    page_digest TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (vendor_id, kind, value, found_in)
);
CREATE INDEX IF NOT EXISTS vendor_handles_value ON vendor_handles(kind, value);

-- Evidence that two accounts are one seller. vendor_a < vendor_b.
CREATE TABLE IF NOT EXISTS vendor_links (
    kind        TEXT NOT NULL,              -- pgp | contact | name | name_similar
    value       TEXT NOT NULL,              -- fingerprint, kind:handle, or the two names
    vendor_a    TEXT NOT NULL,
    vendor_b    TEXT NOT NULL,
    tier        TEXT NOT NULL,              -- strong | weak
    source_a    TEXT NOT NULL,
    source_b    TEXT NOT NULL,
    digest_a    TEXT NOT NULL,
    digest_b    TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (kind, value, vendor_a, vendor_b)
);
CREATE INDEX IF NOT EXISTS vendor_links_a ON vendor_links(vendor_a);
CREATE INDEX IF NOT EXISTS vendor_links_b ON vendor_links(vendor_b);

-- Union-find over strong links: every account's identity (itself when unlinked).
CREATE TABLE IF NOT EXISTS vendor_identities (
    vendor_id   TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vendor_identities_id ON vendor_identities(identity_id);

-- Each document in which the extractor flagged a candidate name.
CREATE TABLE IF NOT EXISTS candidate_sightings (
    candidate   TEXT NOT NULL,              -- key: whitespace-collapsed, case-folded
    doc_id      TEXT NOT NULL,
    name        TEXT NOT NULL,              -- as written
    kind        TEXT NOT NULL,              -- listing | post
    source      TEXT NOT NULL,
    vendor      TEXT NOT NULL,              -- listing vendor, or post author
    vendor_id   TEXT NOT NULL,              -- '' for posts
    seen_at     TEXT NOT NULL,              -- the document's first observation
    page_digest TEXT NOT NULL,
    PRIMARY KEY (candidate, doc_id)
);
CREATE INDEX IF NOT EXISTS candidate_sightings_seen ON candidate_sightings(candidate, seen_at);

-- Analyst decisions on candidates; rejected names are not listed again.
CREATE TABLE IF NOT EXISTS candidate_decisions (
    candidate   TEXT PRIMARY KEY,
    decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    substance_id TEXT,
    class       TEXT,
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL
);
