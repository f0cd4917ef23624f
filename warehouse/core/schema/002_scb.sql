-- SCB (PxWebApi 2.0): raw responses, table checks (the incremental refresh), fetches,
-- observations with the table each came from, and the notes that go with the figures.
-- stg.observations / stg.current_observations move to sql/observations.sql (views hold no
-- data and are re-created on every connect), so each new source only edits that file.
DROP VIEW stg.current_observations;
DROP VIEW stg.observations;

CREATE SEQUENCE raw.scb_response_id;

-- One row per distinct response body per request (URL and POST body).
CREATE TABLE raw.scb_responses (
    response_id    BIGINT PRIMARY KEY DEFAULT nextval('raw.scb_response_id'),
    url            VARCHAR NOT NULL,
    request_sha256 VARCHAR NOT NULL,   -- sha256 of the POST body ('' for GET)
    request_body   JSON,               -- the selection sent, codes only
    fetched_at     TIMESTAMPTZ NOT NULL,
    status_code    INTEGER NOT NULL,
    sha256         VARCHAR NOT NULL,
    payload        JSON NOT NULL,
    UNIQUE (url, request_sha256, sha256)
);

-- Every read of GET /tables/{id}: the table's `updated` (SCB's publication time) and
-- whether data was fetched because of it. A check without a fetch is the nightly skip.
CREATE TABLE raw.scb_table_checks (
    checked_at    TIMESTAMPTZ NOT NULL,
    table_id      VARCHAR NOT NULL,
    updated       TIMESTAMPTZ NOT NULL,
    label         VARCHAR,
    first_period  VARCHAR,
    last_period   VARCHAR,
    partition_key VARCHAR NOT NULL,
    series        VARCHAR NOT NULL,
    data_fetched  BOOLEAN NOT NULL,
    response_id   BIGINT NOT NULL,
    run_id        VARCHAR
);

-- Each data fetch of one table for one series and partition.
CREATE TABLE raw.scb_fetches (
    fetch_id      VARCHAR PRIMARY KEY,
    partition_key VARCHAR NOT NULL,
    series        VARCHAR NOT NULL,
    table_id      VARCHAR NOT NULL,
    plan_sha256   VARCHAR NOT NULL,   -- the request plan (selection, codelists): a changed plan refetches
    table_updated TIMESTAMPTZ NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    regions       VARCHAR[] NOT NULL,
    periods       VARCHAR[] NOT NULL,
    response_ids  BIGINT[] NOT NULL,
    run_id        VARCHAR
);

CREATE TABLE stg.scb_observations (
    source       VARCHAR NOT NULL DEFAULT 'scb',
    series       VARCHAR NOT NULL,   -- the catalog's stitched series id, e.g. folkmangd
    breakdown    VARCHAR NOT NULL,   -- 'T': SCB series pin their breakdown in the catalog
    region       VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,   -- SCB time code: 2024, 2026M04, 2024K2
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    value        DOUBLE,             -- NULL when SCB has no figure; the symbol is in status
    status       VARCHAR NOT NULL,   -- SCB's cell symbol ('..', '-', …) or ''
    is_deleted   BOOLEAN NOT NULL,
    vintage      INTEGER NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,        -- the table's `updated` when this vintage arrived
    source_table VARCHAR NOT NULL,   -- TAB638, TAB5557, …: each value keeps its table
    contents     VARCHAR NOT NULL,   -- ContentsCode
    response_id  BIGINT,
    PRIMARY KEY (series, breakdown, region, period, vintage)
);

-- The notes of every stored data response (mandatory ones must be shown with the figures).
CREATE TABLE stg.scb_notes (
    response_id BIGINT NOT NULL,
    table_id    VARCHAR NOT NULL,
    dimension   VARCHAR NOT NULL,     -- '' for a note on the whole table
    category    VARCHAR NOT NULL,     -- '' unless the note belongs to one code
    note_index  INTEGER NOT NULL,
    mandatory   BOOLEAN NOT NULL,
    text        VARCHAR NOT NULL,
    PRIMARY KEY (response_id, dimension, category, note_index)
);
