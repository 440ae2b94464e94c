"""Importers for the canonical CSV files (CONTRACT section 2).

Streaming in batches (constant memory), one transaction per batch, idempotent
(an upsert that compares with what is stored: re-importing changes nothing), and
nothing dropped silently: a rejected row goes to FILE.rejected.csv with its line and
reason; an out-of-order row is kept, flagged and counted.
"""

from __future__ import annotations

import codecs
import csv
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, insert, select

from wallboard.config import Config
from wallboard.data_access import schema
from wallboard.data_access.schema import (
    FLAG_ANSWER_BEFORE_QUEUE,
    FLAG_END_BEFORE_ANSWER,
    FLAG_END_BEFORE_QUEUE,
    FLAG_NEGATIVE_WRAP_UP,
    FLAG_QUEUE_BEFORE_ARRIVAL,
)
from wallboard.data_access.writes import to_stored, upsert
from wallboard.exports import csv_row
from wallboard.maths.deadlines import SEVERITIES
from wallboard.maths.kpi import AGENT_STATES

BATCH_ROWS = 2000


class ImportFileError(ValueError):
    """The file itself is unusable (exit 2): the message names file, line and problem."""


class RowError(ValueError):
    """One row cannot be used; it is written to the reject file with this reason."""


@dataclass
class ImportResult:
    kind: str
    file: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    flagged: int = 0
    rejected_file: str | None = None
    ignored_events: dict[str, int] = field(default_factory=dict)
    first_at: datetime | None = None  # the period the file's calls or surveys fall in (naive UTC): the history
    last_at: datetime | None = None  # aggregates of that period are refreshed after the import

    def saw(self, row: dict) -> None:
        """Widen the period by a written row's own time (a call's queue entry or arrival, a survey's submission)."""
        moment = row.get("queued_at") or row.get("arrived_at") or row.get("submitted_at")
        if isinstance(moment, datetime):
            self.first_at = moment if self.first_at is None else min(self.first_at, moment)
            self.last_at = moment if self.last_at is None else max(self.last_at, moment)

    def summary(self) -> str:
        text = f"imported {self.imported}, updated {self.updated}, rejected {self.rejected}"
        extra = [f"unchanged {self.unchanged}"]
        if self.duplicates:
            extra.append(f"duplicates in file {self.duplicates}")
        if self.flagged:
            extra.append(f"flagged {self.flagged} (out-of-order times, counted as 0)")
        if self.rejected_file:
            extra.append(f"rejects in {self.rejected_file}")
        return f"{text} ({'; '.join(extra)})"


# ---------------------------------------------------------------- value parsing

class TimeParser:
    """ISO 8601 text → naive UTC; text without an offset is local time of the site's zone."""

    def __init__(self, config: Config, timezone: str | None) -> None:
        self.config = config
        self.fixed = ZoneInfo(timezone) if timezone else None
        self._zones: dict[str, ZoneInfo] = {}

    def zone(self, site: str) -> ZoneInfo:
        if self.fixed:
            return self.fixed
        if site not in self._zones:
            self._zones[site] = ZoneInfo(self.config.site_timezone(site))
        return self._zones[site]

    def __call__(self, text: str | None, column: str, site: str, required: bool = False) -> datetime | None:
        text = (text or "").strip()
        if not text:
            if required:
                raise RowError(f"{column} is empty")
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise RowError(f"{column}: not an ISO 8601 time: {text!r}") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone(site))
        return to_stored(value)


def _text(row: dict, column: str, required: bool = False) -> str | None:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty")
    return value or None


def _number(row: dict, column: str) -> float | None:
    value = _text(row, column)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise RowError(f"{column}: not a number: {value!r}") from None


def _flag(value: int, condition: bool, flag: int) -> int:
    return value | flag if condition else value


# ---------------------------------------------------------------- row converters

def call_row(row: dict, when: TimeParser) -> dict:
    """A canonical calls row, validated; out-of-order times are flagged, not rejected."""
    call_id = _text(row, "call_id", True)
    site = _text(row, "site", True)
    queued = when(row.get("queued_at"), "queued_at", site)
    arrived = when(row.get("arrived_at"), "arrived_at", site, required=queued is None) or queued
    answered = when(row.get("answered_at"), "answered_at", site)
    ended = when(row.get("ended_at"), "ended_at", site)
    if answered is not None and queued is None:
        raise RowError("answered_at without queued_at (a call must queue before an agent answers)")
    wrap = _number(row, "wrap_up_seconds")
    transferred = (_text(row, "transferred") or "0").lower()
    if transferred not in ("0", "1", "true", "false", "yes", "no"):
        raise RowError(f"transferred: expected 0 or 1, got {transferred!r}")
    direction = (_text(row, "direction") or "inbound").lower()
    if direction not in ("inbound", "outbound"):
        raise RowError(f"direction: expected inbound or outbound, got {direction!r}")
    flags = 0
    flags = _flag(flags, queued is not None and queued < arrived, FLAG_QUEUE_BEFORE_ARRIVAL)
    flags = _flag(flags, answered is not None and answered < queued, FLAG_ANSWER_BEFORE_QUEUE)
    flags = _flag(flags, answered is not None and ended is not None and ended < answered, FLAG_END_BEFORE_ANSWER)
    flags = _flag(flags, answered is None and queued is not None and ended is not None and ended < queued,
                  FLAG_END_BEFORE_QUEUE)
    flags = _flag(flags, wrap is not None and wrap < 0, FLAG_NEGATIVE_WRAP_UP)
    return {"call_id": call_id, "site": site, "skill_group": _text(row, "skill_group"), "arrived_at": arrived,
            "queued_at": queued, "answered_at": answered, "ended_at": ended, "agent_id": _text(row, "agent_id"),
            "wrap_up_seconds": wrap, "transferred": 1 if transferred in ("1", "true", "yes") else 0,
            "direction": direction, "caller_id": _text(row, "caller_id"), "category": _text(row, "category"),
            "quality_flags": flags}


def agent_state_row(row: dict, when: TimeParser) -> dict:
    site = _text(row, "site", True)
    state = (_text(row, "state", True) or "").lower()
    if state not in AGENT_STATES:
        raise RowError(f"state: {state!r} is not one of {', '.join(AGENT_STATES)}")
    return {"agent_id": _text(row, "agent_id", True), "site": site, "state": state,
            "reason": _text(row, "reason"), "started_at": when(row.get("started_at"), "started_at", site, True),
            "_agent_name": _text(row, "agent_name")}


def survey_row(row: dict, when: TimeParser) -> dict:
    site = _text(row, "site", True)
    score_text = _text(row, "score", True)
    try:
        score = int(score_text)
    except ValueError:
        raise RowError(f"score: not an integer: {score_text!r}") from None
    if not 1 <= score <= 5:
        raise RowError(f"score: must be 1..5, got {score}")
    return {"survey_id": _text(row, "survey_id", True), "call_id": _text(row, "call_id"), "site": site,
            "skill_group": _text(row, "skill_group"), "agent_id": _text(row, "agent_id"),
            "submitted_at": when(row.get("submitted_at"), "submitted_at", site, True), "score": score,
            "survey_type": _text(row, "survey_type"), "comment": _text(row, "comment")}


def complaint_row(row: dict, when: TimeParser) -> dict:
    site = _text(row, "site", True)
    severity = _text(row, "severity")
    if severity is not None:
        severity = severity.upper()
        if severity not in SEVERITIES:
            raise RowError(f"severity: expected I, II, III, IV or V, got {severity!r}")
    out = {"complaint_id": _text(row, "complaint_id", True), "site": site, "category": _text(row, "category"),
           "severity": severity, "channel": _text(row, "channel"), "owner": _text(row, "owner")}
    for column in schema.COMPLAINT_TIMES:
        out[column] = when(row.get(column), column, site, required=column == "received_at")
    return out


@dataclass(frozen=True)
class Kind:
    table: Table
    key: tuple[str, ...]
    required: tuple[str, ...]
    convert: Callable[[dict, TimeParser], dict]


KINDS = {
    "calls": Kind(schema.calls, ("call_id",), ("call_id", "site", "arrived_at"), call_row),
    "agent-states": Kind(schema.agent_states, ("agent_id", "started_at"),
                         ("agent_id", "site", "state", "started_at"), agent_state_row),
    "surveys": Kind(schema.surveys, ("survey_id",), ("survey_id", "site", "submitted_at", "score"), survey_row),
    "complaints": Kind(schema.complaints, ("complaint_id",), ("complaint_id", "site", "received_at"),
                       complaint_row),
}


# ---------------------------------------------------------------- files

MAX_LINE_CHARS = 1 << 20  # no export has a 1-MiB line; a longer one is junk, read in constant memory


def check_decodable(path: str, encoding: str) -> int:
    """Decode the whole file once (streaming) so that a bad byte stops the import before any write.

    Also stops at binary data (NUL bytes) and at a line longer than MAX_LINE_CHARS, which
    is checked per 1-MiB chunk without splitting lines.  Returns the number of lines, for
    the progress display.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise ImportFileError(f"{path}: unknown encoding {encoding!r}") from None
    lines = 1
    run = 0  # characters since the last newline
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as e:
                line = lines + chunk[: e.start].count(b"\n")
                raise ImportFileError(f"{path}, line {line}: cannot be decoded as {encoding} ({e.reason}); "
                                      "try --encoding gb18030 for Chinese exports") from None
            if "\x00" in text:
                line = lines + text[: text.index("\x00")].count("\n")
                raise ImportFileError(f"{path}, line {line}: binary data (NUL byte); not a CSV file")
            first = text.find("\n")  # a chunk holds at most MAX_LINE_CHARS: only lines across chunks can be longer
            if run + (len(text) if first < 0 else first) > MAX_LINE_CHARS:
                raise ImportFileError(f"{path}, line {lines}: a line longer than {MAX_LINE_CHARS:,} characters; "
                                      "not an export of this kind")
            run = run + len(text) if first < 0 else len(text) - text.rfind("\n") - 1
            lines += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}, line {lines}: the file ends in the middle of a character "
                                  f"(truncated, or not {encoding})") from None
    return lines


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, label: str, total: int, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label, self.total = label, max(total, 1)

    def update(self, done: int) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label}: {done:,} / {self.total:,} lines ({100 * done // self.total}%)")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class RejectWriter:
    """FILE.rejected.csv, written on the first reject (a stale one from an earlier run is removed).

    Rows go to a temporary file renamed into place only when the run completes, so a
    failed run leaves no half-written reject file.
    """

    def __init__(self, path: str, header: list[str], encoding: str = "utf-8") -> None:
        self.path = path + ".rejected.csv"
        self.partial = self.path + ".partial"
        self.header = ["line", "reason", *header]
        self._file = None
        self._writer = None
        for old in (self.path, self.partial):
            if os.path.exists(old):
                os.remove(old)

    def write(self, line: int, reason: str, values: dict | list) -> None:
        if self._writer is None:
            self._file = open(self.partial, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
            self._writer.writerow(csv_row(self.header))  # the header comes from the imported file too
        if isinstance(values, dict):  # surplus cells (more than the header has) are kept at the end
            cells = [values.get(h, "") for h in self.header[2:]] + list(values.get(None) or [])
        else:
            cells = list(values)
        self._writer.writerow(csv_row([line, reason, *cells]))  # an imported "=HYPERLINK(…)" stays text

    def close(self, keep: bool = True) -> str | None:
        """The reject file's path, or None when there were no rejects or the run failed (`keep` False)."""
        if not self._file:
            return None
        self._file.close()
        if not keep:
            os.remove(self.partial)
            return None
        os.replace(self.partial, self.path)
        return self.path


def import_csv(kind: str, path: str, engine: Engine, config: Config, timezone: str | None = None,
               encoding: str = "utf-8", batch_rows: int = BATCH_ROWS) -> ImportResult:
    """Load one canonical CSV file; raises ImportFileError when the file itself is unusable."""
    spec = KINDS[kind]
    if not os.path.isfile(path):
        raise ImportFileError(f"{path}: no such file")
    total = check_decodable(path, encoding)
    when = TimeParser(config, timezone)
    result = ImportResult(kind=kind, file=path)
    progress = Progress(os.path.basename(path), total)
    with open(path, newline="", encoding=encoding) as f:
        reader = csv.DictReader(f)
        try:
            header = [h.strip().lstrip("\ufeff") for h in (reader.fieldnames or [])]
        except csv.Error as e:
            raise ImportFileError(f"{path}, line 1: not a CSV file ({e})") from None
        reader.fieldnames = header
        missing = [c for c in spec.required if c not in header]
        if missing:
            raise ImportFileError(f"{path}, line 1: required column {', '.join(missing)} missing "
                                  f"(found: {', '.join(header) or 'nothing'})")
        check_rows(path, encoding, len(header))
        rejects = RejectWriter(path, header)
        done = False
        try:
            for batch in _batches(_numbered(reader, path), batch_rows):
                rows: dict[tuple, dict] = {}
                for line, raw in batch:
                    try:
                        if None in raw:
                            raise RowError(f"{len(raw[None])} more cells than the header has columns")
                        row = spec.convert(raw, when)
                        check_lengths(row, spec.table)
                    except RowError as e:
                        result.rejected += 1
                        rejects.write(line, str(e), raw)
                        continue
                    k = tuple(row[c] for c in spec.key)
                    if k in rows:
                        result.duplicates += 1
                    rows[k] = row
                    if kind in ("calls", "surveys"):
                        result.saw(row)
                    result.flagged += 1 if row.get("quality_flags") else 0
                write_batch(engine, spec, list(rows.values()), result)
                progress.update(batch[-1][0])
            done = True
        finally:
            result.rejected_file = rejects.close(keep=done)
            progress.finish()
    record_run(engine, result)
    return result


def check_rows(path: str, encoding: str, columns: int) -> None:
    """Read the CSV once before any write: malformed CSV or a truncated file stops the import whole.

    A file cut off mid-write (an interrupted copy or export) ends without a newline in a
    row with fewer cells than the header: nothing of it is written.  Elsewhere a short row
    is an ordinary row whose missing cells are empty (some exporters drop trailing empty
    cells), and a row with more cells goes to the reject file.
    """
    with open(path, newline="", encoding=encoding) as f:
        reader = csv.reader(f)
        try:
            next(reader, None)
            tail = deque(reader, maxlen=1)  # C speed, constant memory
        except csv.Error as e:
            raise ImportFileError(f"{path}, line {reader.line_num}: malformed CSV ({e}); nothing imported") from None
    last = tail[0] if tail else []
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - 1))
        ends_with_newline = f.read(1) in (b"\n", b"\r")
    if last and len(last) < columns and not ends_with_newline:
        raise ImportFileError(f"{path}, line {reader.line_num}: the last line has {len(last)} of {columns} cells "
                              "and no line end (a truncated file); nothing imported")


def check_lengths(row: dict, table: Table) -> None:
    """A value longer than its column is a row error here, not a database error that stops the import."""
    for column in table.columns:
        value = row.get(column.name)
        limit = getattr(column.type, "length", None)
        if isinstance(value, str) and limit and len(value) > limit:
            raise RowError(f"{column.name}: longer than {limit} characters")


def _numbered(reader: csv.DictReader, path: str) -> Iterator[tuple[int, dict]]:
    try:
        for raw in reader:
            yield reader.line_num, raw
    except csv.Error as e:
        raise ImportFileError(f"{path}, line {reader.line_num}: malformed CSV ({e})") from None


def write_batch(engine: Engine, spec: Kind, rows: list[dict], result: ImportResult) -> None:
    is_states = spec.table is schema.agent_states
    names = {r["agent_id"]: (r.pop("_agent_name", None), r["site"]) for r in rows} if is_states else {}
    with engine.begin() as conn:
        new, changed, same = upsert(conn, spec.table, spec.key, rows)
        if names:
            upsert(conn, schema.agents, ("agent_id",), agent_rows(conn, names))
    result.imported += new
    result.updated += changed
    result.unchanged += same


def agent_rows(conn, names: dict) -> list[dict]:
    """Agents seen in agent-state rows; an existing skill group is kept."""
    existing = {r.agent_id: r for r in conn.execute(
        select(schema.agents).where(schema.agents.c.agent_id.in_(list(names))))}
    out = []
    for agent_id, (name, site) in names.items():
        old = existing.get(agent_id)
        out.append({"agent_id": agent_id, "agent_name": name or (old.agent_name if old else None), "site": site,
                    "skill_group": old.skill_group if old else None})
    return out


def record_run(engine: Engine, result: ImportResult) -> None:
    """Keep the counts of each import for the app's data-quality panel."""
    with engine.begin() as conn:
        conn.execute(insert(schema.import_runs).values(
            kind=result.kind, file=os.path.abspath(result.file)[-512:],
            finished_at=datetime.now(UTC).replace(tzinfo=None), imported=result.imported, updated=result.updated,
            unchanged=result.unchanged, rejected=result.rejected, flagged=result.flagged))
