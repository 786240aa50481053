-- Test migration 1: a table created without IF NOT EXISTS, so applying this
-- file twice would fail.
CREATE TABLE x (
  id integer PRIMARY KEY,
  label text NOT NULL
);
INSERT INTO x (id, label) VALUES (1, 'first; with a semicolon');
