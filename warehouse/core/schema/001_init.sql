-- Layers: raw (responses as received), stg (tidy observations with vintages),
-- cfg (catalog, calendar, settings as loaded), ind (indicator status and due list),
-- rep (what was reported to KF).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS stg;
CREATE SCHEMA IF NOT EXISTS cfg;
CREATE SCHEMA IF NOT EXISTS ind;
CREATE SCHEMA IF NOT EXISTS rep;

CREATE SEQUENCE raw.kolada_response_id;

-- One row per distinct response body per URL: a re-fetch that returns the same bytes is
-- recorded in raw.kolada_fetches but not stored again.
CREATE TABLE raw.kolada_responses (
    response_id  BIGINT PRIMARY KEY DEFAULT nextval('raw.kolada_response_id'),
    url          VARCHAR NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    status_code  INTEGER NOT NULL,
    sha256       VARCHAR NOT NULL,
    payload      JSON NOT NULL,
    UNIQUE (url, sha256)
);

-- Each fetch of a partition: when, what scope, and which responses made it up.
CREATE TABLE raw.kolada_fetches (
    fetch_id      VARCHAR PRIMARY KEY,
    partition_key VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    kpis          VARCHAR[] NOT NULL,
    municipalities VARCHAR[] NOT NULL,
    years         INTEGER[] NOT NULL,
    response_ids  BIGINT[] NOT NULL,
    run_id        VARCHAR
);

-- KPI metadata as last fetched (title, description, publication dates).
CREATE TABLE raw.kolada_kpi (
    kpi                   VARCHAR PRIMARY KEY,
    title                 VARCHAR,
    description           VARCHAR,
    is_divided_by_gender  BOOLEAN,
    municipality_type     VARCHAR,
    operating_area        VARCHAR,
    publ_period           VARCHAR,
    publication_date      DATE,
    prel_publication_date DATE,
    response_id           BIGINT NOT NULL
);

CREATE TABLE raw.kolada_municipality_group_members (
    group_id     VARCHAR NOT NULL,
    group_title  VARCHAR,
    member_id    VARCHAR NOT NULL,
    member_title VARCHAR,
    response_id  BIGINT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);

-- Every value ever seen, with vintages: a revised or deleted value adds a row and keeps
-- the earlier one. first_seen is when the value first appeared in a fetch; fetched_at and
-- response_id point at the raw response it was loaded from.
CREATE TABLE stg.kolada_observations (
    source      VARCHAR NOT NULL DEFAULT 'kolada',
    series      VARCHAR NOT NULL,   -- KPI id
    breakdown   VARCHAR NOT NULL,   -- gender T/K/M
    region      VARCHAR NOT NULL,   -- kommunkod / Kolada municipality id
    period      VARCHAR NOT NULL,   -- '2022'
    period_end  DATE NOT NULL,
    value       DOUBLE,             -- NULL when the source has no value
    status      VARCHAR NOT NULL,
    is_deleted  BOOLEAN NOT NULL,
    vintage     INTEGER NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    response_id BIGINT,
    PRIMARY KEY (series, breakdown, region, period, vintage)
);

-- All sources' observations; later sources add their table to this union.
CREATE VIEW stg.observations AS
SELECT source, series, breakdown, region, period, period_end, value, status, is_deleted,
       vintage, first_seen, fetched_at, response_id
FROM stg.kolada_observations;

-- The latest vintage of every key that is not deleted: "what we know now".
CREATE VIEW stg.current_observations AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
        PARTITION BY source, series, breakdown, region, period ORDER BY vintage DESC) AS rn
    FROM stg.observations)
WHERE rn = 1 AND NOT is_deleted;

CREATE TABLE cfg.settings (
    kommun          VARCHAR NOT NULL,
    kommun_namn     VARCHAR NOT NULL,
    jamforelsegrupp VARCHAR
);

CREATE TABLE cfg.indicators (
    indicator_id     VARCHAR PRIMARY KEY,
    namnd            VARCHAR NOT NULL,
    name             VARCHAR NOT NULL,
    malomrade        VARCHAR NOT NULL,
    indikator_kalla  VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    series           VARCHAR,     -- KPI id / table id; NULL while the source is pending
    breakdown        VARCHAR,
    region           VARCHAR NOT NULL,
    unit             VARCHAR NOT NULL,
    decimals         INTEGER NOT NULL,
    direction        VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    onskat_varde     DOUBLE NOT NULL,
    target_year      INTEGER,
    tolerance        DOUBLE NOT NULL,
    uppdrag          BOOLEAN NOT NULL,
    budgetpaverkan   BOOLEAN NOT NULL,
    indikator_kf     BOOLEAN NOT NULL,
    frequency        VARCHAR NOT NULL,
    report_revisions BOOLEAN NOT NULL,
    note             VARCHAR,
    catalog_file     VARCHAR NOT NULL
);

CREATE TABLE cfg.kf_meetings (
    meeting_date   DATE PRIMARY KEY,
    paper_deadline DATE NOT NULL,
    note           VARCHAR
);

-- What was presented at which KF meeting. Never updated: "what did we report on date X"
-- is a plain filter on meeting_date, and later revisions do not change it.
CREATE TABLE rep.report_log (
    meeting_date DATE NOT NULL,
    indicator_id VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    period_end   DATE NOT NULL,
    value        DOUBLE,
    vintage      INTEGER NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    reported_at  TIMESTAMPTZ NOT NULL,
    reported_by  VARCHAR,
    PRIMARY KEY (meeting_date, indicator_id)
);
