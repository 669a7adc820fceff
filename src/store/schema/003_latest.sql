-- 003_latest.sql — the default filter (no match[spec_version], match[version]=last) reads a
-- maintained flag instead of two correlated subqueries per row (about 200 µs per page of
-- 100 at 1e6 objects). latest, per (collection, id):
--   1  this row is the id's default answer (highest spec_version, then highest version),
--      and every version of the id has the same visibility (tlp, and red_recipients when
--      tlp is RED), so whoever sees one version sees them all: "latest visible" = latest;
--   0  another version of such an id is the answer;
--   2  the id's versions differ in visibility: each row is evaluated in full (store.h).
-- store_sqlite.c keeps it in the write transaction of every add and delete. It is derived
-- (a store migrated from another is given it anew), so its column says so to embed.py.
ALTER TABLE objects ADD COLUMN latest INTEGER NOT NULL DEFAULT 0; -- derived
UPDATE objects SET latest = 2 WHERE (collection, id) IN (
  SELECT collection, id FROM objects GROUP BY collection, id
  HAVING count(DISTINCT tlp) > 1
      OR count(DISTINCT CASE WHEN tlp = {TLP_RED} THEN red_recipients ELSE '' END) > 1);
UPDATE objects SET latest = 1 WHERE latest = 0 AND seq IN (
  SELECT (SELECT z.seq FROM objects z INDEXED BY objects_version
          WHERE z.collection = g.collection AND z.id = g.id
          ORDER BY z.spec_version DESC, z.version DESC LIMIT 1)
  FROM (SELECT DISTINCT collection, id FROM objects) g);
