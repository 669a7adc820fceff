-- 004_changes.sql — a per-collection change counter, bumped by every write transaction
-- that deletes object versions (adds already move last_date_added forward). Together
-- with key, created and last_date_added it names the state of a collection's objects,
-- so a reader (the TAXII response cache) can tell with one indexed SELECT whether
-- anything changed since it last looked, whichever process wrote.
ALTER TABLE collections ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
