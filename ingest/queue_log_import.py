"""`wallboard import queue-log`: an Asterisk queue_log file into the canonical tables.

The parser (`queue_log`) knows nothing of databases; this module streams its rows into
the same idempotent batch upsert as the CSV importers and writes malformed lines to
FILE.rejected.csv.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import Engine

from wallboard.config import Config, LiveSource
from wallboard.data_access import schema
from wallboard.ingest.importers import (
    BATCH_ROWS,
    ImportFileError,
    ImportResult,
    Progress,
    RejectWriter,
    agent_rows,
    check_decodable,
    record_run,
    to_stored,
    upsert,
)
from wallboard.ingest.queue_log import QueueLogParser

DEFAULT_SITE = "default"


def _naive(value: datetime | None) -> datetime | None:
    return to_stored(value) if value is not None else None  # parser yields aware UTC


def import_queue_log(path: str, engine: Engine, config: Config, timezone: str | None = None,
                     encoding: str = "utf-8", default_site: str | None = None,
                     batch_rows: int = BATCH_ROWS, source: LiveSource | None = None) -> ImportResult:
    """Load a queue_log; a queue's site is its configured skill group's site, else --site, else 'default'.
    With the `[[sources]]` entry of this PBX (`source`), its queue sites, skill groups, agents and zone apply, as
    when it is followed live."""
    if not os.path.isfile(path):
        raise ImportFileError(f"{path}: no such file")
    total = check_decodable(path, encoding)
    result = ImportResult(kind="queue-log", file=path)
    rejects = RejectWriter(path, ["raw_line"])

    def site_of(queue: str) -> str:
        if source is not None:
            return source.site_of(queue, config)
        return config.skill_group(queue).site or default_site or DEFAULT_SITE

    def on_reject(line: int, raw: str, reason: str) -> None:
        result.rejected += 1
        rejects.write(line, reason, [raw.rstrip("\r\n")])

    zone = timezone or (("UTC" if source.gmt else source.timezone) if source is not None else None) or config.timezone
    parser = QueueLogParser(site_of, timezone=zone, on_reject=on_reject,
                            group_of=source.group_of if source is not None else None,
                            agents=source.agents if source is not None else None)
    progress = Progress(os.path.basename(path), total)
    calls: dict[str, dict] = {}
    states: dict[tuple, dict] = {}

    def flush() -> None:
        names = {s["agent_id"]: (s.pop("agent_name", None), s["site"]) for s in states.values()}
        for call in calls.values():
            result.saw(call)
        with engine.begin() as conn:
            for table, key, rows in ((schema.calls, ("call_id",), list(calls.values())),
                                     (schema.agent_states, ("agent_id", "started_at"), list(states.values()))):
                new, changed, same = upsert(conn, table, key, rows)
                result.imported += new
                result.updated += changed
                result.unchanged += same
            if names:
                upsert(conn, schema.agents, ("agent_id",), agent_rows(conn, names))
        calls.clear()
        states.clear()
        progress.update(parser.stats.lines)

    done = False
    try:
        with open(path, encoding=encoding, newline="") as f:
            for kind, row in parser.parse(f):
                if kind == "call":
                    row = {**row, **{k: _naive(row[k]) for k in ("arrived_at", "queued_at", "answered_at",
                                                                  "ended_at")}}
                    calls[row["call_id"]] = row
                else:
                    row = {**row, "started_at": _naive(row["started_at"])}
                    states[(row["agent_id"], row["started_at"])] = row
                if len(calls) + len(states) >= batch_rows:
                    flush()
            flush()
        done = True
    finally:
        result.rejected_file = rejects.close(keep=done)
        progress.finish()
    result.ignored_events = dict(parser.stats.ignored_events)
    record_run(engine, result)
    return result
