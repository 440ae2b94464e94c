"""The warmer: the first views' figures computed ahead and found by the pages, recomputed one pass before they
expire, nothing done without the lease, one failing figure not stopping the others."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest
from support.kpi_data import config_from

from wallboard.data_access.schema import calls
from wallboard.data_access.sources import Sources
from wallboard.data_access.writes import upsert
from wallboard.live import warm
from wallboard.live.services import Services
from wallboard.live.warm import CACHED_PREFIX, WARM_EVERY, Warmer
from wallboard.reports.drill_down import period_rows
from wallboard.reports.first_views import PERIOD_SECONDS, Figure, first_views

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
CONFIG = config_from('[[sites]]\nid = "A"\n[[sites]]\nid = "B"\n')


class Cache:
    def __init__(self) -> None:
        self.values: dict = {}
        self.timeouts: dict = {}

    def get(self, key):
        return self.values.get(key)

    def set(self, key, value, timeout=None):
        self.values[key], self.timeouts[key] = value, timeout


def calls_of_the_week(n: int = 200) -> list[dict]:
    rnd = random.Random(7)
    out = []
    for i in range(n):
        queued = NOW - timedelta(seconds=rnd.randint(0, 6 * 86400))
        wait = rnd.randint(0, 40)
        out.append({"call_id": f"W{i}", "site": rnd.choice("AB"), "skill_group": "G", "arrived_at": queued,
                    "queued_at": queued, "answered_at": queued + timedelta(seconds=wait),
                    "ended_at": queued + timedelta(seconds=wait + 90), "agent_id": "a1", "wrap_up_seconds": None,
                    "transferred": 0, "direction": "inbound", "caller_id": None, "category": None,
                    "quality_flags": 0})
    return out


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(warm.time, "monotonic", lambda: now[0])
    return now


def test_warm001_first_views_computed_ahead_and_found_by_the_pages(engine, clock):
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), calls_of_the_week())
    sources = Sources.single(engine, CONFIG)
    cache = Cache()
    warmer = Warmer(cache, lambda: first_views(sources))
    views = first_views(sources)
    assert warmer.tick() == [f.key for f in views]
    comparison = views[0]
    assert comparison.key.startswith("sites:")
    rows = cache.get(CACHED_PREFIX + comparison.key)
    assert {r["key"]: r["offered"] for r in rows} == {
        r["key"]: r["offered"] for r in period_rows(sources, NOW.date() - timedelta(days=6),
                                                    NOW.date() + timedelta(days=1), "site")}
    assert sum(r["offered"] for r in rows) > 0
    # a page asking for any first view finds it: nothing computed on the visit
    svc = Services(sources=sources, cache=cache, poller=None)
    for f in views:
        assert svc.figure(Figure(f.key, f.seconds, lambda: pytest.fail("computed on a visit"))) \
            == cache.get(CACHED_PREFIX + f.key)
        assert cache.timeouts[CACHED_PREFIX + f.key] == f.seconds + WARM_EVERY  # outlives the next pass
    assert warmer.tick() == []  # all fresh
    clock[0] += PERIOD_SECONDS - WARM_EVERY  # the minute's figures are due one pass before they expire
    assert warmer.tick() == [f.key for f in views if f.seconds == PERIOD_SECONDS]


def test_warm002_no_lease_nothing_and_a_failing_figure_alone(clock, caplog):
    cache = Cache()

    class Refused:
        def acquire(self) -> bool:
            return False

    def broken():
        raise RuntimeError("tickets database away")
    views = [Figure("a", 60, broken), Figure("b", 60, lambda: 42)]
    assert Warmer(cache, lambda: views, lease=Refused()).tick() == [] and cache.values == {}
    with caplog.at_level(logging.WARNING, logger="wallboard.live.warm"):
        assert Warmer(cache, lambda: views).tick() == ["b"]
    assert cache.get(CACHED_PREFIX + "b") == 42 and "warming a: tickets database away" in caplog.text
