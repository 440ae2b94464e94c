"""Database faults on PostgreSQL and MariaDB: unreachable at start, lost, slow, restarted.

A TCP proxy (tests/support/faults.py) sits between `wallboard serve` and the database; the tests
cut, slow and restore it.  Restarts are the server killing the app's connections; slow
statements are a lock held by another session.  Every wait is a wait-for-condition with
a generous timeout, never a timed assertion.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from support.databases import server_database
from support.faults import TcpProxy
from support.servers import free_port, health, wait_for, wait_http

from wallboard.config import Config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.data_access.sources import Sources
from wallboard.demo.simulator import backfill
from wallboard.live.poller import Poller
from wallboard.live.snapshot import live_snapshot

SERVERS = ["postgresql", "mariadb"]


@pytest.fixture(scope="module", params=SERVERS)
def source(request):
    """A PostgreSQL or MariaDB database with a few hours of the simulated centre; yields its URL."""
    with server_database(request.param) as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        backfill(engine, engine, history_days=0.05, seed=7)
        engine.dispose()
        yield url


def test_rel001_unreachable_at_start_lost_slow_and_back(source):
    """The app starts with its database down, says why, connects when it can; survives a cut and a slowdown."""
    server = make_url(source)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port)
    proxy.cut()  # down before the app starts
    via_proxy = server.set(port=proxy.port).render_as_string(hide_password=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", via_proxy, "--port",
                             str(port), "--poll-seconds", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_http(base + "/", 60, proc)  # started although the database is unreachable
        down = health(base)
        assert down["status"] == "stale" and down["snapshot_age_seconds"] is None
        assert down["last_poll_error"] and down["databases"]["calls"] != "ok"  # the reason

        proxy.restore()  # the database comes up: the poller connects by itself
        wait_for(lambda: health(base)["status"] == "ok", 60, "fresh after the database came up")

        proxy.cut()  # lost while running: the worker keeps its last snapshot and says stale
        wait_for(lambda: health(base)["status"] == "stale", 30, "stale after the cut")
        lost = health(base)
        assert lost["snapshot_age_seconds"] is not None and lost["last_poll_error"]
        assert proc.poll() is None
        proxy.restore()
        wait_for(lambda: health(base)["status"] == "ok", 60, "fresh after the restore (the pool recovered)")

        proxy.slow(0.4)  # every round trip 0.8 s slower: a poll takes far more than two intervals
        wait_for(lambda: health(base)["status"] == "stale", 90, "stale while the database is slow")
        with urllib.request.urlopen(f"{base}/_dash-layout", timeout=10) as r:  # screens are still served
            assert r.status == 200
        proxy.restore()
        wait_for(lambda: health(base)["status"] == "ok", 90, "fresh once the database is fast again")
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        proxy.close()


class DictCache(dict):
    def set(self, key, value, timeout=None):
        self[key] = value


def _poller(url: str, statement_timeout: float = 30) -> tuple[Poller, DictCache, object]:
    engine = make_engine(url, statement_timeout=statement_timeout)
    cache = DictCache()
    memo: dict = {}
    return Poller(cache, lambda: live_snapshot(Sources.single(engine, Config()), memo), 1), cache, engine


def _kill_connections(url: str) -> int:
    """What a database restart does to the app: every connection to this database is closed by the server."""
    name = make_url(url).database
    admin = make_engine(url)
    killed = 0
    with admin.connect() as conn:
        if conn.dialect.name == "postgresql":
            killed = len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                "AND pid <> pg_backend_pid()"), {"db": name}).all())
        else:
            ids = conn.execute(text("SELECT id FROM information_schema.processlist WHERE db = :db "
                                    "AND id <> CONNECTION_ID()"), {"db": name}).scalars().all()
            for i in ids:
                conn.execute(text(f"KILL {int(i)}"))
            killed = len(ids)
    admin.dispose()
    return killed


def test_rel002_pool_recovers_after_a_restart_with_pre_ping(source):
    """The server drops every pooled connection (a restart): the very next poll succeeds (pre-ping reconnects)."""
    poller, cache, engine = _poller(source)
    try:
        assert poller.poll_once() is True
        assert _kill_connections(source) >= 1
        assert poller.poll_once() is True, cache[Poller.STATUS_KEY]
        assert cache[Poller.STATUS_KEY]["last_error"] is None
    finally:
        engine.dispose()


def test_rel003_slow_statement_times_out_and_the_last_snapshot_stays(source):
    """A lock held elsewhere makes the poll's statements wait: the statement timeout (2 s here) ends the poll,
    the last snapshot stays with its time, the error is recorded; once the lock goes the next poll is good."""
    poller, cache, engine = _poller(source, statement_timeout=2)
    locker = make_engine(source)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with locker.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE"))
            else:
                conn.execute(text("LOCK TABLES calls WRITE"))
            locked.set()
            release.wait(60)
            if conn.dialect.name != "postgresql":
                conn.execute(text("UNLOCK TABLES"))
            conn.rollback()

    try:
        assert poller.poll_once() is True
        good = cache[Poller.KEY]["computed_at"]
        holder = threading.Thread(target=hold_lock, daemon=True)
        holder.start()
        assert locked.wait(30)
        assert poller.poll_once() is False
        status = cache[Poller.STATUS_KEY]
        assert status["last_error"] and cache[Poller.KEY]["computed_at"] == good
        release.set()
        holder.join(30)
        assert poller.poll_once() is True
        assert cache[Poller.KEY]["computed_at"] != good and cache[Poller.STATUS_KEY]["last_error"] is None
    finally:
        release.set()
        engine.dispose()
        locker.dispose()
