-- Every kommun, region and Riket with its name (sources/kommuner.csv, regioner.csv), so the
-- controller views can put names beside codes. Loaded with the catalog.
CREATE TABLE cfg.enheter (
    kod  VARCHAR PRIMARY KEY,
    namn VARCHAR NOT NULL,
    typ  VARCHAR NOT NULL CHECK (typ IN ('kommun', 'region', 'riket'))
);
CREATE SCHEMA IF NOT EXISTS rapport;
