"""Tables the offices bring, as Excel on their computers makes them, read once for every
door (`kriya users import`, `kriya programs import`, the console's program upload).

CSV or text exports separated by `,`, `;` or tab, in UTF-8 (with or without BOM), UTF-16
(Excel's "Unicode text") or Windows-1252; XLSX workbooks, the sheet named or the first
one with the expected headers. Headers in Bahasa Indonesia or English, case and spacing
ignored, found below title lines; a header nobody knows refuses the file (with the
nearest known one) unless the caller ignores unknown columns. Rows are numbered as the
spreadsheet shows them; empty rows are skipped.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conversations.i18n import N_
from conversations.problems import Problem, ProgramFileError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SEARCH = 10  # rows looked at for the header row
OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # the start of an .xls workbook (and other OLE files)


@dataclass
class Table:
    """The rows of a file by field name, each with its number as the spreadsheet shows it;
    the columns that were ignored; each field's header as the file writes it."""

    rows: list[tuple[int, dict[str, Any]]]
    ignored: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None


@dataclass(frozen=True)
class Columns:
    """The fields a table may have, each with the headers that name it."""

    names: Mapping[str, Iterable[str]]
    required: tuple[str, ...] = ()

    def by_header(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, aliases in self.names.items():
            for alias in (name, *aliases):
                found[header_key(alias)] = name
        return found


def header_key(text: Any) -> str:
    """A header as compared: case, dots, spacing and a trailing '*' or ':' ignored."""
    text = str(text or "").replace("\ufeff", "").replace(".", " ").lower()
    return re.sub(r"\s*/\s*", "/", " ".join(text.split())).strip(" *:")


def refused(name: str, why: str, **values: Any) -> ProgramFileError:
    return ProgramFileError(Problem(why, name=name, **values))


def read_table(data: bytes, suffix: str, name: str, columns: Columns, *,
               sheet: str | None = None, ignore_unknown: bool = False) -> Table:
    """The table in a file's contents; `suffix` ('.csv') says its format, `name` which
    file it is in messages. ProgramFileError (one line) if it cannot be read."""
    if data.startswith(OLD_EXCEL) or suffix == ".xls":
        raise refused(name, N_("{name} is an old Excel workbook (.xls): save it as CSV "
                               "UTF-8 or XLSX and try again"))
    if suffix == ".xlsx" or data.startswith(b"PK\x03\x04"):
        grids = _workbook(data, name, sheet)
    elif suffix in TEXT_SUFFIXES:
        grids = [(None, _grid(decoded(data, name)))]
    else:
        raise refused(name, N_("{name}: use a .csv, .txt or .xlsx file; save it as CSV "
                               "UTF-8 or XLSX and try again"))
    known = columns.by_header()
    chosen = next(((title, grid, at) for title, grid in grids
                   if (at := header_row(grid, known)) is not None), None)
    if chosen is None:  # no header we know: the first row is taken, to say what is wrong
        title, grid = grids[0]
        at = next((n for n, row in enumerate(grid) if _filled(row)), None)
        if at is None:
            return Table([], sheet=title)
        chosen = (title, grid, at)
    title, grid, at = chosen
    fields, headers, ignored = _fields(grid[at], known, columns, name, ignore_unknown)
    rows = [(number, {key: _cell(row[i]) for i, key in fields.items() if i < len(row)})
            for number, row in enumerate(grid[at + 1:], at + 2) if _filled(row)]
    return Table(rows, ignored, headers, title)


def decoded(data: bytes, name: str) -> str:
    """Text in UTF-8 (BOM or not), UTF-16 with its BOM, or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data[:2000].count(b"\x00") > len(data[:2000]) // 4:  # UTF-16 that lost its BOM
        encodings = ("utf-16-le",) if data[1:2] == b"\x00" else ("utf-16-be",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise refused(name, N_("{name} is not text in UTF-8, UTF-16 or Windows-1252: save it "
                           "as CSV UTF-8 or XLSX and try again"))


def _grid(text: str) -> list[list[str]]:
    """The rows of a text table, split by the delimiter most used in its first lines."""
    lines = text.splitlines()[:HEADER_SEARCH + 2]
    counts = {mark: max((len(next(csv.reader([line], delimiter=mark), [])) for line in lines),
                        default=0) for mark in (",", ";", "\t")}
    delimiter = max(counts, key=lambda mark: counts[mark])  # a tie: the comma
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                            delimiter=delimiter)]


def _workbook(data: bytes, name: str, wanted: str | None) -> list[tuple[str | None, list]]:
    """The workbook's sheets as grids: only `wanted`, if named."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if wanted is not None and wanted not in book.sheetnames:
            raise refused(name, N_("{name} has no sheet {sheet}; its sheets: {sheets}"),
                          sheet=wanted, sheets=", ".join(book.sheetnames))
        titles = [wanted] if wanted is not None else book.sheetnames
        return [(title, [list(row) for row in book[title].values]) for title in titles]
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError,
            TypeError) as error:
        if isinstance(error, ProgramFileError):
            raise
        raise refused(name, N_("{name} is not a valid XLSX workbook: save it as CSV UTF-8 "
                               "or XLSX and try again")) from error


def _filled(row: list[Any]) -> bool:
    return any(_cell(cell) not in (None, "") for cell in row)


def _cell(value: Any) -> Any:
    """A cell's value: text without the spaces around it, a whole number as an int."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def header_row(grid: list[list[Any]], known: dict[str, str]) -> int | None:
    """The first of the first rows where most filled cells are headers we know."""
    for at, row in enumerate(grid[:HEADER_SEARCH]):
        keys = [header_key(cell) for cell in row if header_key(cell)]
        hits = sum(key in known for key in keys)
        if hits >= min(2, len(keys)) and hits * 2 > len(keys):
            return at
    return None


def _fields(row: list[Any], known: dict[str, str], columns: Columns, name: str,
            ignore_unknown: bool) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Which column holds which field; each field's header as written; what is ignored."""
    fields: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for i, cell in enumerate(row):
        typed, key = " ".join(str(cell or "").split()), header_key(cell)
        if not key:
            continue
        if key not in known:
            unknown.append(typed)
            continue
        if known[key] in headers:
            raise refused(name, N_("{name}: columns {first} and {second} both mean {field}; "
                                   "keep one"), first=headers[known[key]], second=typed,
                          field=known[key])
        fields[i], headers[known[key]] = known[key], typed
    if unknown and not ignore_unknown:
        raise _unknown(name, unknown, known)
    missing = [column for column in columns.required if column not in headers]
    if missing:
        raise refused(name, N_("{name}: missing column(s) {columns}"),
                      columns=", ".join(missing))
    return fields, headers, unknown


def _unknown(name: str, headers: list[str], known: dict[str, str]) -> ProgramFileError:
    """Every unknown column, each with the known one it is most like."""
    nearest = []
    for header in headers:
        near = difflib.get_close_matches(header_key(header), list(known), n=1, cutoff=0.5)
        nearest.append(f"`{known[near[0]]}`" if near else "-")
    columns = ", ".join(f"`{header}`" for header in headers)
    if len(headers) == 1 and nearest[0] != "-":
        return refused(name, N_("{name}: column {column} is not known; did you mean {near}?"),
                       column=columns, near=nearest[0])
    return refused(name, N_("{name}: columns {columns} are not known (nearest known: {near}); "
                            "rename them, or ignore unknown columns"), columns=columns,
                   near=", ".join(nearest))
