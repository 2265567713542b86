"""Tables written as files for organisers: CSV (UTF-8, opens in Excel) or XLSX (openpyxl).

A value typed by a user that a spreadsheet would run as a formula ("=HYPERLINK(...)",
also in full-width letters) is written as text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from storage.media import MediaStore

FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_NUMBER = re.compile(r"\+?\d[\d ]*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | datetime | None


class ExportError(ValueError):
    """A file name the exporter cannot write."""


def format_of(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"{path.name}: the file must end in .csv or .xlsx")
    return fmt


def _safe(value: Cell, spreadsheet: bool) -> Any:
    if not isinstance(value, str):
        return value
    # As a spreadsheet may read it: a full-width "＝" (or "＋", "－", "＠") is an "=".
    seen = unicodedata.normalize("NFKC", value)
    if not seen.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(seen):  # a phone number, +62...
        return value
    if spreadsheet and not seen.startswith("="):
        return value  # in a workbook only "=" makes a formula
    return "'" + value


def to_bytes(fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
             title: str = "Sheet") -> bytes:
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else _safe(v, False)
                 for v in row])
        # With a byte-order mark, Excel reads the file as UTF-8 (names with accents).
        return text.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v, True) for v in row])
    for column, header in enumerate(headers, 1):
        widest = max([len(str(header)), *(len(str(r[column - 1] or "")) for r in rows)])
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = min(60, widest + 2)
        if any(isinstance(r[column - 1], datetime) for r in rows):
            for cell in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell[0].number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
          title: str = "Sheet") -> None:
    """Write the table to `path`, as its suffix says; written aside, then renamed."""
    data = to_bytes(format_of(path), headers, rows, title)
    aside = path.with_name(f".{path.name}.incoming")
    aside.write_bytes(data)
    aside.replace(path)


def save(media: MediaStore, fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
         title: str = "Sheet") -> str:
    """Keep the table in the media store; returns its path there."""
    return media.save(to_bytes(fmt, headers, rows, title), FORMATS[fmt])
