"""The commands that put data in: the database, programs, Lapas, staff, people, exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session

from bot import channels
from bot.cli import speech
from bot.cli.common import BadInput
from bot.demo import demo_programs
from bot.wiring import config, open_database
from conversations import lapas, offices, programs, provinces
from conversations import reach as reaching
from conversations.i18n import Translator
from conversations.program_files import ProgramFileError, read_rows
from storage.db import session_scope, upgrade
from storage.models import utcnow

db_app = typer.Typer(no_args_is_help=True, help="The database.")
programs_app = typer.Typer(no_args_is_help=True, help="Programs: import and list.")
lapas_app = typer.Typer(no_args_is_help=True, help="Lapas (prisons) and their invite codes.")
users_app = typer.Typer(no_args_is_help=True, help="Users from the offices' lists.")
export_app = typer.Typer(no_args_is_help=True, help="Lists for organisers, as CSV or XLSX.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    database = open_database(config(), migrate_empty=False)
    before, after = upgrade(database)
    if before == after:
        typer.echo(f"database is up to date (revision {after})")
    else:
        typer.echo(f"database migrated from {before or 'empty'} to revision {after}")


def demo_data() -> None:
    """Add demo programs from the source articles, dated relative to today."""
    found = demo_programs(date.today())
    with session_scope(open_database(config())) as session:
        programs.save_all(session, found, utcnow(), config().timezone)
    typer.echo(f"{len(found)} demo programs added or updated")


def _office_option(what: str) -> Any:
    return typer.Option("--office", help=f"the office's id: {what} (default: pusat)")


def _reach(session: Session, office: str) -> reaching.Reach:
    """The office a command acts for, and what it reaches."""
    found = reaching.of_office(session, office)
    if found is None:
        raise BadInput(f"no office with the id {office!r} (see kriya office list)")
    return found


SheetOption = Annotated[str | None, typer.Option(
    "--sheet", help="the XLSX sheet to read (default: the first with the expected headers)")]
IgnoreOption = Annotated[bool, typer.Option(
    "--ignore-unknown", help="read the file even with columns Kriya does not know; they "
                             "are listed")]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="say what would happen, and change nothing")]


@programs_app.command("import")
def programs_import(
    file: Path,
    office: Annotated[str, _office_option("the office that runs them")] = offices.NATIONAL,
    sheet: SheetOption = None, ignore_unknown: IgnoreOption = False,
    dry_run: DryRunOption = False, lang: speech.LangOption = None,
) -> None:
    """Import programs from a CSV, XLSX or YAML file (all rows or none), for an office;
    headers in Bahasa Indonesia or English."""
    tr = speech.speaker(lang)
    try:
        found = read_rows(file, sheet, ignore_unknown)
    except ProgramFileError as error:
        raise speech.refused(file, error, False, tr) from error
    with session_scope(open_database(config())) as session:
        _reach(session, office)
        try:
            if dry_run:
                _preview_programs(programs.preview_rows(session, found, office), tr)
                session.rollback()
                typer.echo(tr._("dry run: nothing imported from {file}").format(file=file)
                           + speech.ignored(found.ignored, tr))
                return
            # More seats than before: the waiting list moves up, and each is told.
            saved, moved = programs.import_rows(session, found, office, utcnow(),
                                                config().timezone)
        except ProgramFileError as error:
            raise speech.refused(file, error, dry_run, tr) from error
    typer.echo(tr.ngettext("{count} program imported from {file}",
                           "{count} programs imported from {file}", saved
                           ).format(count=saved, file=file)
               + ("; " + tr.ngettext("{count} moved up from a waiting list",
                                     "{count} moved up from waiting lists", moved
                                     ).format(count=moved) if moved else "")
               + speech.ignored(found.ignored, tr))


def _preview_programs(planned: list[programs.Planned], tr: Translator) -> None:
    for plan in planned:
        if plan.changes is None:
            line = tr._("add {id} ({title})")
        elif plan.changes:
            line = tr._("update {id}: {changes}")
        else:
            line = tr._("{id} unchanged")
        typer.echo(tr._("row {row}: {why}").format(row=plan.row, why=line.format(
            id=plan.id, title=plan.title, changes=", ".join(plan.changes or ()))))
    added = sum(plan.changes is None for plan in planned)
    updated = sum(bool(plan.changes) for plan in planned)
    typer.echo(tr._("{added} would be added, {updated} updated").format(
        added=added, updated=updated))


@programs_app.command("list")
def programs_list(
    office: Annotated[str | None, typer.Option(
        "--office", help="only the programs this office runs (a national office runs "
                         "every program)")] = None,
) -> None:
    """List programs, one a line, starting with the id."""
    with session_scope(open_database(config())) as session:
        owner = _reach(session, office).program_office if office else None
        for program in programs.every(session, owner):
            start = program.starts_at.astimezone(ZoneInfo(program.timezone))
            label = provinces.ZONE_LABELS.get(program.timezone, program.timezone)
            typer.echo(f"{program.id}\t{program.kind}\t{program.mode}\t"
                       f"{start:%Y-%m-%d %H:%M} {label}\t"
                       f"{program.province}\t{program.title}")


@lapas_app.command("add")
def lapas_add(
    name: str,
    province: Annotated[str, typer.Option("--province", help="The Lapas' province.")],
    office: Annotated[str, _office_option("one that reaches the province")] = offices.NATIONAL,
) -> None:
    """Register a Lapas and print the invite code its officers type in the bot."""
    found = provinces.exact(province) or provinces.match(province)[0]
    if found is None:
        raise BadInput(f"unknown province {province!r}")
    if not name.strip():
        raise BadInput("the Lapas needs a name")
    with session_scope(open_database(config())) as session:
        try:
            added = lapas.add(session, name, found.name, office_id=office)
        except lapas.LapasError as error:
            raise BadInput(str(error)) from None
    typer.echo(f"{added.name} ({added.province}): invite code {added.invite_code}")


@users_app.command("import")
def users_import(
    file: Path, sheet: SheetOption = None, ignore_unknown: IgnoreOption = False,
    dry_run: DryRunOption = False, lang: speech.LangOption = None,
) -> None:
    """Add users from an office's CSV or XLSX list (all rows or none); headers in Bahasa
    Indonesia or English."""
    from conversations import user_files

    tr = speech.speaker(lang)
    phone_channel = channels.phone_channel()
    if phone_channel is None:
        raise BadInput("no channel reaches people by their phone number")
    try:
        table = user_files.read_table(file, sheet, ignore_unknown)
        people = user_files.check(table)
    except ProgramFileError as error:
        raise speech.refused(file, error, dry_run, tr) from error
    with Session(open_database(config()), expire_on_commit=False) as session:
        added, merged, invited = user_files.merge(session, people, utcnow(),
                                                  phone_channel.name)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    counts = {"count": len(people), "file": file, "added": added, "merged": merged,
              "invited": invited}
    said = tr._("dry run, nothing changed: {count} people from {file}: {added} would be "
                "added, {merged} would be merged with known phones, {invited} would be "
                "invited to give consent") if dry_run else tr._(
        "{count} people from {file}: {added} added, {merged} merged with known phones, "
        "{invited} invited to give consent")
    typer.echo(said.format(**counts) + speech.ignored(table.ignored, tr))


@export_app.command("registrations")
def export_registrations(
    program: Annotated[str, typer.Option("--program", help="The program's id.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write: .csv or .xlsx.")],
    lang: Annotated[str, typer.Option("--lang", help="Language of headers: id or en.")] = "id",
    office: Annotated[str, _office_option("one that runs the program")] = offices.NATIONAL,
) -> None:
    """Write a program's sign-ups, in order of arrival, to a CSV or XLSX file: only for
    the office that runs it."""
    from conversations import exports
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
    with session_scope(open_database(config())) as session:
        found = programs.get(session, program)
        if found is None:
            raise BadInput(f"no program with id {program!r} (see kriya programs list)")
        if not _reach(session, office).owns(found):
            raise BadInput(f"the program {program} belongs to the office {found.office_id}, "
                           f"not {office}")
        tr = translator(lang, exports.FILE_ZONE)
        try:
            rows = exports.write_registrations(session, found, tr, config().media_dir, out)
        except OSError as error:
            raise BadInput(f"{out}: cannot write: {error.strerror or error}") from error
    typer.echo(f"{rows} sign-ups of {program} written to {out}")
