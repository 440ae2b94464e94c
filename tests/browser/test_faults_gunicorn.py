"""A gunicorn worker killed with SIGKILL while a wall polls: the page recovers by itself, without a reload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from support.databases import IN_CI
from support.servers import free_port, health, wait_for, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill

pytestmark = pytest.mark.browser
REDIS_DB = 9  # of its own: other tests flush 7 and 8


def _workers(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_flt001_poller_worker_killed_while_the_wall_polls(pg_url, watch):
    """SIGKILL the worker holding the poller lease: the master replaces it, another worker takes the lease when
    it expires, and the open wall turns fresh again by itself (same document, no reload)."""
    client = redis.Redis(port=6379, db=REDIS_DB)
    try:
        client.flushdb()
    except redis.RedisError as e:
        if IN_CI:
            pytest.fail(f"Redis not reachable: {e}")
        pytest.skip(f"Redis not reachable: {e}")
    engine = make_engine(pg_url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=0.05, seed=11)
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WALLBOARD_CALLS_DB": pg_url, "WALLBOARD_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
           "WALLBOARD_POLL_SECONDS": "1"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "wallboard.wsgi:server"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(base + "/", 60, proc)
        w = watch(1920, 1080)
        w.page.goto(base + "/?lang=en")
        w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
        w.page.evaluate("window.__sameDocument = true")
        wait_for(lambda: health(base)["poller_pid"] in _workers(proc.pid), 30, "a worker polls")
        victim = health(base)["poller_pid"]
        os.kill(victim, signal.SIGKILL)

        wait_for(lambda: victim not in _workers(proc.pid) and len(_workers(proc.pid)) == 2, 30,
                 "the master replaced the killed worker")
        wait_for(lambda: health(base)["status"] == "ok" and health(base)["poller_pid"] != victim, 60,
                 "another worker took the lease and polls")
        w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=60_000)
        assert w.page.evaluate("window.__sameDocument === true")  # recovered without a reload
        assert proc.poll() is None
        # requests in flight on the killed worker fail once: the page retries at the next poll
        assert [m for m in w.console if "Failed to load resource" not in m and "500" not in m] == []
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        client.flushdb()
