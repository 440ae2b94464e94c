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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, case, select

from wallboard.config import Config, LiveSource
from wallboard.data_access.engines import make_engine
from wallboard.data_access.writes import to_stored
from wallboard.ingest.follow import Batch
from wallboard.ingest.queue_log import QueueLogParser

CHUNK_BYTES = 1 << 20  # a file read per step: ~10,000 lines
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
        self.source = source
        self._rejected: list[tuple[str, str, str]] = []
        self.parser = QueueLogParser(
            lambda queue: source.site_of(queue, config),
            timezone="UTC" if source.gmt else (source.timezone or config.timezone),
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
            else:
                rows["agent_states"].append({**row, "started_at": to_stored(row["started_at"])})
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
    return hashlib.sha1(head[:cut] if cut else head).hexdigest()[:16]


class QueueLogFile(QueueLogReader):
    """`path = "/var/log/asterisk/queue_log"`: position {"file": first line's hash, "offset", "line"}."""

    def read(self, position: dict | None, limit: int) -> Batch:
        pos = position or {"file": None, "offset": 0, "line": 0}
        path = Path(self.source.path)
        size = path.stat().st_size if path.exists() else 0
        note, chosen = None, path
        if pos["file"] is not None and (pos["file"] != fingerprint(path) or size < pos["offset"]):
            chosen = self._rotated(path, pos["file"])
            if chosen is None:  # its rest is gone: say so, and go on with the file there now
                note = (f"{path.name}: rotated, and no file beside it starts as the one read up to byte "
                        f"{pos['offset']}; reading {path.name} from its start")
                pos, chosen = {"file": None, "offset": 0, "line": 0}, path
        if not chosen.exists():
            return self._batch([], pos, more=False, note=note)
        rotated = chosen != path
        with open(chosen, "rb") as f:
            f.seek(pos["offset"])
            data = f.read(min(CHUNK_BYTES, max(FIRST_LINE_BYTES, limit * 200)))
            total = os.fstat(f.fileno()).st_size
        at_end = pos["offset"] + len(data) >= total
        # a half-written last line waits for its end; a rotated file will get no more: its last line is whole
        end = len(data) if rotated and at_end else data.rfind(b"\n") + 1
        lines = data[:end].split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        if len(lines) > limit:  # at most `limit` events a step: each step's transaction stays short
            lines = lines[:limit]
            end, at_end = sum(len(line) + 1 for line in lines), False
        numbered = [(pos["line"] + i + 1, line.decode("utf-8", "replace")) for i, line in enumerate(lines)]
        if rotated and at_end:  # the rotated file is read: the file at the path next, from its start
            return self._batch(numbered, {"file": None, "offset": 0, "line": 0}, more=True, note=note)
        after = {"file": pos["file"] or (fingerprint(chosen) if end else None), "offset": pos["offset"] + end,
                 "line": pos["line"] + len(lines)}
        return self._batch(numbered, after, more=end > 0 and pos["offset"] + end < total, note=note)

    @staticmethod
    def _rotated(path: Path, wanted: str) -> Path | None:
        """The file beside `path` that starts with the line `wanted` hashes (logrotate's names, not compressed)."""
        for other in sorted(path.parent.glob(path.name + "*")):
            if other != path and not other.name.endswith((".gz", ".bz2", ".xz", ".zst")) and \
                    fingerprint(other) == wanted:
                return other
        return None


class QueueLogTable(QueueLogReader):
    """`url = …` (and `table`): position {"id": last id} or, without `id`, {"time": last time, "seen": rows of it}."""

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
        if "id" in c:
            last = (position or {}).get("id", 0)
            stmt = select(c.id, *columns).where(c.id > last).order_by(c.id).limit(limit)
        else:
            since = (position or {}).get("time")
            order = [c.time, case(EVENT_RANK, value=c.event, else_=len(EVENT_RANK)), c.callid, c.agent, c.queuename,
                     c.event, *data]
            stmt = select(*columns).order_by(*order).limit(limit + (position or {}).get("seen", 0))
            if since is not None:
                stmt = stmt.where(c.time >= _as_time(since, c.time))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if "id" in c:
            numbered = [(f"id {r[0]}", _line(r[1:])) for r in rows]
            after = {"id": rows[-1][0] if rows else (position or {}).get("id", 0)}
            return self._batch(numbered, after, more=len(rows) == limit)
        seen = (position or {}).get("seen", 0) if position and position.get("time") is not None else 0
        fresh = rows[seen:]
        numbered = [(f"time {r[0]}", _line(r)) for r in fresh]
        if fresh:
            last_time = fresh[-1][0]
            same = sum(1 for r in rows if r[0] == last_time)
            after = {"time": _time_text(last_time), "seen": same}
        else:
            after = position or {"time": None, "seen": 0}
        return self._batch(numbered, after, more=len(fresh) >= limit)


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
