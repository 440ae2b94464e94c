"""Production serving: gunicorn workers sharing one snapshot in Redis, one poller among them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from support.databases import IN_CI
from support.servers import free_port, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill
from wallboard.live.poller import Poller, RedisLease

REDIS_URL = os.environ.get("WALLBOARD_TEST_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as e:
        if IN_CI:
            pytest.fail(f"Redis not reachable: {e}")
        pytest.skip(f"Redis not reachable: {e}")
    client.flushdb()
    yield client
    client.flushdb()


def test_prd001_redis_lease_is_exclusive_and_expires(redis_client):
    a = RedisLease(redis_client, "wallboard:test-lease", ttl_seconds=0.5)
    b = RedisLease(redis_client, "wallboard:test-lease", ttl_seconds=0.5)
    assert a.acquire() is True and b.acquire() is False
    assert a.acquire() is True  # the holder renews
    time.sleep(0.7)  # the holder died: the lease expires and another worker takes over
    assert b.acquire() is True and a.acquire() is False


def test_prd002_gunicorn_workers_share_one_poller(redis_client, pg_url):
    """Three workers against PostgreSQL, poll every second: about one poll a second in total, not three."""
    engine = make_engine(pg_url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=0.05, seed=4)
    engine.dispose()
    db_url = pg_url
    port = free_port()
    env = {**os.environ, "WALLBOARD_CALLS_DB": db_url, "WALLBOARD_REDIS_URL": REDIS_URL,
           "WALLBOARD_POLL_SECONDS": "1"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", "3", "-b", f"127.0.0.1:{port}", "wallboard.wsgi:server"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 60, proc)
        time.sleep(2)
        first = _health(port)
        time.sleep(8)
        last = _health(port)
        assert last["status"] == "ok" and last["cache"] == "RedisCache"
        polls = last["polls_total"] - first["polls_total"]
        assert 6 <= polls <= 13, polls  # ~8-9 s of one poller at 1 s (three would give ~25)
        # concurrent checks, so that an idle worker cannot take them all: several workers answer,
        # each one with the same shared snapshot (the same poll counts, give or take the poll in between)
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: _health(port), range(30)))
        assert len({a["pid"] for a in answers}) >= 2
        assert all(a["cache"] == "RedisCache" and abs(a["polls_total"] - last["polls_total"]) <= 3 for a in answers)
    finally:
        proc.terminate()
        proc.wait(15)


def _health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        return json.load(r)


def test_prd003_poller_without_lease_polls_locally():
    """When the shared cache cannot grant a lease, the worker polls for itself rather than going stale."""
    class Down:
        def acquire(self):
            raise redis.ConnectionError("connection refused")

    class DictCache(dict):
        def set(self, k, v, timeout=None):
            self[k] = v
    cache = DictCache()
    assert Poller(cache, lambda: {"computed_at": "t"}, 1, lease=Down()).poll_once() is True
    assert cache[Poller.KEY]["computed_at"] == "t"
