"""The language `kriya` speaks to an operator in what it reports of an office's file: the
one `--lang` names, else the one the computer is set to (LANGUAGE, LC_ALL, LC_MESSAGES,
LANG, as every gettext program reads them), else Bahasa Indonesia."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from bot.cli.common import BadInput
from bot.wiring import config
from conversations.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator
from conversations.problems import ProgramFileError, RowError

LangOption = Annotated[str | None, typer.Option(
    "--lang", help="the language of what is printed: id or en (default: the computer's "
                   "language if it is one of these, else id)")]


def computer_language() -> str:
    locale = next((os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG")
                   if os.environ.get(name)), "")
    for each in [*os.environ.get("LANGUAGE", "").split(":"), locale]:
        code = each.split(".")[0].split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def speaker(lang: str | None) -> Translator:
    if lang is not None and lang not in LANGUAGES:
        raise BadInput(f"--lang must be one of {', '.join(LANGUAGES)}")
    return translator(lang or computer_language(), config().timezone)


def row_line(row: RowError, tr: Translator) -> str:
    """A refused row as the spreadsheet shows it: its number, its column, why."""
    if row.column:
        return tr._("row {row}, column {column}: {why}").format(
            row=row.row, column=row.column, why=row.text(tr._))
    return tr._("row {row}: {why}").format(row=row.row, why=row.text(tr._))


def refused(file: object, error: ProgramFileError, dry_run: bool, tr: Translator
            ) -> BadInput:
    """Nothing imported, every refused row named (each on its own line first, in a dry
    run)."""
    lines = [row_line(row, tr) for row in error.errors]
    if dry_run:
        for line in lines:
            typer.echo(tr._("refused: {row}").format(row=line))
    verb = tr._("nothing would be imported") if dry_run else tr._("nothing imported")
    if lines:
        return BadInput(f"{file}: {verb}: " + "; ".join(lines))
    why = error.text(tr._)
    # A problem with the whole file names the file itself.
    return BadInput(f"{verb}: {why}" if why.startswith(f"{file}:") else f"{file}: {verb}: {why}")


def ignored(columns: list[str], tr: Translator) -> str:
    if not columns:
        return ""
    return "; " + tr._("ignored columns: {columns}").format(columns=", ".join(columns))
