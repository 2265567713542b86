"""`kriya`: the one entry point for operators, scripts and the terminal chat."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot import terminal
from bot.app import ConfigError, build_engine, open_database, quiet_hours
from bot.config import config
from bot.demo import demo_programs
from bot.program_files import ProgramFileError, check_rows, read_rows
from conversations import domain, provinces
from conversations.answers import parse_phone
from conversations.messages import Inbound, Outbound
from storage import store
from storage.db import SchemaOutdated, session_scope, upgrade
from storage.models import Program, User, utcnow

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Kriya: government programs for Indonesia's craft businesses, on Telegram and WhatsApp.",
)
db_app = typer.Typer(no_args_is_help=True, help="The database.")
programs_app = typer.Typer(no_args_is_help=True, help="Programs: import and list.")
lapas_app = typer.Typer(no_args_is_help=True, help="Lapas (prisons) and their invite codes.")
staff_app = typer.Typer(no_args_is_help=True, help="Staff roles.")
reminders_app = typer.Typer(no_args_is_help=True, help="Reminders of deadlines and events.")
outbox_app = typer.Typer(no_args_is_help=True, help="Messages waiting to be sent.")
broadcast_app = typer.Typer(no_args_is_help=True, help="Announcements to many users.")
users_app = typer.Typer(no_args_is_help=True, help="Users from the offices' lists.")
export_app = typer.Typer(no_args_is_help=True, help="Lists for organisers, as CSV or XLSX.")
app.add_typer(db_app, name="db")
app.add_typer(programs_app, name="programs")
app.add_typer(lapas_app, name="lapas")
app.add_typer(staff_app, name="staff")
app.add_typer(export_app, name="export")
app.add_typer(reminders_app, name="reminders")
app.add_typer(outbox_app, name="outbox")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(users_app, name="users")

TERMINAL_USER = "local"


class BadInput(Exception):
    """The operator's mistake: reported in one line, exit status 2."""


@app.command()
def chat(
    as_: Annotated[str, typer.Option("--as", help="Chat as this user id.")] = TERMINAL_USER,
) -> None:
    """Talk to the bot in the terminal (one answer a line; options by their number)."""
    engine = build_engine(config())
    interactive = sys.stdin.isatty()

    media_dir = config().media_dir

    def send(inbound: Inbound) -> None:
        deliveries = engine.handle(inbound)
        with session_scope(engine.database) as session:
            # Besides the replies, what was queued for this person (a file, a notice).
            pushed = [m for m in store.due_outbox(session, "terminal", utcnow())
                      if m.address == as_ and m.kind != "reply"]
            for message in [d.message for d in deliveries] + [
                    Outbound.from_payload(m.payload) for m in pushed]:
                typer.echo(terminal.render(message, media_dir))
                typer.echo("")
            store.mark_sent(session, [d.key for d in deliveries]
                            + [m.idempotency_key for m in pushed])

    send(Inbound(channel="terminal", address=as_, new_conversation=True))
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and line == "":
            break
        if line.strip():
            send(Inbound(channel="terminal", address=as_, text=line.rstrip("\n")))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the webhooks of every configured channel, with the outbox dispatcher."""
    import uvicorn

    from bot.server import create_app

    # No access log: a line per webhook call costs time and tells an operator nothing.
    uvicorn.run(create_app(config()), host=host, port=port, log_level="info", access_log=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    database = open_database(config(), migrate_empty=False)
    before, after = upgrade(database)
    if before == after:
        typer.echo(f"database is up to date (revision {after})")
    else:
        typer.echo(f"database migrated from {before or 'empty'} to revision {after}")


@app.command("demo-data")
def demo_data() -> None:
    """Add demo programs from the source articles, dated relative to today."""
    database = open_database(config())
    programs = demo_programs(date.today())
    with session_scope(database) as session:
        for values in programs:
            store.upsert_program(session, values)
    typer.echo(f"{len(programs)} demo programs added or updated")


@programs_app.command("import")
def programs_import(file: Path) -> None:
    """Import programs from a CSV or YAML file (all rows or none)."""
    try:
        programs = check_rows(read_rows(file))
    except ProgramFileError as error:
        raise BadInput(f"{file}: nothing imported: {error}") from error
    from conversations.flows.my_signups import notify_promoted
    from storage import signups

    database = open_database(config())
    moved = 0
    with session_scope(database) as session:
        for values in programs:
            program = store.upsert_program(session, values)
            # More seats than before: the waiting list moves up, and each is told.
            signups.lock_program(session, program.id)
            for registration in signups.fill_seats(session, program, utcnow()):
                notify_promoted(session, registration, program, utcnow(), config().timezone)
                moved += 1
    typer.echo(f"{len(programs)} programs imported from {file}"
               + (f"; {moved} moved up from waiting lists" if moved else ""))


@programs_app.command("list")
def programs_list() -> None:
    """List programs, one a line, starting with the id."""
    from zoneinfo import ZoneInfo

    database = open_database(config())
    with session_scope(database) as session:
        for program in store.all_programs(session):
            zone = ZoneInfo(program.timezone)
            start = program.starts_at.astimezone(zone)
            label = provinces.ZONE_LABELS.get(program.timezone, program.timezone)
            typer.echo(
                f"{program.id}\t{program.kind}\t{start:%Y-%m-%d %H:%M} {label}\t"
                f"{program.province}\t{program.title}"
            )


@lapas_app.command("add")
def lapas_add(
    name: str,
    province: Annotated[str, typer.Option("--province", help="The Lapas' province.")],
) -> None:
    """Register a Lapas and print the invite code its officers type in the bot."""
    found = provinces.exact(province) or provinces.match(province)[0]
    if found is None:
        raise BadInput(f"unknown province {province!r}")
    if not name.strip():
        raise BadInput("the Lapas needs a name")
    database = open_database(config())
    with session_scope(database) as session:
        lapas = store.add_lapas(session, " ".join(name.split()), found.name)
    typer.echo(f"{lapas.name} ({lapas.province}): invite code {lapas.invite_code}")


@staff_app.command("add")
def staff_add(
    role: Annotated[str, typer.Option("--role", help="admin, curator or broadcaster")],
    telegram: Annotated[str | None, typer.Option("--telegram", help="Telegram user id")] = None,
    whatsapp: Annotated[str | None, typer.Option("--whatsapp", help="WhatsApp phone")] = None,
) -> None:
    """Give a user a staff role."""
    if role not in domain.STAFF_ROLES:
        raise BadInput(f"role must be one of {', '.join(domain.STAFF_ROLES)}")
    if (telegram is None) == (whatsapp is None):
        raise BadInput("give exactly one of --telegram ID or --whatsapp PHONE")
    if telegram is not None:
        if not telegram.strip().lstrip("-").isdigit():
            raise BadInput("a Telegram id is a number, e.g. 123456789")
        channel, address = "telegram", telegram.strip()
    else:
        phone = parse_phone(whatsapp or "")
        if phone is None:
            raise BadInput(f"{whatsapp!r} is not a valid Indonesian phone number")
        channel, address = "whatsapp", phone
    database = open_database(config())
    with session_scope(database) as session:
        user = store.user_at(session, channel, address)
        if user is None:
            user = User(channel=channel, address=address)
            if channel == "whatsapp":
                user.phone = address
            session.add(user)
        if role not in user.staff_roles:
            user.staff_roles = [*user.staff_roles, role]
        store.link_conversation(session, user)
    typer.echo(f"{channel} {address}: {', '.join(user.staff_roles)}")


@export_app.command("registrations")
def export_registrations(
    program: Annotated[str, typer.Option("--program", help="The program's id.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write: .csv or .xlsx.")],
    lang: Annotated[str, typer.Option("--lang", help="Language of headers: id or en.")] = "id",
) -> None:
    """Write a program's sign-ups, in order of arrival, to a CSV or XLSX file."""
    from conversations import exports as chat_exports
    from conversations.i18n import LANGUAGES, translator
    from storage.exports import ExportError, format_of

    if lang not in LANGUAGES:
        raise BadInput(f"--lang must be one of {', '.join(LANGUAGES)}")
    try:
        format_of(out)
    except ExportError as error:
        raise BadInput(str(error)) from error
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: no such folder")
    database = open_database(config())
    with session_scope(database) as session:
        found = session.get(Program, program)
        if found is None:
            raise BadInput(f"no program with id {program!r} (see kriya programs list)")
        tr = translator(lang, chat_exports.FILE_ZONE)
        try:
            rows = chat_exports.write_registrations(session, found, tr, config().media_dir, out)
        except OSError as error:
            raise BadInput(f"{out}: cannot write: {error.strerror or error}") from error
    typer.echo(f"{rows} sign-ups of {program} written to {out}")


def _moment(text: str | None) -> datetime:
    """An ISO 8601 moment from the command line; without an offset, in KRIYA_TIMEZONE."""
    if text is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise BadInput(f"{text!r} is not an ISO 8601 time, e.g. 2027-03-07T09:00+07:00") \
            from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(config().timezone))
    return moment


def _deliver() -> None:
    """Deliver the outbox once and say, per channel, what was tried and what waits."""
    import asyncio

    from bot.server import create_app, deliver_once

    app = create_app(config())
    tried = asyncio.run(deliver_once(app))
    with session_scope(app.state.database) as session:
        later = store.waiting(session, utcnow())
    _report(tried, later)


@reminders_app.command("run-due")
def reminders_run_due(
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601; default: now.")] = None,
) -> None:
    """Queue the reminders due at that time, deliver the outbox once, and exit."""
    from bot.server import run_reminders

    at = _moment(now)
    engine = build_engine(config())
    queued = run_reminders(engine.database, engine.settings, at)
    typer.echo(f"{queued} reminders queued for {at.isoformat(timespec='minutes')}")
    _deliver()


@outbox_app.command("flush")
def outbox_flush() -> None:
    """Deliver what may be sent now from the outbox, once, and exit."""
    _deliver()


@broadcast_app.command("send")
def broadcast_send(
    text: Annotated[str, typer.Option("--text", help="The announcement.")],
    province: Annotated[list[str] | None, typer.Option("--province", help="Repeatable.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Repeatable.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="artisan or lapas")] = None,
    at: Annotated[str | None, typer.Option("--at", help="ISO 8601; default: now.")] = None,
) -> None:
    """Queue a broadcast; prints its id and how many will receive it."""
    from conversations import broadcasts

    text = text.strip()
    if not text:
        raise BadInput("--text is empty")
    if len(text) > 4000:
        raise BadInput(f"--text is {len(text)} characters long; at most 4000")
    audience: dict[str, object] = {}
    if province:
        found = [provinces.exact(p) or provinces.match(p)[0] for p in province]
        unknown = [p for p, f in zip(province, found, strict=True) if f is None]
        if unknown:
            raise BadInput(f"unknown province {unknown[0]!r}")
        audience["provinces"] = [f.name for f in found if f is not None]
    if category:
        unknown = [c for c in category if c not in domain.CATEGORIES]
        if unknown:
            raise BadInput(f"unknown category {unknown[0]!r}; one of "
                           f"{', '.join(domain.CATEGORIES)}")
        audience["categories"] = list(category)
    if role is not None:
        if role not in domain.ROLES:
            raise BadInput(f"--role must be one of {', '.join(domain.ROLES)}")
        audience["role"] = role
    send_at = _moment(at) if at else None
    database = open_database(config())
    with session_scope(database) as session:
        broadcast = broadcasts.queue(session, text, audience, now=utcnow(), send_at=send_at,
                                     default_zone=config().timezone,
                                     quiet=quiet_hours(config()))
    typer.echo(f"broadcast {broadcast.id}: {broadcast.recipients} recipients, sending from "
               f"{broadcast.send_at.isoformat(timespec='minutes')}")


@broadcast_app.command("status")
def broadcast_status(broadcast_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """How a broadcast's messages stand."""
    from conversations import broadcasts
    from storage.models import Broadcast

    database = open_database(config())
    with session_scope(database) as session:
        found = session.get(Broadcast, broadcast_id)
        if found is None:
            raise BadInput(f"no broadcast {broadcast_id}")
        counted = broadcasts.counts(session, broadcast_id)
    typer.echo(f"broadcast {broadcast_id} ({found.status}), {found.recipients} recipients")
    for name, n in counted.items():
        typer.echo(f"{name}\t{n}")


@users_app.command("import")
def users_import(file: Path) -> None:
    """Add users from an office's CSV or XLSX list (all rows or none)."""
    from bot import user_files

    try:
        people = user_files.check(user_files.read_table(file))
    except ProgramFileError as error:
        raise BadInput(f"{file}: nothing imported: {error}") from error
    database = open_database(config())
    with session_scope(database) as session:
        added, merged, invited = user_files.merge(session, people, utcnow())
    typer.echo(f"{len(people)} people from {file}: {added} added, {merged} merged with "
               f"known phones, {invited} invited to give consent")


def _report(tried: dict[str, int], later: dict[str, tuple[int, datetime]]) -> None:
    if not tried:
        typer.echo("no channel is configured (TELEGRAM_BOT_TOKEN, TWILIO_ACCOUNT_SID): "
                   "nothing sent")
    zone = ZoneInfo(config().timezone)
    for channel, count in tried.items():
        line = f"{channel}: {count} messages tried"
        if channel in later:
            waiting, first = later[channel]
            line += (f"; {waiting} waiting (the night, a retry, or a send under way), the "
                     f"first at {first.astimezone(zone).isoformat(timespec='minutes')}")
        typer.echo(line)


def main() -> None:
    """Run the CLI: a user's mistake is one line on stderr, never a traceback."""
    try:
        app(standalone_mode=False)
    except BadInput as error:
        typer.echo(f"kriya: {error}", err=True)
        sys.exit(2)
    except (ConfigError, SchemaOutdated) as error:
        typer.echo(f"kriya: {error}", err=True)
        sys.exit(1)
    except ValidationError as error:  # a setting of the wrong kind: name it and say why
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            typer.echo(f"kriya: {name}={problem.get('input')!r}: {problem['msg']}", err=True)
        sys.exit(1)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        typer.echo(f"kriya: database error: {reason}", err=True)
        sys.exit(1)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("kriya: aborted", err=True)
        sys.exit(1)
    except Exception as error:
        # Usage errors come from the click that Typer bundles: they know how to show
        # themselves and carry exit status 2.
        show, code = getattr(error, "show", None), getattr(error, "exit_code", None)
        if callable(show) and isinstance(code, int):
            if type(error).__name__ != "NoArgsIsHelpError":  # the help is already shown
                show()
            sys.exit(code)
        typer.echo(f"kriya: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
