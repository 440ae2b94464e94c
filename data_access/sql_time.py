"""Portable time arithmetic in SQL: seconds since the epoch of a naive-UTC column.

SQLite, PostgreSQL and MariaDB each spell this differently; these constructs compile
to the right spelling so that the KPI queries are written once.  Grouping into local
days and hours happens on UTC bins (see `kpi_queries`), which is DST-safe and needs no
time-zone support in the database.
"""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, Integer


class epoch_seconds(FunctionElement):
    """Seconds since 1970-01-01 of a naive-UTC timestamp expression (float)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    (arg,) = element.clauses
    # julianday keeps fractional seconds; rounded to the millisecond to avoid 1e-6 noise
    return f"ROUND((julianday({compiler.process(arg, **kw)}) - 2440587.5) * 86400.0, 3)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element, compiler, **kw):
    (arg,) = element.clauses
    # date_part returns double precision; EXTRACT returns numeric since PostgreSQL 14 and is
    # 2-3x slower in aggregates (docs/benchmarks.md)
    return f"date_part('epoch', {compiler.process(arg, **kw)})"


@compiles(epoch_seconds, "mysql")
@compiles(epoch_seconds, "mariadb")
def _epoch_mysql(element, compiler, **kw):
    (arg,) = element.clauses
    # TIMESTAMPDIFF ignores the session time zone and has no 2038 limit
    return f"(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {compiler.process(arg, **kw)}) / 1000000.0)"


class time_bin(FunctionElement):
    """floor(epoch_seconds(ts) / width): the index of the UTC bin that holds ts."""

    type = Integer()
    inherit_cache = True
    name = "time_bin"


@compiles(time_bin, "sqlite")
def _bin_sqlite(element, compiler, **kw):
    arg, width = element.clauses
    ts = compiler.process(arg, **kw)
    return f"(CAST(strftime('%s', {ts}) AS INTEGER) / {compiler.process(width, **kw)})"


@compiles(time_bin, "postgresql")
def _bin_pg(element, compiler, **kw):
    arg, width = element.clauses
    return (f"CAST(FLOOR(date_part('epoch', {compiler.process(arg, **kw)}) / {compiler.process(width, **kw)})"
            " AS BIGINT)")


@compiles(time_bin, "mysql")
@compiles(time_bin, "mariadb")
def _bin_mysql(element, compiler, **kw):
    arg, width = element.clauses
    return (f"(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', {compiler.process(arg, **kw)})"
            f" DIV {compiler.process(width, **kw)})")


def seconds_between(start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """end − start in seconds (may be negative; callers clamp)."""
    return epoch_seconds(end) - epoch_seconds(start)
