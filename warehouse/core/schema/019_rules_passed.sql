-- Whole-table quality suites that passed, keyed by the fingerprint of the data they read
-- (warehouse/publishing/snapshot.py): the publication gate does not run a suite again on data
-- it already passed on in the same state. Bookkeeping of the working file: not published.
CREATE TABLE meta.rules_passed (
    fingerprint VARCHAR NOT NULL,
    suite       VARCHAR NOT NULL,
    passed_at   TIMESTAMPTZ NOT NULL
);
