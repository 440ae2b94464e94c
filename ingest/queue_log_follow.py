"""Asterisk's queue_log followed live: the file Asterisk appends to, or its realtime table (CONTRACT section 7).

Both feed the one queue_log parser (`queue_log.py`, `live=True`), so the same events give the same rows as the
one-shot import. The parser's memory (calls open, agents) is the reader's state, saved by the follower.

* File: read from a byte offset up to the last complete line (a half-written last line waits for its end). The
  file is known by its first line; when the file at the path no longer starts with it (renamed and a new one
  made, or copied and truncated), the rest of the old file is read first from the rotated copy beside it
  (`queue_log.1`, `queue_log-20261206`…) that starts with that line, then the new file from its start.
* Table: Asterisk's own layout (contrib/ast-db-manage/queue_log: `id` BIGINT auto-increment, `time` DATETIME,
  `callid`, `queuename`, `agent`, `event`, `data1`..`data5`), or the one pipe-joined `data` column that Asterisk
  writes when data1..5 are absent, with or without `id`. Read by `id > last` in batches (by the index of the
  primary key: never a full scan); without `id`, by `time` (rows of the same time read once, in the order
  of EVENT_RANK: the order Asterisk wrote them in is not kept by such a table).
  `time` is local time in the source's `timezone`, or GMT with `gmt = true` (`queue_log_realtime_use_gmt`).
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, case, or_, select

from wallboard.config import Config, LiveSource
from wallboard.data_access.engines import make_engine
from wallboard.data_access.writes import to_stored
from wallboard.ingest.follow import Batch
from wallboard.ingest.queue_log import QueueLogParser

CHUNK_BYTES = 1 << 20  # a file read per step: ~10,000 lines
GAP_SECONDS = 60.0  # an id skipped by the table's reader is asked for again this long (its row may commit late)
MAX_GAPS = 1000
FIRST_LINE_BYTES = 4096


# Without `id`, the order of the events of one `time` value is lost: they are read in the order they happen in
# (a restart first, a call's entry before its ring, answer and end, a member added before a pause and its end).
EVENT_RANK = {name: rank for rank, names in enumerate((
    ("QUEUESTART",), ("ENTERQUEUE",), ("RINGNOANSWER", "RINGCANCELED"), ("CONNECT",),
    ("COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER", "ABANDON",
     "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW"),
    ("ADDMEMBER", "AGENTLOGIN"), ("PAUSEALL",), ("PAUSE",), ("UNPAUSEALL",), ("UNPAUSE",),
    ("REMOVEMEMBER", "AGENTLOGOFF"))) for name in names}


class QueueLogReader:
    """The parser's side of both readers: lines in, canonical rows and rejects out."""

    def __init__(self, source: LiveSource, config: Config) -> None:
        self.source, self.config = source, config
        self._rejected: list[tuple[str, str, str]] = []
        self.parser = self._new_parser()

    def _new_parser(self) -> QueueLogParser:
        source = self.source
        return QueueLogParser(
            lambda queue: source.site_of(queue, self.config),
            timezone="UTC" if source.gmt else (source.timezone or self.config.timezone),
            on_reject=lambda where, raw, reason: self._rejected.append((str(where), raw, reason)),
            group_of=source.group_of, agents=source.agents, live=True)

    def state(self) -> dict:
        return self.parser.state()

    def quality(self) -> dict[str, int]:
        """Odd input read so far (since the last checkpoint restored): shown on /data-quality."""
        st = self.parser.stats
        return {"unknown_events": sum(st.ignored_events.values()), "orphan_events": st.orphan_events,
                "clamped_times": st.clamped_times, "restarts": st.restarts, "rejected_lines": st.rejected_lines}

    def restore(self, state: dict | None) -> None:
        """The memory of a checkpoint, or none (a start from the saved position without one)."""
        self.parser = self._new_parser()
        if state is not None:
            self.parser.restore(state)

    def _batch(self, numbered: list[tuple[Any, str]], position: Any, more: bool, note: str | None = None) -> Batch:
        rows: dict[str, list[dict]] = {"calls": [], "agent_states": []}
        produced = list(self.parser.feed(numbered)) if numbered else []
        if not more:
            produced += self.parser.idle(datetime.now(UTC))
        for kind, row in produced:
            if kind == "call":
                rows["calls"].append({**row, **{k: to_stored(row[k]) if row[k] is not None else None
                                                for k in ("arrived_at", "queued_at", "answered_at", "ended_at")}})
            else:  # a pause reason is free text: the column keeps its first 64 characters
                rows["agent_states"].append({**row, "started_at": to_stored(row["started_at"]),
                                             "reason": row["reason"][:64] if row["reason"] else row["reason"]})
        rejected, self._rejected = self._rejected, []
        return Batch(position=position, rows=rows, events=len(numbered) - len(rejected), rejected=rejected,
                     last_event_at=self.parser._high_water, more=more, note=note)


def fingerprint(path: str | os.PathLike) -> str | None:
    """A file's identity: its first complete line, or its first 4 KiB (None while it has neither)."""
    try:
        with open(path, "rb") as f:
            head = f.read(FIRST_LINE_BYTES)
    except OSError:
        return None
    cut = head.find(b"\n") + 1
    if cut == 0 and len(head) < FIRST_LINE_BYTES:
        return None
    return hashlib.blake2b(head[:cut] if cut else head, digest_size=8).hexdigest()


class QueueLogFile(QueueLogReader):
    """`path = "/var/log/asterisk/queue_log"`: position {"file": first line's hash, "offset", "line"}."""

    def read(self, position: dict | None, limit: int) -> Batch:
        pos = position or {"file": None, "offset": 0, "line": 0}
        path = Path(self.source.path)
        current = fingerprint(path)
        size = path.stat().st_size if path.exists() else 0
        note, chosen = None, path
        if pos["file"] is not None and (pos["file"] != current or size < pos["offset"]):
            chosen = self._rotated(path, pos["file"])
            if chosen is None:  # its rest is gone: say so, and go on with the file there now
                note = (f"{path.name}: rotated, and no file beside it starts as the one read up to byte "
                        f"{pos['offset']}; reading {path.name} from its start")
                pos, chosen = {"file": None, "offset": 0, "line": 0}, path
        if not chosen.exists():
            return self._batch([], pos, more=False, note=note)
        # a rotated file gets no more once Asterisk has a new one at the path (until then it may still append)
        finished = chosen != path and current is not None
        asked = min(CHUNK_BYTES, max(FIRST_LINE_BYTES, limit * 200))
        with open(chosen, "rb") as f:
            f.seek(pos["offset"])
            data = f.read(asked)
            total = os.fstat(f.fileno()).st_size
        at_end = pos["offset"] + len(data) >= total
        # a half-written last line waits for its end; that of a finished rotated file is whole
        end = len(data) if finished and at_end else data.rfind(b"\n") + 1
        if end == 0 and len(data) == asked:  # no end of line in a whole chunk: junk, read (and rejected) as a line
            end = len(data)
        lines = data[:end].split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        if len(lines) > limit:  # at most `limit` events a step: each step's transaction stays short
            lines = lines[:limit]
            end, at_end = sum(len(line) + 1 for line in lines), False
        numbered = [(pos["line"] + i + 1, line.decode("utf-8", "replace").replace("\x00", ""))
                    for i, line in enumerate(lines)]
        if finished and at_end:  # the next newer rotated copy (two rotations while stopped), else the path's file
            newer = self._next_rotated(path, chosen)
            after = {"file": fingerprint(newer), "offset": 0, "line": 0} if newer else \
                {"file": None, "offset": 0, "line": 0}
            return self._batch(numbered, after, more=True, note=note)
        after = {"file": pos["file"] or (fingerprint(chosen) if end else None), "offset": pos["offset"] + end,
                 "line": pos["line"] + len(lines)}
        return self._batch(numbered, after, more=end > 0 and pos["offset"] + end < total, note=note)

    @staticmethod
    def _siblings(path: Path) -> list[Path]:
        """The rotated copies beside `path` (logrotate's names, not compressed), oldest first."""
        return sorted((p for p in path.parent.glob(path.name + "*")
                       if p != path and not p.name.endswith((".gz", ".bz2", ".xz", ".zst"))),
                      key=lambda p: p.stat().st_mtime)

    def _rotated(self, path: Path, wanted: str) -> Path | None:
        """The rotated copy that starts with the line `wanted` hashes."""
        return next((p for p in self._siblings(path) if fingerprint(p) == wanted), None)

    def _next_rotated(self, path: Path, done: Path) -> Path | None:
        """After `done`, the rotated copy written next (two rotations while the follower was stopped)."""
        after = done.stat().st_mtime
        return next((p for p in self._siblings(path) if p.stat().st_mtime > after and fingerprint(p)), None)


class QueueLogTable(QueueLogReader):
    """`url = …` (and `table`): position {"id": last id, "gaps": ids skipped, recently} or, without `id`,
    {"time": the last time read, "seen": digests of the rows of that time read}."""

    def __init__(self, source: LiveSource, config: Config) -> None:
        super().__init__(source, config)
        self.engine = make_engine(source.url)
        self._table: Table | None = None

    def table(self) -> Table:
        if self._table is None:
            self._table = Table(self.source.table, MetaData(), autoload_with=self.engine)
            names = set(self._table.c.keys())
            missing = {"time", "callid", "queuename", "agent", "event"} - names
            if missing or not ({"data1", "data"} & names):
                raise ValueError(f"table {self.source.table}: not Asterisk's queue_log (missing "
                                 f"{', '.join(sorted(missing) or ['data1..data5 or data'])})")
        return self._table

    def read(self, position: dict | None, limit: int) -> Batch:
        t = self.table()
        c = t.c
        data = [c[f"data{i}"] for i in range(1, 6)] if "data1" in c else [c.data]
        columns = [c.time, c.callid, c.queuename, c.agent, c.event, *data]
        pos = position or {}
        if "id" in c:
            return self._by_id(c, columns, pos, limit)
        # without `id`: by time; the rows of the last time read are known by their content (`seen`), so a row of
        # that time committed later is read and none twice. A row without a time cannot be placed: not read.
        since, seen = pos.get("time"), set(pos.get("seen", ()))
        order = [c.time, case(EVENT_RANK, value=c.event, else_=len(EVENT_RANK)), c.callid, c.agent, c.queuename,
                 c.event, *data]
        stmt = select(*columns).where(c.time.is_not(None)).order_by(*order).limit(limit + len(seen))
        if since is not None:
            stmt = stmt.where(c.time >= _as_time(since, c.time))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        lines = [(r[0], _line(r)) for r in rows]
        fresh = [(when, line) for when, line in lines if not (_time_text(when) == since and _digest(line) in seen)]
        numbered = [(f"time {when}", line) for when, line in fresh]
        if fresh:
            last = _time_text(fresh[-1][0])
            seen = (seen if last == since else set()) | {_digest(line) for when, line in fresh
                                                          if _time_text(when) == last}
            after = {"time": last, "seen": sorted(seen)}
        else:
            after = {"time": since, "seen": sorted(seen)}
        return self._batch(numbered, after, more=len(rows) >= limit + len(pos.get("seen", ())))

    def _by_id(self, c, columns: list, pos: dict, limit: int) -> Batch:
        """`id > last`, and the ids skipped on the way (a row committed after a later one: Asterisk writes from
        many threads) asked for again for GAP_SECONDS, then given up (a rolled-back insert leaves its id unused)."""
        last = pos.get("id", 0)
        now = time.time()
        gaps = {int(k): v for k, v in pos.get("gaps", {}).items() if now - v < GAP_SECONDS}
        where = c.id > last if not gaps else or_(c.id > last, c.id.in_(sorted(gaps)))
        stmt = select(c.id, *columns).where(where).order_by(c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        numbered = [(f"id {r[0]}", _line(r[1:])) for r in rows]
        expected = last + 1
        for r in rows:
            gaps.pop(r[0], None)
            if r[0] > last:
                gaps.update(dict.fromkeys(range(expected, r[0]), now) if r[0] - expected < MAX_GAPS else {})
                expected = r[0] + 1
        after = {"id": max([last, *(r[0] for r in rows)]), **({"gaps": {str(k): v for k, v in
                                                                        sorted(gaps.items())[-MAX_GAPS:]}}
                                                              if gaps else {})}
        return self._batch(numbered, after, more=len(rows) == limit)


def _digest(line: str) -> str:
    return hashlib.blake2b(line.encode(), digest_size=5).hexdigest()


def _time_text(value: Any) -> str:
    """A `time` value as Asterisk writes it (`%F %T.%6q`): a DATETIME column's value or the text stored."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value).strip()


def _as_time(text: str, column) -> Any:
    return datetime.fromisoformat(text) if column.type.python_type is datetime else text


def _line(r) -> str:
    """A table row as the file's line: time|callid|queue|agent|event|data… (empty data columns dropped at the end
    by the parser; a `data` column is already pipe-joined)."""
    return "|".join([_time_text(r[0]), *("" if v is None else str(v) for v in r[1:])])
