"""The simulator: realistic shapes, deterministic for a seed, writes live."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import agent_states, calls, complaints, surveys
from wallboard.data_access.sources import Sources
from wallboard.demo.simulator import SITES, SKILL_GROUPS, Simulation, backfill, run_live

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday, 20:00 in Shanghai


def test_sim001_one_day_looks_like_a_floor(engine):
    backfill(engine, engine, history_days=1, seed=3, now=NOW)
    with engine.connect() as conn:
        sites = {r[0] for r in conn.execute(select(calls.c.site).distinct())}
        groups = {r[0] for r in conn.execute(select(calls.c.skill_group).distinct())}
        states = {r[0] for r in conn.execute(select(agent_states.c.state).distinct())}
        reasons = {r[0] for r in conn.execute(select(agent_states.c.reason).distinct()) if r[0]}
        scores = conn.execute(select(func.min(surveys.c.score), func.max(surveys.c.score))).one()
        ids = [r[0] for r in conn.execute(select(complaints.c.complaint_id))]
        future = conn.execute(select(func.count()).where(calls.c.arrived_at > NOW.replace(tzinfo=None))).scalar()
    assert sites == {s[0] for s in SITES} and groups == {g[0] for g in SKILL_GROUPS}
    assert {"available", "on_call", "wrap_up", "not_ready", "logged_out"} <= states
    assert {"break", "lunch"} <= reasons
    assert 1 <= scores[0] and scores[1] <= 5
    assert all(re.fullmatch(r"(BJ|SH|CD)-\d{4}-\d{2}-\d{2}", i) for i in ids)
    assert future == 0  # nothing from the future
    day = kpi_report(Sources.single(engine), Period.parse("2026-03-03"), Period.parse("2026-03-04"), by="hour",
                     timezone="Asia/Shanghai")["rows"]
    offered = {r["key"][-2:]: r["offered"] for r in day}
    assert sum(offered.values()) > 2000
    assert offered.get("10", 0) > 5 * offered.get("03", 0)  # a morning peak, a quiet night
    levels = [r["service_level"] for r in day if r["offered"] > 100]
    # drifts through the day between about 60 % and 95 %, dipping at shift changes
    assert 0.4 < min(levels) and 0.85 < max(levels) <= 1.0 and max(levels) - min(levels) > 0.15


def _rows(sim: Simulation, until: float) -> list:
    sim.advance(until)
    calls_, states, surveys_, complaints_ = sim.take_changes()
    return sorted((c["call_id"], c["queued_at"], c["answered_at"]) for c in calls_) + sorted(
        (s["agent_id"], s["started_at"], s["state"]) for s in states)


def test_sim002_deterministic_for_seed_and_start():
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    a, b, c = Simulation(start, seed=7), Simulation(start, seed=7), Simulation(start, seed=8)
    until = start.timestamp() + 6 * 3600
    assert _rows(a, until) == _rows(b, until) != _rows(c, until)


def test_sim003_live_writes_new_rows(engine):
    sim = backfill(engine, engine, history_days=0.01, seed=1)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(agent_states)).scalar()
    sim.advance(time.time() + 1800)  # jump half an hour ahead so the next write has news
    stop = threading.Event()
    worker = threading.Thread(target=run_live, args=(engine, engine, sim, stop, 0.05))
    worker.start()
    time.sleep(0.5)
    stop.set()
    worker.join(5)
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(agent_states)).scalar()
    assert after > before


def test_sim004_a_stopped_simulation_leaves_no_call_open(engine):
    """The demo's history simulation stops at yesterday's midnight: its calls in progress are ended there."""
    from wallboard.demo.simulator import write_changes

    sim = backfill(engine, engine, history_days=1, seed=3, now=NOW)
    with engine.connect() as conn:
        open_before = conn.execute(select(func.count()).where(calls.c.ended_at.is_(None))).scalar()
    sim.end_open_calls()
    write_changes(engine, engine, sim.take_changes())
    with engine.connect() as conn:
        open_after = conn.execute(select(func.count()).where(calls.c.ended_at.is_(None))).scalar()
    assert open_before > 0 and open_after == 0  # 20:00 on a weekday: some calls are always in progress
