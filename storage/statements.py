"""Statements that run on every message, compiled once per database dialect.

Building a statement and having SQLAlchemy compile it (or look up its compiled form) costs
more than the database work of a small query. A `Prepared` statement is compiled once; each
run converts its parameters with the column types' own bind processors and goes through
`Connection.exec_driver_sql`, inside SQLAlchemy's transaction. Results are converted back
with the columns' result processors, so JSON, aware datetimes and booleans read as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect


class Prepared:
    """One statement compiled for one dialect."""

    def __init__(self, statement: Any, dialect: Dialect, columns: Sequence[Any] = ()) -> None:
        compiled = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.sql = str(compiled)
        self.positional = tuple(compiled.positiontup or ()) if dialect.positional else None
        self.binds = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        # Values the statement itself sets (`.values(status="sent")`), for `run_many`.
        self.fixed = {name: bind.value for name, bind in compiled.binds.items()
                      if not bind.required}
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns
        ]

    def args(self, params: Mapping[str, Any]) -> Any:
        """The parameters as the driver takes them."""
        values = self.compiled.construct_params(dict(params))
        for name, processor in self.binds.items():
            values[name] = processor(values[name])
        if self.positional is None:
            return values
        return tuple(values[name] for name in self.positional)

    def run(self, conn: Connection, params: Mapping[str, Any]) -> CursorResult:
        return conn.exec_driver_sql(self.sql, self.args(params))

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> CursorResult:
        """Run once for each row (the driver's executemany). Every parameter of the
        statement is named as a key of the rows, but for values it sets itself. Rows of a
        fan-out share most values (a time, the text of a language), so each distinct value
        is converted once, not once a row."""
        names = self.positional or tuple(self.compiled.binds)
        converted: dict[tuple[str, Any], Any] = {}

        def value(name: str, raw: Any) -> Any:
            processor = self.binds.get(name)
            if processor is None or raw is None:
                return raw
            # Rows are alive for the whole call, so a shared dict is known by its id.
            key = (name, id(raw) if isinstance(raw, dict | list) else raw)
            if key not in converted:
                converted[key] = processor(raw)
            return converted[key]

        fixed = {name: value(name, raw) for name, raw in self.fixed.items()}
        if self.positional is not None:
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
