-- Arbetsförmedlingen's monthly statistics files (sources/af.py): every download with its
-- sha256 (AF replaces files under the same name; the file itself is kept on disk, beside
-- the warehouse, under its hash), the per-kommun totals read from each file (aggregates:
-- the files hold counts per kommun, no person), and the observations computed from them.
CREATE TABLE raw.af_files (
    file_month    VARCHAR NOT NULL,     -- the YYYY-MM in the file name (the partition key)
    kind          VARCHAR NOT NULL,     -- bas | sok | tid | svag | yrke
    file_name     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,     -- the download URL it was fetched from
    sha256        VARCHAR NOT NULL,
    bytes         BIGINT NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    path          VARCHAR NOT NULL,     -- where the downloaded file is kept
    alder         VARCHAR,              -- age band from the heading of sheet `andel` (bas)
    namnare       VARCHAR,              -- denominator basis BAS | RAMS (bas)
    run_id        VARCHAR
);

CREATE TABLE stg.af_file_totals (
    file_sha256 VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,       -- YYYY-MM, as the file's PERIOD
    region      VARCHAR NOT NULL,       -- kommunkod
    measure     VARCHAR NOT NULL,       -- the file's own field: TOTSOK, INSAL, ARBETSLOSA, …
    value       DOUBLE,                 -- the exact sum; NULL when a part is masked (<5) or empty
    low         DOUBLE,                 -- what is known: the unmasked parts' sum …
    high        DOUBLE,                 -- … and that plus 4 per masked part (NULL if a part is empty)
    status      VARCHAR NOT NULL,       -- '' | '<5' | '..'

    PRIMARY KEY (file_sha256, period, region, measure)
);

CREATE TABLE stg.af_observations (
    source       VARCHAR NOT NULL DEFAULT 'arbetsformedlingen',
    series       VARCHAR NOT NULL,      -- inskrivna_arbetslosa_andel, inskrivna_arbetslosa, …
    breakdown    VARCHAR NOT NULL,      -- AF's group: TOT, KVI, MAN, UNG, … ('T' for tid series)
    region       VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,      -- 2026M10 (SCB-style codes, like every source)
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    value        DOUBLE,
    status       VARCHAR NOT NULL,      -- '' or '<5' (masked by AF)
    is_deleted   BOOLEAN NOT NULL,
    vintage      INTEGER NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    response_id  BIGINT,
    file_sha256  VARCHAR,               -- the file it came from (raw.af_files)
    alder        VARCHAR,               -- 16-65 / 16-64, from the file
    namnare      VARCHAR,               -- BAS / RAMS
    PRIMARY KEY (series, breakdown, region, period, vintage)
);

-- The catalog's fresher companion figure for an indicator (catalog field `manadsvarde`),
-- e.g. AF's monthly share beside Kolada's yearly Öppen arbetslöshet.
CREATE TABLE cfg.manadsvarden (
    indicator_id VARCHAR PRIMARY KEY,
    source       VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,
    breakdown    VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    label        VARCHAR NOT NULL
);
