"""`kriya`: the one entry point for operators, scripts and the terminal chat."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.cli import backup, chat, console, data, delivery, offices
from bot.cli.common import BadInput
from bot.config import ConfigError
from storage.db import SchemaOutdated

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Kriya: government programs for Indonesia's craft businesses, on Telegram and WhatsApp.",
)
app.command()(chat.chat)
app.command()(chat.serve)
app.command("demo-data")(data.demo_data)
data.db_app.command("backup")(backup.db_backup)
app.add_typer(data.db_app, name="db")
app.add_typer(data.programs_app, name="programs")
app.add_typer(data.lapas_app, name="lapas")
app.add_typer(offices.office_app, name="office")
app.add_typer(offices.staff_app, name="staff")
app.add_typer(console.console_app, name="console")
app.add_typer(data.export_app, name="export")
app.add_typer(delivery.reminders_app, name="reminders")
app.add_typer(delivery.outbox_app, name="outbox")
app.add_typer(delivery.broadcast_app, name="broadcast")
app.add_typer(data.users_app, name="users")


def fail(message: str, status: int) -> None:
    typer.echo(f"kriya: {message}", err=True)
    sys.exit(status)


def main() -> None:
    """Run the CLI: a user's mistake is one line on stderr, never a traceback. Mistakes in
    the command itself (an unknown option, a missing argument) are shown by Typer with the
    usage, exit status 2."""
    try:
        app()
    except BadInput as error:
        fail(str(error), 2)
    except (ConfigError, SchemaOutdated) as error:
        fail(str(error), 1)
    except ValidationError as error:  # a setting of the wrong kind: name it and say why
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            typer.echo(f"kriya: {name}={problem.get('input')!r}: {problem['msg']}", err=True)
        sys.exit(1)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        fail(f"database error: {reason}", 1)
    except Exception as error:
        fail(f"{type(error).__name__}: {error}", 1)
