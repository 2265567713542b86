"""Statements that run on every message, compiled once per database dialect.

Building a statement and having SQLAlchemy compile it (or look up its compiled form) costs
more than the database work of a small query. A `Prepared` statement is compiled once; each
run converts its parameters with the column types' own bind processors and goes through
`Connection.exec_driver_sql`, inside SQLAlchemy's transaction. Results are converted back
with the columns' result processors, so JSON, aware datetimes and booleans read as usual.

Parameters are given by the names of the statement's `bindparam`s; values the statement
sets itself (`.values(status="sent")`) are converted once, when it is compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect

Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement compiled for one dialect."""

    def __init__(self, statement: Any, dialect: Dialect, columns: Sequence[Any] = ()) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = bool(dialect.positional)
        # The parameters in the order the driver takes them (by name where it is named).
        self.names: tuple[str, ...] = (tuple(compiled.positiontup or ()) if self.positional
                                       else tuple(compiled.binds))
        processors: dict[str, Processor] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        self.processors = processors
        self.fixed: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            if not bind.required:  # a value of the statement's own
                process = processors[name]
                self.fixed[name] = process(bind.value) if process and bind.value is not None \
                    else bind.value
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns
        ]

    def args(self, params: Mapping[str, Any]) -> Any:
        """The parameters as the driver takes them."""
        fixed, processors = self.fixed, self.processors
        values = []
        for name in self.names:
            if name in fixed:
                values.append(fixed[name])
                continue
            value = params[name]
            process = processors[name]
            values.append(process(value) if process is not None and value is not None
                          else value)
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))

    def run(self, conn: Connection, params: Mapping[str, Any]) -> CursorResult:
        return conn.exec_driver_sql(self.sql, self.args(params))

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]],
                 shared: Mapping[str, Any] | None = None) -> CursorResult:
        """Run once for each row (the driver's executemany); `shared` gives values that
        are the same for every row. Rows of a fan-out share most values (a time, the text
        of a language), so each distinct value is converted once, not once a row."""
        converted: dict[tuple[str, Any], Any] = {}
        processors = self.processors

        def value(name: str, raw: Any) -> Any:
            process = processors[name]
            if process is None or raw is None:
                return raw
            # Rows are alive for the whole call, so a shared dict is known by its id.
            key = (name, id(raw) if isinstance(raw, dict | list) else raw)
            if key not in converted:
                converted[key] = process(raw)
            return converted[key]

        fixed = {**self.fixed, **{name: value(name, raw) for name, raw in (shared or {}).items()}}
        names = self.names
        if self.positional:
            params: list[Any] = [tuple(fixed[n] if n in fixed else value(n, row[n])
                                       for n in names) for row in rows]
        else:
            params = [{n: fixed[n] if n in fixed else value(n, row[n]) for n in names}
                      for row in rows]
        return conn.exec_driver_sql(self.sql, params)

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of the result, its values converted as the columns say."""
        raw = self.run(conn, params).first()
        if raw is None:
            return None
        return tuple(
            processor(value) if processor else value
            for processor, value in zip(self.results, raw, strict=True)
        )
