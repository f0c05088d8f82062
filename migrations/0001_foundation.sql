-- 0001 foundation: the benefit schema and the record of applied migrations.
--
-- Released migrations are never edited: `benefit db migrate` refuses to run when
-- an applied file's checksum changed. Put every change in a new file.

CREATE SCHEMA IF NOT EXISTS benefit;

CREATE TABLE benefit.schema_migrations (
    version    integer     PRIMARY KEY CHECK (version > 0),
    name       text        NOT NULL,
    checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text        NOT NULL
);

COMMENT ON TABLE benefit.schema_migrations IS
    'One row per applied migration file: version, name, SHA-256 of the file, when and by whom (OS user@host).';
