"""Calls and surveys for the KPI engine's hand-computed tests, loaded through the importers' row builders."""

from __future__ import annotations

import tomllib

from wallboard.config import Config, parse_config
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import calls, surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.writes import upsert
from wallboard.ingest.importers import TimeParser, call_row, survey_row

TZ = "Asia/Shanghai"
HEADER = ["call_id", "site", "skill_group", "arrived_at", "queued_at", "answered_at", "ended_at", "agent_id",
          "wrap_up_seconds", "transferred"]
# The contract's worked example (T = 20 s, S = 5 s), site T, skill group S, local Shanghai time.
CONTRACT_CALLS = [
    ["C1", "T", "S", "2026-03-02T08:59:50", "2026-03-02T09:00:00", "2026-03-02T09:00:10", "2026-03-02T09:05:10",
     "A1", "30", "0"],   # wait 10, talk 300, wrap 30
    ["C2", "T", "S", "2026-03-02T09:00:50", "2026-03-02T09:01:00", "2026-03-02T09:01:20", "2026-03-02T09:03:20",
     "A2", "0", "0"],    # wait 20 = T: within
    ["C3", "T", "S", "2026-03-02T09:01:50", "2026-03-02T09:02:00", "2026-03-02T09:02:21", "2026-03-02T09:04:21",
     "A1", "60", "1"],   # wait 21: not within; transferred
    ["C4", "T", "S", "2026-03-02T09:02:50", "2026-03-02T09:03:00", "", "2026-03-02T09:03:04", "", "", "0"],  # short
    ["C5", "T", "S", "2026-03-02T09:03:50", "2026-03-02T09:04:00", "", "2026-03-02T09:04:05", "", "", "0"],  # 5 = S
    ["C6", "T", "S", "2026-03-02T09:04:50", "2026-03-02T09:05:00", "", "2026-03-02T09:06:00", "", "", "0"],  # 60 s
    ["C7", "T", "S", "2026-03-02T09:06:00", "", "", "2026-03-02T09:07:00", "", "", "0"],  # IVR only
    ["C8", "T", "S", "2026-03-02T09:06:50", "2026-03-02T09:07:01", "2026-03-02T09:07:00", "2026-03-02T09:09:00",
     "A2", "0", "0"],    # answered 1 s before queued: wait 0, flagged
    ["C9", "T", "S", "2026-03-02T09:07:50", "2026-03-02T09:08:00", "", "", "", "", "0"],  # still waiting
]


def load_calls(engine, rows: list[list[str]], config: Config | None = None, timezone: str | None = TZ) -> None:
    when = TimeParser(config or Config(), timezone)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [call_row(dict(zip(HEADER, r, strict=True)), when) for r in rows])


def load_surveys(engine, rows: list[tuple[str, str, str, str, int]]) -> None:
    """(survey_id, site, skill_group, submitted_at local, score)"""
    when = TimeParser(Config(), TZ)
    with engine.begin() as conn:
        upsert(conn, surveys, ("survey_id",), [survey_row(
            {"survey_id": sid, "site": site, "skill_group": group, "submitted_at": at, "score": str(score)}, when)
            for sid, site, group, at, score in rows])


def report(engine, start="2026-03-02", end="2026-03-03", config: Config | None = None, **kw) -> dict:
    kw.setdefault("timezone", TZ)
    return kpi_report(Sources.single(engine, config), Period.parse(start), Period.parse(end), **kw)


def config_from(text: str) -> Config:
    return parse_config(tomllib.loads(text))
