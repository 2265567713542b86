"""What is wrong with a file an office brings (a participant list, a program calendar) or
with one of its rows: English messages marked for translation with the values to put in
them, so the command line prints English and the console the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Problem(ValueError):
    """What is wrong with a program or a file: an English message with {placeholders}
    (marked N_), the values that go in them, and the field it is about, if one."""

    def __init__(self, message: str, field: str | None = None, **values: Any) -> None:
        self.message, self.field, self.values = message, field, values
        super().__init__(message.format(**values))

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message in the reader's language (`translate`: a Translator's `_`)."""
        return (translate(self.message) if translate else self.message).format(**self.values)


@dataclass
class RowError:
    """A refused row: its number as the spreadsheet shows it, the column as its header
    says (if the problem is about one), and why."""

    row: int
    message: str
    problem: Problem | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """What is wrong with the row, in the reader's language."""
        return self.problem.text(translate) if self.problem else self.message


class ProgramFileError(ValueError):
    """A file refused whole: every bad row (`errors`), or one problem with the file."""

    def __init__(self, errors: list[RowError] | str | Problem) -> None:
        self.errors = errors if isinstance(errors, list) else []
        self.problem = errors if isinstance(errors, Problem) else None
        text = "; ".join(str(e) for e in errors) if isinstance(errors, list) else str(errors)
        super().__init__(text)

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """What is wrong with the whole file, in the reader's language."""
        return self.problem.text(translate) if self.problem else str(self)


def row_error(number: int, problem: Problem, headers: dict[str, str] | None = None
              ) -> RowError:
    """A row refused for `problem`, its column named as the file's header names it."""
    column = (headers or {}).get(problem.field or "", problem.field)
    return RowError(number, str(problem), problem, column)
