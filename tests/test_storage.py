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


def test_upgrading_a_database_with_data_keeps_every_sign_up(tmp_path):
    """Migrations that rebuild the programs table (SQLite copies it) lose no row that
    points at it."""
    from alembic import command

    from storage.db import _alembic_config

    database = make_engine(f"sqlite:///{tmp_path}/old.db")
    command.upgrade(_alembic_config(database), "0009")
    with database.begin() as conn:
        conn.execute(text(
            "INSERT INTO programs (id, kind, title, organiser, description, venue, province, "
            "categories, starts_at, ends_at, timezone, audience, requires_curated_product, "
            "mode, funding_routes, created_at, updated_at) VALUES ('expo', 'pameran', 'Expo', "
            "'', '', '', 'nasional', '[]', '2027-03-01 02:00:00', '2027-03-02 02:00:00', "
            "'Asia/Jakarta', 'both', 1, 'offline', '[]', '2027-01-01 00:00:00', "
            "'2027-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO users (channel, address, staff_roles, categories, language, opted_out,"
            " unreachable, created_at, updated_at) VALUES ('telegram', '1', '[]', '[]', 'id', 0,"
            " 0, '2027-01-01 00:00:00', '2027-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO registrations (program_id, user_id, party, seq, status, product_ids, "
            "notes, signed_up_at, created_at, updated_at) VALUES ('expo', 1, 'user:1', 1, "
            "'confirmed', '[]', '', '2027-01-02 00:00:00', '2027-01-02 00:00:00', "
            "'2027-01-02 00:00:00')"))
    ensure_head = head_revision()
    command.upgrade(_alembic_config(database), "head")
    assert current_revision(database) == ensure_head
    with database.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM registrations")).scalar() == 1
        assert conn.execute(text("SELECT office_id FROM programs")).scalar() == "pusat"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
