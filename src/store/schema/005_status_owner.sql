-- 005_status_owner.sql — who may read a status resource (TAXII 2.1 §4.3): the user who
-- made the request, by their id, and the partner they belonged to when they made it; a
-- name says nothing (a user removed and re-created under the same name, in another
-- partner, is someone else). TAXII also checks that the user existed before the request
-- (users.created), since SQLite may give a removed user's id to the next one. 0: unknown
-- (statuses written before this migration): only admins read those.
ALTER TABLE status ADD COLUMN owner_user INTEGER NOT NULL DEFAULT 0;
ALTER TABLE status ADD COLUMN owner_partner INTEGER NOT NULL DEFAULT 0;
