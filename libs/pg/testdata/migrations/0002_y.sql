-- Test migration 2: content that trips naive embedding — a raw-string-looking
-- sequence )", backslashes, CMake list separators and bracket arguments.
-- It even holds the first raw-string delimiter the embedder would pick: )sbsql"
CREATE TABLE y (
  id integer PRIMARY KEY REFERENCES x (id),
  note text NOT NULL
);
INSERT INTO y (id, note) VALUES (1, E'quote )" back\\slash ;semi [[bracket]] ${not_cmake}');
