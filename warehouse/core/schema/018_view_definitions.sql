-- Which definitions of the views and macros the file holds (warehouse/core/db.py ensure_views):
-- the hash of their SQL and the number of views, so a connection with nothing new to define
-- does not create them all again.
CREATE TABLE meta.view_definitions (
    sha256     VARCHAR NOT NULL,
    views      INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
