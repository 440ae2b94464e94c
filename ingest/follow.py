"""Live sources: a follower keeps the canonical tables in step with one `[[sources]]` entry (CONTRACT section 7).

Each step reads what the source wrote after the follower's position, turns it into canonical rows and writes them,
with the new position, in one transaction of the database written to (`wallboard_source_positions`): a crash at
any moment leaves either the rows and their position or neither. A reader that remembers (the queue_log parser:
calls still open, agents' states) has its memory saved there too, with the position it belongs to, once a minute;
a restart restores it and reads again from that position, writing everything read up to where it had stopped in
one transaction: the same rows again (upserts by key: nothing twice), nothing skipped, no call shown waiting
again on the way.

Bad input never stops a follower: a line or row that cannot be read is counted, logged and written with its reason
to `<data dir>/rejected/<source>.csv`; the rest goes on.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, insert, inspect, select, update

from wallboard.config import LiveSource
from wallboard.data_access import schema
from wallboard.data_access.engines import safe_url
from wallboard.data_access.schema import source_positions
from wallboard.data_access.writes import upsert
from wallboard.ingest.importers import RowError, agent_rows, check_lengths

log = logging.getLogger(__name__)
BATCH_EVENTS = 5000  # events read per step (a backlog is caught up in steps of this size)
CHECKPOINT_SECONDS = 60.0  # how often a reader's memory is saved: a restart reads again at most this much
LEASE_RENEW = 5.0  # seconds between two renewals of a source's lease (it lasts LEASE_SECONDS)
LEASE_SECONDS = 30.0
TABLES = {"calls": (schema.calls, ("call_id",)), "agent_states": (schema.agent_states, ("agent_id", "started_at")),
          "surveys": (schema.surveys, ("survey_id",)), "complaints": (schema.complaints, ("complaint_id",))}


@dataclass
class Batch:
    """What one read of a source gave: canonical rows by table, and where the next read starts."""

    position: Any  # JSON-able
    rows: dict[str, list[dict]] = field(default_factory=dict)
    events: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (where, raw text, reason)
    last_event_at: datetime | None = None  # the newest event's own time, aware UTC
    more: bool = False  # the source holds more than this read took
    note: str | None = None  # something the operator should know (a rotated file not found…)

    def add(self, other: Batch) -> Batch:
        for table, rows in other.rows.items():
            self.rows.setdefault(table, []).extend(rows)
        self.position, self.events, self.more = other.position, self.events + other.events, other.more
        self.rejected += other.rejected
        self.last_event_at = other.last_event_at or self.last_event_at
        self.note = other.note or self.note
        return self


class LeaseTaken(RuntimeError):
    """Another process follows this source."""


class Lease(Protocol):
    def acquire(self) -> bool: ...


class Reader(Protocol):
    def read(self, position: Any | None, limit: int) -> Batch: ...
    def state(self) -> dict | None: ...
    def restore(self, state: dict | None) -> None: ...


@dataclass
class Status:
    """A follower as /data-quality and /healthz show it."""

    source: str
    kind: str
    where: str = ""  # the file, or the database (password hidden) and table
    events: int = 0
    rows: int = 0
    rejected: int = 0
    last_event_at: str | None = None
    lag_seconds: float | None = None  # how far the newest event read is behind now (0 when caught up)
    caught_up: bool = False
    last_error: str | None = None
    note: str | None = None
    updated_at: str | None = None
    quality: dict[str, int] = field(default_factory=dict)  # the reader's counts of odd input (unknown events…)


class Follower:
    def __init__(self, source: LiveSource, reader: Reader, engine: Engine, *, batch_events: int = BATCH_EVENTS,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS, rejects_dir: str | os.PathLike | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source, self.reader, self.engine = source, reader, engine
        self.batch_events, self.checkpoint_seconds, self.clock = batch_events, checkpoint_seconds, clock
        self.rejects = Path(rejects_dir) / f"{_file_name(source.name)}.csv" if rejects_dir else None
        self.status = Status(source.name, source.kind, where=source.path or " · ".join(
            x for x in (safe_url(source.url or ""), source.table if source.kind == "asterisk-queue-log" else
                        source.target) if x))
        self.position: Any = None
        self._replay_events = 0
        self._checkpointed = float("-inf")
        self._started = False

    # -- position ------------------------------------------------------------------------------------------
    def _load(self) -> None:
        """The saved position (and the reader's memory at its checkpoint: read again from there)."""
        if not inspect(self.engine).has_table(source_positions.name):  # the owner upgrades a database, not we
            raise RuntimeError(f"{safe_url(str(self.engine.url))} has no {source_positions.name}: upgrade it with "
                               f"`wallboard db upgrade --db URL` (revision 0003)")
        with self.engine.connect() as conn:
            row = conn.execute(select(source_positions).where(source_positions.c.source == self.source.name)).first()
        self._replay_events, self.position = 0, None
        if row is not None and row.checkpoint is not None:
            self.reader.restore(json.loads(zlib.decompress(row.checkpoint)))
            self.position = json.loads(row.checkpoint_position)
            # read again up to where it had stopped (in one transaction), then on in batches
            self._replay_events = row.events - (row.checkpoint_events or 0)
            self.status.events = row.checkpoint_events or 0
            self._checkpointed = self.clock()
        else:
            self.reader.restore(None)  # a failed first step: forget what the reader saw of it
            if row is not None:
                self.position = json.loads(row.position)
                self.status.events = row.events
        if row is not None:
            self.status.rows, self.status.rejected = row.rows_written, row.rejected
        self._started = True

    # -- one step ------------------------------------------------------------------------------------------
    def step(self) -> Batch:
        """Read once (after a restart: everything up to where it had stopped) and write it with the position."""
        if not self._started:
            self._load()
        batch = self.reader.read(self.position, self.batch_events)
        while batch.more and batch.events < self._replay_events:  # after a restart: up to where it had stopped
            batch.add(self.reader.read(batch.position, self.batch_events))
        self._replay_events = 0
        self._check(batch)
        checkpoint = self.clock() >= self._checkpointed + self.checkpoint_seconds
        state = self.reader.state() if checkpoint else None
        self._reject(batch.rejected)  # before the commit: a crash may write a reject twice, never lose one
        written = self._write(batch, state)
        self.position = batch.position
        if checkpoint:
            self._checkpointed = self.clock()
        now = datetime.now(UTC)
        s = self.status
        s.events, s.rows, s.rejected = s.events + batch.events, s.rows + written, s.rejected + len(batch.rejected)
        if batch.last_event_at is not None:
            s.last_event_at = batch.last_event_at.isoformat()
        s.caught_up = not batch.more
        s.lag_seconds = 0.0 if s.caught_up else (
            round((now - batch.last_event_at).total_seconds(), 1) if batch.last_event_at else None)
        s.last_error, s.note, s.updated_at = None, batch.note or s.note, now.isoformat()
        quality = getattr(self.reader, "quality", None)
        if quality is not None:
            s.quality = quality()
        return batch

    def _check(self, batch: Batch) -> None:
        """Rows that the canonical tables cannot hold (a value longer than its column) rejected, not written: one
        would fail the whole step again and again."""
        for table_name, rows in batch.rows.items():
            table = TABLES[table_name][0]
            kept = []
            for row in rows:
                try:
                    check_lengths(row, table)
                    kept.append(row)
                except RowError as e:
                    batch.rejected.append((f"{table_name} {row.get(TABLES[table_name][1][0])}",
                                           json.dumps(row, default=str, ensure_ascii=False), str(e)))
            batch.rows[table_name] = kept

    def _write(self, batch: Batch, state: dict | None) -> int:
        written = 0
        with self.engine.begin() as conn:
            for table_name, rows in batch.rows.items():
                table, key = TABLES[table_name]
                latest = {tuple(r[k] for k in key): r for r in rows}  # a call seen waiting then ended: the end
                names = {r["agent_id"]: (r.get("agent_name"), r["site"]) for r in latest.values()} \
                    if table_name == "agent_states" else {}
                stored = [{k: v for k, v in r.items() if k in table.c} for r in latest.values()]
                new, changed, _same = upsert(conn, table, key, stored)
                written += new + changed
                if names:
                    upsert(conn, schema.agents, ("agent_id",), agent_rows(conn, names))
            values = {"position": json.dumps(batch.position), "events": self.status.events + batch.events,
                      "rows_written": self.status.rows + written,
                      "rejected": self.status.rejected + len(batch.rejected),
                      "updated_at": datetime.now(UTC).replace(tzinfo=None)}
            if batch.last_event_at is not None:
                values["last_event_at"] = batch.last_event_at.astimezone(UTC).replace(tzinfo=None)
            if state is not None:
                values["checkpoint"] = zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 6)
                values["checkpoint_position"] = values["position"]
                values["checkpoint_events"] = values["events"]
            where = source_positions.c.source == self.source.name
            if conn.execute(update(source_positions).where(where).values(**values)).rowcount == 0:
                conn.execute(insert(source_positions).values(source=self.source.name, **values))
        return written

    def _reject(self, rejected: list[tuple[str, str, str]]) -> None:
        for where, raw, reason in rejected[:20]:
            log.warning("source %s: %s rejected: %s (%s)", self.source.name, where, reason, raw[:200])
        if len(rejected) > 20:
            log.warning("source %s: %d more rejected", self.source.name, len(rejected) - 20)
        if rejected and self.rejects is not None:
            try:
                self.rejects.parent.mkdir(parents=True, exist_ok=True)
                new = not self.rejects.exists()
                with open(self.rejects, "a", encoding="utf-8", newline="") as f:
                    out = csv.writer(f)
                    if new:
                        out.writerow(["where", "reason", "raw"])
                    out.writerows([where, reason, raw] for where, raw, reason in rejected)
            except OSError as e:  # a full disk must not stop the follower: the count and the log still have them
                log.warning("source %s: rejected rows not written to %s: %s", self.source.name, self.rejects, e)

    # -- running -------------------------------------------------------------------------------------------
    def run(self, stop: threading.Event, idle_seconds: float = 0.25,
            on_step: Callable[[Follower, Batch], None] | None = None, lease: Lease | None = None,
            on_status: Callable[[Status], None] | None = None) -> None:
        """Step until `stop`: at once while there is more, else every `idle_seconds`; an error is kept in the
        status and retried with a growing pause (a source away does not stop the others). With a `lease`, only
        while this process holds it (renewed every LEASE_RENEW seconds): one follower of a source across all
        workers and hosts."""
        pause, held_until = idle_seconds, float("-inf")
        ttl = getattr(lease, "ttl", None)
        renew = min(LEASE_RENEW, ttl.total_seconds() / 3) if ttl is not None else LEASE_RENEW
        while not stop.is_set():
            if lease is not None and self.clock() >= held_until:
                if not lease.acquire():
                    self._started = False  # another process follows it: read its position again when taking over
                    stop.wait(renew)
                    continue
                held_until = self.clock() + renew
            more = False
            try:
                batch = self.step()
                pause, more = idle_seconds, batch.more
                if on_step:
                    on_step(self, batch)
            except Exception as e:
                self.status.last_error = _said(e)
                self.status.updated_at = datetime.now(UTC).isoformat()
                self._started = False  # read the saved position again: the failed step wrote nothing
                log.warning("source %s: %s", self.source.name, self.status.last_error)
                pause = min(30.0, max(1.0, pause * 2))
            if on_status:
                on_status(self.status)
            if not more:
                stop.wait(pause)
        try:
            self.save()
        except Exception as e:  # stopping with the database away: the next start reads a minute again
            log.warning("source %s: %s", self.source.name, _said(e))

    def catch_up(self, on_step: Callable[[Follower, Batch], None] | None = None, lease: Lease | None = None) -> None:
        """`follow --once`: step until the source has nothing more, then save the reader's memory; errors raise.
        With a `lease`, renewed before each step (LeaseTaken when another process follows the source)."""
        first = True
        while True:
            if lease is not None and not self._lease(lease, wait=first):
                raise LeaseTaken(f"source {self.source.name} is followed by another process (serve or follow)")
            first = False
            batch = self.step()
            if on_step:
                on_step(self, batch)
            if not batch.more:
                self.save()
                return

    def _lease(self, lease: Lease, wait: bool) -> bool:
        """The lease, waiting at the start for one left by a follower that died (it expires)."""
        ttl = getattr(lease, "ttl", None)
        deadline = self.clock() + (ttl.total_seconds() + 2 if wait and ttl is not None else 0)
        while not lease.acquire():
            if self.clock() >= deadline:
                return False
            time.sleep(0.5)
        return True

    def save(self) -> None:
        """The reader's memory at the current position (a stop: the next start reads nothing again)."""
        if self._started:
            self._write(Batch(position=self.position), self.reader.state())
            self._checkpointed = self.clock()


def _said(e: Exception) -> str:
    return " ".join(str(getattr(e, "orig", None) or e).split())[:300]


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def start_followers(followers: list[Follower], leases: list[Lease], on_status: Callable[[Status], None],
                    idle_seconds: float = 0.25) -> threading.Event:
    """`serve`'s followers: a thread each, stepping while this process holds its source's lease. Returns the event
    that stops them."""
    stop = threading.Event()
    for follower, lease in zip(followers, leases, strict=True):
        threading.Thread(target=follower.run, name=f"wallboard-follow-{follower.source.name}", daemon=True,
                         kwargs={"stop": stop, "idle_seconds": idle_seconds, "lease": lease,
                                 "on_status": on_status}).start()
    return stop
