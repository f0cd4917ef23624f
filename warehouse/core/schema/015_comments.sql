-- The förvaltning's comment / analysis per indicator and period (sources/comments.py). Never
-- updated or deleted: a changed text is a new version, so what was written, by whom and when,
-- is always there; ind.kommentarer shows the newest version.
CREATE TABLE rep.comments (
    indicator_id VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    text         VARCHAR NOT NULL,
    author       VARCHAR NOT NULL,
    written_at   TIMESTAMPTZ NOT NULL,   -- when the file with it was received
    file_sha256  VARCHAR NOT NULL,
    file_row     INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, period, version)
);
