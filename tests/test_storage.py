"""The database: migrations that match the models, SQLite's safety settings, and refusing
to run on an older schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import SchemaOutdated, current_revision, ensure_schema, head_revision, make_engine


def test_migrations_build_exactly_the_models_schema(database):
    with database.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert current_revision(database) == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    database = make_engine(f"sqlite:///{tmp_path}/k.db")
    with database.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_an_empty_database_is_brought_to_the_newest_schema(tmp_path):
    database = make_engine(f"sqlite:///{tmp_path}/new.db")
    ensure_schema(database)
    assert current_revision(database) == head_revision()


def test_an_older_schema_is_refused_with_the_command_to_run(tmp_path):
    database = make_engine(f"sqlite:///{tmp_path}/old.db")
    with database.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    try:
        ensure_schema(database)
    except SchemaOutdated as error:
        assert "kriya db upgrade" in str(error)
    else:
        raise AssertionError("an older schema was accepted")
