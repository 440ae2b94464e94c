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
from wallboard.demo.centre import THREE_SITES
from wallboard.demo.simulator import Simulation, backfill, run_live

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
    assert sites == set(THREE_SITES.site_ids) and groups == {g.id for g in THREE_SITES.groups}
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


def test_sim010_the_national_hotline_at_600_sites():
    """`--sites 600`: seed 000's hotline — 600 centres in 31 provinces, unequal sizes, the seed's four lines of work,
    ~100,000 calls and ~5,000 agents at work on a weekday; the config it writes has the regions and loads."""
    from wallboard.config import parse_config
    from wallboard.demo.centre import centre_for

    centre = centre_for(600)
    rosters = sorted(sum(s.agents.values()) for s in centre.sites)
    assert len(centre.sites) == 600 and len({s.id for s in centre.sites}) == 600 and len(centre.regions) == 31
    assert rosters[-1] >= 5 * rosters[len(rosters) // 2] and rosters[0] <= rosters[len(rosters) // 2] / 2  # unequal
    assert {g.id for g in centre.groups} == {"booking", "reports", "green", "complaints"}
    weekday_calls = sum(centre.group[g].calls_per_agent_day * n for s in centre.sites for g, n in s.agents.items())
    assert 90_000 <= weekday_calls <= 110_000 and 4_500 <= sum(rosters) * 5 / 7 <= 5_500
    config = parse_config(__import__("tomllib").loads(centre.config_toml()))
    assert len(config.sites) == 600 and {s.region for s in config.sites} == {r.id for r in config.regions}
    assert centre_for(3).site_ids == ["BJ", "SH", "CD"] and centre_for(600) == centre  # deterministic


def test_sim011_a_weekday_morning_at_600_sites(engine):
    """Two hours of a weekday morning at 600 sites: every region's sites take calls, agents log in across the
    country, answered within the usual range."""
    from wallboard.demo.centre import centre_for

    centre = centre_for(600)
    now = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Shanghai
    sim = backfill(engine, engine, history_days=0, seed=2, now=now, centre=centre)  # from local midnight
    with engine.connect() as conn:
        offered = conn.execute(select(func.count()).select_from(calls).where(calls.c.queued_at.is_not(None))).scalar()
        sites = conn.execute(select(func.count(calls.c.site.distinct()))).scalar()
        agents = conn.execute(select(func.count(agent_states.c.agent_id.distinct()))).scalar()
    # lines open at 08:00 (complaint intake around the clock): 08-11 h is 25 % of a weekday's ~100,000 calls by
    # the intraday profile, of which 88 % leave the IVR for an agent: ~22,000
    assert 17_000 <= offered <= 28_000 and sites >= 580 and agents >= 3_000 and len(sim.agents) == sum(
        sum(s.agents.values()) for s in centre.sites)
    report = kpi_report(Sources.single(engine), Period.parse("2026-03-04"), Period.parse("2026-03-05"),
                        timezone="Asia/Shanghai")["rows"][0]
    still_waiting = sum(len(q) for q in sim.queues.values())
    assert 0.5 < report["service_level"] <= 1.0 and offered - still_waiting <= report["offered"] <= offered
