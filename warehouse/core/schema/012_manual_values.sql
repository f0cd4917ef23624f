-- The manual-values file (sources/manual.py): its figures are observations of source 'manuell'
-- in stg.file_observations, with vintages like every file; what a person wrote beside each
-- figure (source text, who entered it, link) is kept here per file and key, so every figure
-- shown can say where it came from and who typed it.
CREATE TABLE stg.manual_value_notes (
    file_sha256 VARCHAR NOT NULL,
    series      VARCHAR NOT NULL,
    region      VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,
    kalla       VARCHAR NOT NULL,
    inmatad_av  VARCHAR NOT NULL,
    lank        VARCHAR,
    file_row    INTEGER NOT NULL,
    PRIMARY KEY (file_sha256, series, region, period)
);
