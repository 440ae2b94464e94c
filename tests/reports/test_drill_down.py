"""The drill-down pages' figures, hand-computed, on SQLite, PostgreSQL and MariaDB.

State spans and logged-in agents per hour, surveys and comments, an agent's team median,
staffing by hour (Erlang C worked by hand), the same weekday in past weeks, and the
snapshot's per-agent and per-skill-group figures against `kpi_report` (the KPI engine).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from wallboard.config import Config
from wallboard.data_access.agent_activity import (
    agent_profile,
    recent_surveys,
    state_spans,
    state_time,
    team_members,
)
from wallboard.data_access.kpi_queries import Scope, to_utc_naive
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import agent_states, agents, calls, surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.writes import upsert
from wallboard.live.poller import Poller
from wallboard.live.snapshot import compute_snapshot, group_scope_key
from wallboard.reports.drill_down import (
    logged_in_by_hour,
    period_rows,
    staffing_by_hour,
    team_figures,
    weekday_profile,
)

TZ = "Asia/Shanghai"  # UTC+8, no DST: local 10:00 = 02:00 UTC
DAY = date(2026, 3, 2)  # a Monday


def utc(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """Naive UTC of a local Shanghai time."""
    return datetime(day.year, day.month, day.day, hh, mm, ss) - timedelta(hours=8)


def call(cid: str, queued: datetime, wait: float | None, talk: float = 100, agent: str | None = "A1",
         site: str = "T", group: str = "S", wrap: float = 20) -> dict:
    """An answered call (wait seconds, then talk), or an abandoned one (wait=None: hung up after 30 s)."""
    answered = queued + timedelta(seconds=wait) if wait is not None else None
    ended = answered + timedelta(seconds=talk) if answered else queued + timedelta(seconds=30)
    return {"call_id": cid, "site": site, "skill_group": group, "arrived_at": queued, "queued_at": queued,
            "answered_at": answered, "ended_at": ended, "agent_id": agent if answered else None,
            "wrap_up_seconds": wrap if answered else None, "transferred": 0, "direction": "inbound",
            "caller_id": None, "category": None, "quality_flags": 0}


def state(agent: str, at: datetime, name: str, reason: str | None = None, site: str = "T") -> dict:
    return {"agent_id": agent, "site": site, "state": name, "reason": reason, "started_at": at}


def load_agents(conn) -> None:
    upsert(conn, agents, ("agent_id",), [
        {"agent_id": a, "agent_name": n, "site": s, "skill_group": g} for a, n, s, g in
        (("A1", "Ann", "T", "S"), ("A2", "Bo", "T", "S"), ("A3", "Cy", "T", "S"), ("B1", "Di", "T", "V"),
         ("Z1", "Zed", "U", "S"))])


def report(engine, start: date, end: date, **kw) -> dict:
    return kpi_report(Sources.single(engine, Config()), Period(start), Period(end), **kw)


def test_drl001_state_spans_clip_to_the_period_and_filter(engine):
    """A state in force before the period counts from its start; each span lasts until the next row."""
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            state("A1", utc(DAY, 8, 0), "available"), state("A1", utc(DAY, 8, 10), "on_call"),
            state("A1", utc(DAY, 8, 20), "wrap_up"), state("A1", utc(DAY, 8, 21), "not_ready", "lunch"),
            state("A1", utc(DAY, 9, 0), "logged_out"),
            state("B1", utc(DAY, 8, 15), "available"),  # group V
            state("Z1", utc(DAY, 8, 15), "available", site="U"),  # site U
        ])
    with engine.connect() as conn:
        spans = state_spans(conn, utc(DAY, 8, 5), utc(DAY, 8, 30), site="T", skill_group="S")
        everyone = state_spans(conn, utc(DAY, 8, 5), utc(DAY, 8, 30))
    assert [(s.agent_id, s.state, s.reason, s.seconds) for s in spans] == [
        ("A1", "available", None, 300.0), ("A1", "on_call", None, 600.0), ("A1", "wrap_up", None, 60.0),
        ("A1", "not_ready", "lunch", 540.0)]
    assert spans[0].start == utc(DAY, 8, 5) and spans[-1].end == utc(DAY, 8, 30)
    assert {s.agent_id for s in everyone} == {"A1", "B1", "Z1"}
    assert sum(s.seconds for s in everyone if s.agent_id == "B1") == 900.0


def test_drl002_logged_in_agents_per_hour(engine):
    """Agent-seconds not logged out, per local hour, over 3600: the mean number of agents logged in."""
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            state("A1", utc(DAY, 8, 30), "available"), state("A1", utc(DAY, 9, 0), "on_call"),  # half of 08,
            state("A1", utc(DAY, 10, 30), "logged_out"),  # all of 09, half of 10
            state("B1", utc(DAY, 8, 0), "logged_out"),  # never counts
            state("Z1", utc(DAY, 9, 45), "not_ready", "break", site="U"), state("Z1", utc(DAY, 10, 0), "logged_out"),
        ])
    tz = ZoneInfo(TZ)
    scope = Scope(start=to_utc_naive(datetime.combine(DAY, time(0), tz)),
                  end=to_utc_naive(datetime.combine(DAY + timedelta(days=1), time(0), tz)))
    with engine.connect() as conn:
        quarters = {b: t.seconds for _, b, t in state_time(conn, scope, (), 900)}
    per_hour = logged_in_by_hour(quarters, DAY, TZ)
    assert per_hour["08"] == 0.5 and per_hour["09"] == 1.25 and per_hour["10"] == 0.5 and per_hour["11"] == 0.0
    assert len(per_hour) == 24


def test_drl003_surveys_profile_and_team(engine):
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, surveys, ("survey_id",), [
            {"survey_id": f"V{i}", "call_id": None, "site": "T", "skill_group": "S", "agent_id": agent,
             "submitted_at": utc(DAY, 9, i), "score": score, "survey_type": "post_call", "comment": comment}
            for i, (agent, score, comment) in enumerate([("A1", 5, "快"), ("A2", 2, None), ("A1", 4, "ok")])])
        upsert(conn, agent_states, ("agent_id", "started_at"), [state("Q9", utc(DAY, 8), "available", site="U")])
    with engine.connect() as conn:
        mine = recent_surveys(conn, utc(DAY, 0), utc(DAY, 23), agent_id="A1")
        assert [(s["survey_id"], s["score"], s["comment"]) for s in mine] == [("V2", 4, "ok"), ("V0", 5, "快")]
        assert len(recent_surveys(conn, utc(DAY, 0), utc(DAY, 23), limit=1)) == 1
        assert agent_profile(conn, "A2") == {"agent_id": "A2", "agent_name": "Bo", "site": "T", "skill_group": "S"}
        assert agent_profile(conn, "Q9") == {"agent_id": "Q9", "agent_name": "Q9", "site": "U", "skill_group": None}
        assert agent_profile(conn, "a1") is None  # ids are case-sensitive
        assert sorted(team_members(conn, "T", "S")) == ["A1", "A2", "A3"]


def test_drl004_team_median_and_the_agents_own_row(engine):
    """AHT = talk + wrap-up; the team median is over the site's same-group agents with a call that day."""
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, calls, ("call_id",), [
            call("C1", utc(DAY, 9), 10, talk=100, agent="A1"),   # AHT 120
            call("C2", utc(DAY, 9, 5), 4, talk=200, agent="A1"),  # AHT 220 → A1 mean 170, ASA 7
            call("C3", utc(DAY, 9), 2, talk=280, agent="A2"),    # AHT 300
            call("C4", utc(DAY, 9), 2, talk=80, agent="A3"),     # AHT 100
            call("C5", utc(DAY, 9), 2, talk=980, agent="B1"),    # other group: not in A1's team
        ])
    out = team_figures(Sources.single(engine, Config()), DAY, "A1", "T", "S")
    assert out["agent"]["answered"] == 2 and out["agent"]["aht_seconds"] == 170 and out["agent"]["asa_seconds"] == 7
    assert out["team_size"] == 3
    assert out["median"]["aht_seconds"] == 170 and out["median"]["talk_seconds_avg"] == 150
    assert out["agent"] == next(r for r in report(engine, DAY, DAY + timedelta(days=1), by="agent", site="T")["rows"]
                                if r["key"] == "A1")


def test_drl005_staffing_by_hour_erlang_c_by_hand(engine):
    """10 calls in local 09:00–10:00, AHT 180 s, 20 s / 80 %: traffic 0.5 Erlang.

    N = 1: P(wait) = 0.5, SL = 1 − 0.5·e^(−0.5·20/180) = 0.527 < 0.8.
    N = 2: Erlang B = 0.125/1.625 = 0.0769, P(wait) = 0.0769/(1 − 0.25·0.9231) = 0.1,
           SL = 1 − 0.1·e^(−1.5·20/180) = 0.915 ≥ 0.8  →  2 agents required.
    Logged in: A1 all hour, A2 half of it → 1.5.
    """
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, calls, ("call_id",), [call(f"C{i}", utc(DAY, 9, 5 * i), 5, talk=160) for i in range(10)])
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            state("A1", utc(DAY, 8, 50), "available"), state("A2", utc(DAY, 9, 30), "on_call"),
            state("A1", utc(DAY, 10, 0), "logged_out"), state("A2", utc(DAY, 10, 0), "logged_out")])
    rows = {r["hour"]: r for r in staffing_by_hour(Sources.single(engine, Config()), DAY, "S", site="T")}
    nine = rows["09"]
    assert nine["offered"] == 10 and nine["required_agents"] == 2 and nine["logged_in"] == 1.5
    assert nine["service_level"] == 1.0 and nine["asa_seconds"] == 5
    assert rows["08"]["logged_in"] == round(10 / 60, 2) and rows["08"]["required_agents"] == 0
    assert rows["10"]["logged_in"] == 0
    by_hour = report(engine, DAY, DAY + timedelta(days=1), by="hour", site="T", skill_group="S")["rows"]
    assert [r for r in by_hour if r["key"].endswith("T09")][0]["service_level"] == nine["service_level"]


def test_drl006_same_weekday_last_week_and_four_week_mean(engine):
    """Hour 10: 3 calls today, 2 a week ago, 6 two weeks ago, none 3 weeks ago (one call at 15:00), no calls
    at all 4 weeks ago (not counted) → mean (2+6+0)/3."""
    rows = [call("W3-15", utc(DAY - timedelta(days=21), 15), 5)]
    for weeks_ago, n in ((0, 3), (1, 2), (2, 6)):
        d = DAY - timedelta(days=7 * weeks_ago)
        rows += [call(f"W{weeks_ago}-{i}", utc(d, 10, i), 30 if i == 0 else 5) for i in range(n)]
    rows.append(call("OTHER", utc(DAY - timedelta(days=3), 10), 5))  # not the same weekday
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), rows)
    out = weekday_profile(Sources.single(engine, Config()), DAY, site="T")
    assert out["today"]["10"]["offered"] == 3 and out["last_week"]["10"]["offered"] == 2
    assert out["average"]["10"]["offered"] == pytest.approx(8 / 3)
    assert out["average"]["15"]["offered"] == pytest.approx(1 / 3)
    # service level (the first call of each day is answered after 30 s): today 2/3; a week ago 1/2, two weeks
    # ago 5/6; weeks without calls do not count → mean (1/2 + 5/6) / 2 = 2/3
    assert out["today"]["10"]["service_level"] == round(2 / 3, 6)
    assert out["average"]["10"]["service_level"] == pytest.approx(2 / 3, abs=1e-6)
    assert out["average"]["11"]["service_level"] is None and out["average"]["11"]["offered"] == 0


def test_drl007_snapshot_agents_and_group_scopes_match_the_kpi_engine(engine):
    """The live per-agent figures and per-skill-group tiles equal `kpi --by agent` / `--skill-group` for today."""
    now = utc(DAY, 11)
    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, calls, ("call_id",), [
            call("C1", utc(DAY, 9), 10, talk=100, agent="A1"), call("C2", utc(DAY, 9, 5), 30, talk=50, agent="A1"),
            call("C3", utc(DAY, 9), 2, talk=280, agent="A2"), call("C4", utc(DAY, 9, 2), None),
            call("C5", utc(DAY, 9), 3, talk=60, agent="B1", group="V"),
            call("Y1", utc(DAY - timedelta(days=1), 9), 3, agent="A1")])  # yesterday: not today
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            state("A1", utc(DAY, 10, 50), "on_call"), state("A2", utc(DAY, 10, 0), "not_ready", "training"),
            state("B1", utc(DAY, 8), "available")])
        upsert(conn, surveys, ("survey_id",), [
            {"survey_id": "V1", "call_id": "C1", "site": "T", "skill_group": "S", "agent_id": "A1",
             "submitted_at": utc(DAY, 9, 30), "score": 4, "survey_type": "post_call", "comment": None}])
    snap = compute_snapshot(Sources.single(engine, Config()), now=now)
    part = snap["parts"]
    a1 = next(a for a in part["agents"] if a["agent_id"] == "A1")
    assert (a1["state"], a1["state_seconds"], a1["handled"], a1["asa_seconds"], a1["csat"]) == \
        ("on_call", 600.0, 2, 20.0, 4.0)
    assert a1["aht_seconds"] == 95.0  # ((100 + 20) + (50 + 20)) / 2
    rows = {r["key"]: r for r in report(engine, DAY, DAY + timedelta(days=1), by="agent")["rows"]}
    for a in part["agents"]:
        assert (a["handled"], a["aht_seconds"], a["asa_seconds"]) == tuple(
            rows[a["agent_id"]][k] for k in ("answered", "aht_seconds", "asa_seconds")), a["agent_id"]
    group = part["group_scopes"][group_scope_key("S", "T")]
    (engine_row,) = report(engine, DAY, DAY + timedelta(days=1), site="T", skill_group="S")["rows"]
    assert group["offered"] == engine_row["offered"] == 4
    assert group["service_level"] == pytest.approx(engine_row["service_level"]) == pytest.approx(2 / 4)
    assert group["agents_on_call"] == 1 and group["agents_not_ready"] == 1 and group["agents_available"] == 0
    assert part["group_scopes"][group_scope_key("V")]["agents_available"] == 1
    assert [w["call_id"] for w in part["waiting"]] == []


def test_drl008_poller_keeps_parts_apart_from_the_wall_snapshot(engine):
    """The wall's snapshot never carries the drill-down parts (they are cached under their own keys)."""
    class Cache(dict):
        def get(self, k):
            return super().get(k)

        def set(self, k, v, timeout=None):
            self[k] = v

    with engine.begin() as conn:
        load_agents(conn)
        upsert(conn, agent_states, ("agent_id", "started_at"), [state("A1", utc(DAY, 10), "available")])
    cache = Cache()
    Poller(cache, lambda: compute_snapshot(Sources.single(engine, Config()), now=utc(DAY, 11)), 5).poll_once()
    assert "parts" not in cache[Poller.KEY]
    assert [a["agent_id"] for a in cache[f"{Poller.KEY}:agents"]] == ["A1"]
    assert group_scope_key("S", "T") in cache[f"{Poller.KEY}:group_scopes"]


def test_drl009_period_rows_are_the_kpi_rows(engine):
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [call("C1", utc(DAY, 9), 10), call("C2", utc(DAY, 23, 30), 40)])
    rows = period_rows(Sources.single(engine, Config()), DAY, DAY + timedelta(days=1), "hour", site="T")
    assert rows == report(engine, DAY, DAY + timedelta(days=1), by="hour", site="T")["rows"]
    assert [r["key"] for r in rows] == ["2026-03-02T09", "2026-03-02T23"]
