-- A kommun of a deployment with several kommuner imports the public statistics from the
-- public snapshot (warehouse/public/importer.py) instead of fetching them. One row per import
-- that changed something: which snapshot (its publication's fingerprint), what this kommun's
-- catalog asked of it, and how many rows came. The latest row tells the next import whether
-- anything is new.
CREATE TABLE meta.public_import (
    imported_at     TIMESTAMPTZ NOT NULL,
    snapshot_path   VARCHAR NOT NULL,
    published_at    TIMESTAMPTZ,
    snapshot_digest VARCHAR NOT NULL,
    scope_digest    VARCHAR NOT NULL,
    row_counts      JSON NOT NULL
);
