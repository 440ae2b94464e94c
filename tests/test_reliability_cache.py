"""Redis down: the app falls back to a per-process cache, keeps polling, says so in /healthz, and goes back."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
import redis
from support.databases import IN_CI
from support.faults import TcpProxy
from support.servers import free_port, health, wait_for, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill
from wallboard.live.cache_fallback import FallbackCache

REDIS = redis.Redis.from_url(os.environ.get("WALLBOARD_TEST_REDIS", "redis://127.0.0.1:6379/7"))
DB = 8  # a database of its own: test_production flushes 7


@pytest.fixture
def redis_proxy():
    try:
        REDIS.ping()
    except redis.RedisError as e:
        if IN_CI:
            pytest.fail(f"Redis not reachable: {e}")
        pytest.skip(f"Redis not reachable: {e}")
    kwargs = REDIS.connection_pool.connection_kwargs
    proxy = TcpProxy(kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379))
    yield proxy
    proxy.close()
    redis.Redis(host=kwargs.get("host", "127.0.0.1"), port=kwargs.get("port", 6379), db=DB).flushdb()


def test_rel010_redis_down_at_start_and_while_running(redis_proxy, tmp_path):
    """Redis down at start: per-process cache, fresh, a note in /healthz; up: Redis; cut again: back to local."""
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=0.05, seed=3)
    engine.dispose()
    redis_proxy.cut()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WALLBOARD_REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/{DB}"}
    proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", url, "--port", str(port),
                             "--poll-seconds", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(base + "/", 60, proc)
        wait_for(lambda: health(base)["status"] == "ok", 30, "fresh without Redis")
        down = health(base)
        assert down["cache"] == "SimpleCache" and down["cache_note"].startswith("Redis unreachable since ")

        redis_proxy.restore()  # retried every few seconds: back to the shared cache
        wait_for(lambda: health(base)["cache"] == "RedisCache", 30, "Redis used again")
        wait_for(lambda: health(base)["status"] == "ok", 30, "fresh on Redis")
        assert health(base)["cache_note"] is None

        redis_proxy.cut()  # Redis lost while running: no error page, the poller carries on locally
        wait_for(lambda: health(base)["cache"] == "SimpleCache", 30, "per-process cache after the cut")
        wait_for(lambda: health(base)["status"] == "ok", 30, "fresh on the per-process cache")
        with urllib.request.urlopen(f"{base}/_dash-layout", timeout=10) as r:  # screens are served
            assert r.status == 200
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_rel011_fallback_cache_switches_on_errors():
    """The wrapper alone: a failing shared cache sends reads and writes to the local one until it answers."""
    class Flaky:
        cache = type("RedisCache", (), {})()
        down = True

        def get(self, key):
            if self.down:
                raise redis.ConnectionError("refused")
            return "shared"

        def set(self, key, value, timeout=None):
            if self.down:
                raise redis.ConnectionError("refused")
            return True

    shared = Flaky()
    cache = FallbackCache(shared, errors=(redis.RedisError,))
    cache.set("k", "local")
    assert cache.get("k") == "local" and type(cache.cache).__name__ == "SimpleCache"
    assert "refused" in cache.config["WALLBOARD_CACHE_NOTE"]
    shared.down = False
    cache._retry_at = 0  # the retry interval has passed
    assert cache.get("k") == "shared" and cache.config["WALLBOARD_CACHE_NOTE"] is None
    assert type(cache.cache).__name__ == "RedisCache"
