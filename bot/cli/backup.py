"""`kriya db backup FILE`: a copy of the database to keep."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import BadInput
from bot.wiring import config
from storage import backup


def db_backup(file: Annotated[Path, typer.Argument(
        metavar="FILE", help="Where the copy goes (replaced if there).")]) -> None:
    """A consistent copy of a SQLite database, also while `kriya serve` writes to it."""
    url = config().database_url
    try:
        verdict = backup.backup(url, file)
    except backup.NotSQLite:
        raise BadInput("kriya db backup copies a SQLite database; back up PostgreSQL with "
                       "pg_dump -Fc (see the README, Deploying)") from None
    except FileNotFoundError as error:
        raise BadInput(str(error)) from None
    except (OSError, sqlite3.OperationalError) as error:
        raise BadInput(f"{file}: {error}") from None
    if verdict != "ok":
        raise BadInput(f"the copy failed SQLite's check ({verdict}); nothing was written")
    size = file.stat().st_size / 1_000_000
    typer.echo(f"database copied to {file} ({size:.1f} MB)")
