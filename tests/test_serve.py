"""`wallboard serve` against each backend: the app answers and its snapshot is fresh."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from support.servers import free_port, wait_http

from wallboard.demo.simulator import backfill


def test_srv001_serve_answers_on_each_backend(engine, db_url):
    backfill(engine, engine, history_days=0.05, seed=2)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", db_url, "--port", str(port),
                             "--poll-seconds", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 60, proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            health = json.load(r)
        assert health["status"] == "ok" and health["databases"] == {"calls": "ok", "tickets": "ok"}
        assert health["snapshot_age_seconds"] < 5
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=10) as r:
            assert b"data-freshness" in r.read()  # the shell; pages are filled by a callback
    finally:
        proc.terminate()
        proc.wait(10)


def test_srv002_serve_without_tables_exits_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db",
                             f"sqlite:///{tmp_path / 'empty.db'}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "missing table" in result.stderr and "init-db" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_srv003_health_is_503_when_no_snapshot():
    """No fresh snapshot → 503, so a load balancer takes the worker out (checked via a stub cache)."""
    from wallboard.app import health_view
    from wallboard.config import Config

    class Cache(dict):
        cache = object()

        def set(self, k, v, timeout=None):
            self[k] = v

    from flask import Flask

    from wallboard.data_access.engines import make_engine
    from wallboard.data_access.sources import Sources
    from wallboard.live.services import EXTENSION, Services

    app = Flask("t")
    engine = make_engine("sqlite://")
    app.extensions[EXTENSION] = Services(sources=Sources.single(engine, Config()), cache=Cache(), poller=None)
    with app.app_context():
        body, status = health_view()
    assert status == 503 and body.json["status"] == "stale" and body.json["databases"]["calls"] == "ok"
