-- Large response bodies (Kolada's data pages) as files beside the warehouse instead of in
-- `payload` (warehouse/core/bodies.py): `body_file` names the file inside the warehouse's
-- `.bodies` folder, and `payload` is then NULL. Rows stored before keep their payload.
-- Exactly one of the two is set; a row with neither is refused by the landing's code.
ALTER TABLE raw.kolada_responses ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE raw.kolada_responses ADD COLUMN body_file VARCHAR;
ALTER TABLE raw.scb_responses ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE raw.scb_responses ADD COLUMN body_file VARCHAR;
