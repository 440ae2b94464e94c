"""The `sql` live source (CONTRACT section 7): any table or view of a CRM, ticket or survey system, mapped by the
user's SELECT onto the canonical columns of one target (calls | agent-states | surveys | complaints) and read
incrementally by a watermark column that grows with every change.

    query = "SELECT ticket_no AS complaint_id, shop AS site, ..., updated_at FROM tickets WHERE updated_at >= :since"
    watermark = "updated_at"

Every row goes through the CSV importers' converter of its target (`importers.KINDS[target].convert`, on the
row's values as text, and the same column-length check), so a row from SQL is accepted or rejected exactly as
the same row of a canonical CSV file would be; a row that maps badly goes to the reject file with its reason and
the rest goes on. A query that lacks a required column altogether (`site` may come from the source's `site`) is
an error of the source (shown on /data-quality, nothing read), not a reject of every row.

How it reads:

* Each read runs `SELECT * FROM (<query>) AS src WHERE src.<watermark> >= :since ORDER BY src.<watermark>
  LIMIT n`: one statement that works on SQLite, PostgreSQL and MySQL/MariaDB, whatever the user's query orders
  by, and never goes back below the position. The watermark must be one of the query's columns. A trailing `;`
  of the query is dropped.
* Rows sharing a watermark value: `>` would miss a row committed later with the value last read (an `updated_at`
  of whole seconds, two changes in the same second). `>=` is the recommended form; a `> :since` (or
  `:since <`) in the query is read as `>= :since` (`:since <=`), so the contract's example is safe as written.
  The rows already read at the last value are remembered in the position by a short digest of their whole
  content (8 characters each): they are skipped when read again, and a row of that value that is new, or changed
  without its watermark moving, is read. Nothing is written twice, and a tie longer than a batch is read in
  batches (each read takes `limit` more rows than it skips). A position keeps at most SEEN_MAX digests (it is a
  TEXT column, 64 KiB on MariaDB); a longer tie is remembered whole in memory while the follower runs, and after
  a restart the rows of it beyond those kept are read and upserted again (counted again as events, never lost).
* First read (no position): `:since` is bound to the lowest value of the watermark's type, which the database's
  answer tells: the time 1000-01-01, else the number -2**62, else the empty text -- the first whose rows come back
  without an error and with a watermark of that kind (MySQL and SQLite compare mismatched types silently, so a
  wrong guess shows in the values returned). An empty source is asked again at the next read.
* Position (JSON): {"since": the last watermark value (ISO text for a time or date, a number, or text),
  "type": "datetime" | "date" | "int" | "float" | "decimal" | "text", "seen": the digests, "n": how many}.
  The value is bound back with the type the database gave it. `state()` is None: the position is everything.
* Times: a naive time from the database (DATETIME, TIMESTAMP WITHOUT TIME ZONE, SQLite's text) is local time in
  the source's `timezone` (default: [general] timezone); an aware one (TIMESTAMPTZ) is taken as it is. Both are
  stored as naive UTC like every canonical time. A watermark that is a time gives the batch's `last_event_at`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, column, literal_column, select, text
from sqlalchemy.exc import DataError, ProgrammingError
from sqlalchemy.sql.elements import quoted_name

from wallboard.config import Config, LiveSource
from wallboard.data_access.engines import make_engine
from wallboard.ingest.follow import Batch
from wallboard.ingest.importers import KINDS, RowError, TimeParser, check_lengths

SEEN_MAX = 4000  # digests kept in a position: 32 KiB of text
DIGEST_CHARS = 8
TABLE_OF_TARGET = {"calls": "calls", "agent-states": "agent_states", "surveys": "surveys", "complaints": "complaints"}
# First read: the lowest value of each kind of watermark, tried in this order.
FIRST_VALUES: tuple[tuple[str, Any], ...] = (("time", datetime(1000, 1, 1)), ("number", -(2 ** 62)), ("text", ""))
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SqlSource:
    """A `kind = "sql"` source as a follower's reader (`read`, `state`, `restore`)."""

    def __init__(self, source: LiveSource, config: Config) -> None:
        if source.target not in KINDS or not source.query or not source.watermark:
            raise ValueError(f"source {source.name}: a sql source needs target, query and watermark")
        self.source, self.config = source, config
        self.kind = KINDS[source.target]
        self.table_name = TABLE_OF_TARGET[source.target]
        self.zone = ZoneInfo(source.timezone or config.timezone)
        self.when = TimeParser(config, source.timezone)
        self.watermark = source.watermark.lower()
        self.engine = make_engine(source.url)
        self.query = inclusive(source.query)
        self._memory: tuple[dict, frozenset[str]] | None = None  # the last position given, with all its digests

    # -- the Reader protocol -------------------------------------------------------------------------------
    def state(self) -> None:
        return None

    def restore(self, state: dict | None) -> None:
        pass

    def read(self, position: dict | None, limit: int) -> Batch:
        if not position or position.get("since") is None:
            return self._first(limit)
        since = decode(position)
        seen = self._seen(position)
        fetch = limit + len(seen)
        rows = self._fetch(since, fetch)
        return self._batch(rows, position, since, seen, more=len(rows) >= fetch)

    # -- reading -------------------------------------------------------------------------------------------
    def _select(self, n: int) -> Select:
        """SELECT * FROM (<query>) AS src WHERE src.<watermark> >= :since ORDER BY src.<watermark> LIMIT n; the
        watermark quoted only where it must be (an unquoted name is folded as the user's query folds it)."""
        wm = self.source.watermark
        plain = _IDENTIFIER.fullmatch(wm) and wm.lower() not in self.engine.dialect.identifier_preparer.reserved_words
        src = text(self.query).columns(column(quoted_name(wm, quote=not plain))).subquery("src")
        mark = src.c[0]
        return select(literal_column("*")).select_from(src).where(mark >= bindparam("since")).order_by(mark).limit(n)

    def _fetch(self, since: Any, n: int) -> list[dict]:
        with self.engine.connect() as conn:
            result = conn.execute(self._select(n), {"since": since})
            columns = [str(k).lower() for k in result.keys()]
            rows = [dict(zip(columns, r, strict=True)) for r in result]
        self._check_columns(columns)
        return rows

    def _check_columns(self, columns: list[str]) -> None:
        missing = [c for c in self.kind.required if c not in columns and not (c == "site" and self.source.site)]
        if self.watermark not in columns:
            missing.append(f"{self.source.watermark} (the watermark)")
        if missing:
            raise ValueError(f"the query of source {self.source.name} gives no {', '.join(missing)} column "
                             f"(a {self.source.target} row needs {', '.join(self.kind.required)}); "
                             f"it gives {', '.join(columns)}")

    def _first(self, limit: int) -> Batch:
        """No position yet: everything, from the lowest value of the watermark's type (see the module's doc)."""
        error: Exception | None = None
        answered = False
        for kind, lowest in FIRST_VALUES:
            try:
                rows = self._fetch(lowest, limit)
            except (ProgrammingError, DataError) as e:  # PostgreSQL: no comparison of these types
                error = error or e  # the first says most (a query that cannot run fails the same way each time)
                continue
            answered = True
            values = [r[self.watermark] for r in rows if r[self.watermark] is not None]
            if values and _fits(kind, values[0]):
                return self._batch(rows, None, None, frozenset(), more=len(rows) >= limit)
        if not answered and error is not None:
            raise error
        return Batch(position=None, more=False)

    def _seen(self, position: dict) -> frozenset[str]:
        if self._memory is not None and self._memory[0] == position:
            return self._memory[1]
        codes = position.get("seen") or ""
        return frozenset(codes[i:i + DIGEST_CHARS] for i in range(0, len(codes), DIGEST_CHARS))

    def _batch(self, rows: list[dict], position: dict | None, since: Any, seen: frozenset[str], more: bool) -> Batch:
        out: list[dict] = []
        rejected: list[tuple[str, str, str]] = []
        last, tie = since, set(seen)
        for row in rows:
            value = row[self.watermark]
            texts = {k: as_text(v) for k, v in row.items()}
            code = digest(texts)
            if since is not None and value == since and code in seen:
                continue  # read before, unchanged
            if value is None:  # only a query that lets such rows through: they cannot be followed
                rejected.append((self._where(texts), _raw(texts), f"{self.source.watermark} is empty"))
                continue
            if value != last:
                last, tie = value, set()
            tie.add(code)
            try:
                out.append(self._convert(texts))
            except RowError as e:
                rejected.append((self._where(texts), _raw(texts), str(e)))
        if last is None or (last == since and len(tie) == len(seen)):
            after = position  # nothing new
        else:
            codes = sorted(tie)
            after = {**encode(last), "seen": "".join(codes[-SEEN_MAX:]), "n": len(codes)}
            self._memory = (after, frozenset(tie))
        return Batch(position=after, rows={self.table_name: out}, events=len(out), rejected=rejected,
                     last_event_at=self._moment(last) if out else None, more=more)

    # -- one row -------------------------------------------------------------------------------------------
    def _convert(self, texts: dict[str, str]) -> dict:
        if not texts.get("site", "").strip() and self.source.site:
            texts = {**texts, "site": self.source.site}
        row = self.kind.convert(texts, self.when)
        check_lengths(row, self.kind.table)
        if "_agent_name" in row:  # agent-states: the follower keeps agents' names from `agent_name`
            row["agent_name"] = row.pop("_agent_name")
        return row

    def _where(self, texts: dict[str, str]) -> str:
        keys = ", ".join(f"{k} {texts.get(k) or '?'}" for k in self.kind.key
                         if k in texts and k != self.watermark)
        return f"{self.source.watermark} {texts.get(self.watermark) or '?'}" + (f", {keys}" if keys else "")

    def _moment(self, value: Any) -> datetime | None:
        """The watermark as the newest event's time (aware UTC), when it is a time."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                return None
        if not isinstance(value, datetime):
            return None
        return (value if value.tzinfo else value.replace(tzinfo=self.zone)).astimezone(UTC)


def inclusive(query: str) -> str:
    """The user's query with `> :since` read as `>= :since` (and `:since <` as `:since <=`), without a final `;`."""
    query = query.strip().rstrip(";").rstrip()
    query = re.sub(r"(?<![<>!=-])>\s*:since\b", ">= :since", query)
    return re.sub(r":since\s*<(?![=>])", ":since <=", query)


def as_text(value: Any) -> str:
    """A database value as the text a CSV cell would hold (what the importers' converters read)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def digest(texts: dict[str, str]) -> str:
    """A row's content in DIGEST_CHARS characters (48 bits of SHA-1)."""
    data = json.dumps(sorted(texts.items()), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.blake2b(data, digest_size=6).digest()).decode()


def encode(value: Any) -> dict:
    """A watermark value as JSON, with the type it is bound back with."""
    if isinstance(value, datetime):
        return {"since": value.isoformat(), "type": "datetime"}
    if isinstance(value, date):
        return {"since": value.isoformat(), "type": "date"}
    if isinstance(value, bool):
        raise ValueError("a watermark that is true or false cannot grow")
    if isinstance(value, int):
        return {"since": value, "type": "int"}
    if isinstance(value, float):
        return {"since": value, "type": "float"}
    if isinstance(value, Decimal):
        return {"since": str(value), "type": "decimal"}
    if isinstance(value, str):
        return {"since": value, "type": "text"}
    raise ValueError(f"a watermark of type {type(value).__name__} cannot be followed (a time, number or text)")


def decode(position: dict) -> Any:
    value, kind = position["since"], position.get("type", "text")
    return {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "int": int, "float": float,
            "decimal": Decimal, "text": str}[kind](value)


def _fits(kind: str, value: Any) -> bool:
    """Whether a watermark value returned is of the kind of the lowest value bound (see `_first`)."""
    if kind == "time":
        if isinstance(value, date):
            return True
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.strip())
                return True
            except ValueError:
                return False
        return False
    if kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    return True


def _raw(texts: dict[str, str]) -> str:
    return json.dumps(texts, ensure_ascii=False)
