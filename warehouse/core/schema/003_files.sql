-- File exports dropped in the inbox (HR, and later ekonomi): what arrived, what became of it,
-- and the aggregate observations computed from it. No file content is stored: an HR or SIE
-- export can carry person-level detail, and the warehouse keeps aggregates only.
CREATE TABLE raw.file_loads (
    sha256      VARCHAR PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,          -- hr | sie | prognos | okänd
    received_at TIMESTAMPTZ NOT NULL,
    status      VARCHAR NOT NULL CHECK (status IN ('loaded', 'rejected')),
    error       VARCHAR,
    periods     VARCHAR[],
    rows        INTEGER
);

CREATE SEQUENCE raw.file_load_seq;

CREATE TABLE stg.file_observations (
    source       VARCHAR NOT NULL,     -- hr | ekonomi
    series       VARCHAR NOT NULL,     -- e.g. sjukfranvaro_korttid_andel
    breakdown    VARCHAR NOT NULL,     -- förvaltning, or 'T' for the whole kommun
    region       VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,     -- 2025M01 (SCB-style codes)
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    value        DOUBLE,
    status       VARCHAR NOT NULL,     -- '' or a suppression mark
    is_deleted   BOOLEAN NOT NULL,
    vintage      INTEGER NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    file_sha256  VARCHAR,              -- the file it came from (raw.file_loads)
    response_id  BIGINT,
    PRIMARY KEY (source, series, breakdown, region, period, vintage)
);

-- Kolada KPIs that cross-check an indicator read from the kommun's own files
-- (catalog field kolada_kontroll), compared side by side in ind.kolada_kontroll.
CREATE TABLE cfg.kontroller (
    indicator_id VARCHAR PRIMARY KEY,
    source       VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,
    breakdown    VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    jamfor       VARCHAR NOT NULL       -- the kommun's own yearly figure to compare
);
