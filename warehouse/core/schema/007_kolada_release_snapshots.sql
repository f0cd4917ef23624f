-- Kolada's release information for the catalog's KPIs (publ_period and the expected
-- publication dates, reference/kolada.md §5) as read by a nightly run before it fetched the
-- data of a partition. The next night compares the KPI metadata with it: when nothing was
-- released since, the night makes no data request (warehouse/kolada_nightly.py).
CREATE TABLE raw.kolada_release_snapshots (
    fetch_id              VARCHAR NOT NULL,
    kpi                   VARCHAR NOT NULL,
    publ_period           VARCHAR,
    publication_date      DATE,
    prel_publication_date DATE,
    PRIMARY KEY (fetch_id, kpi)
);
