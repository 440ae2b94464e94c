"""The issue's acceptance run: the simulator writing live traffic, three gunicorn workers, a service-level drop in
one site → exactly one webhook message and one e-mail within for_seconds + one poll, a reminder after
repeat_minutes, none once acknowledged, and one recovery message; the three workers send one of each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select
from support.alert_sinks import mailbox, webhook
from support.browser import ARTIFACTS
from support.servers import free_port, health, wait_for, wait_http

from wallboard.alerts import store
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls
from wallboard.demo.simulator import demo_config_toml

POLL, FOR_SECONDS, REPEAT_MINUTES = 1.0, 3.0, 0.25  # a reminder 15 s after the first message
DROP = "DROP-"  # the injected calls: each waited 200 s at Beijing in the last hour


def _drop_rows(now: datetime, n: int = 20_000) -> list[dict]:
    rows = []
    for i in range(n):
        queued = now - timedelta(minutes=50) + timedelta(seconds=i * 0.1)
        rows.append({"call_id": f"{DROP}{i}", "site": "BJ", "skill_group": "claims", "arrived_at": queued,
                     "queued_at": queued, "answered_at": queued + timedelta(seconds=200),
                     "ended_at": queued + timedelta(seconds=260), "agent_id": "BJ-drop", "transferred": 0,
                     "direction": "inbound", "quality_flags": 0})
    return rows


@pytest.fixture
def centre(tmp_path):
    """A live simulated centre (3 sites) and three gunicorn workers with one alert rule on Beijing's service level."""
    with webhook() as hook, mailbox() as box:
        calls_url, app_url = f"sqlite:///{tmp_path / 'calls.db'}", f"sqlite:///{tmp_path / 'app.db'}"
        config = tmp_path / "wallboard.toml"
        config.write_text(demo_config_toml() + f'''
[thresholds.service_level]
warn = 0.5
alert = 0.35

[alerts]
public_url = "http://wallboard.example:8050"
[alerts.channels]
floor = ["{hook.url}", "{box.url}"]
[[alerts.rules]]
tile = "service_level"
scope = "site:BJ"
level = "alert"
for_seconds = {FOR_SECONDS}
repeat_minutes = {REPEAT_MINUTES}
channels = ["floor"]
''', encoding="utf-8")
        env = {**os.environ, "WALLBOARD_CALLS_DB": calls_url, "WALLBOARD_APP_DB": app_url,
               "WALLBOARD_CONFIG": str(config), "WALLBOARD_POLL_SECONDS": str(POLL)}
        wallboard = str(Path(sys.executable).with_name("wallboard"))
        subprocess.run([wallboard, "init-db", "--db", calls_url], check=True, capture_output=True, env=env)
        sim = subprocess.Popen([wallboard, "simulate", "--db", calls_url, "--history-days", "1", "--live"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in sim.stderr:  # the day is back-filled: live traffic from now on
            if "live traffic" in line:
                break
        port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        server = subprocess.Popen([gunicorn, "-w", "3", "-b", f"127.0.0.1:{port}", "wallboard.wsgi:server"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", 60, server)
            yield base, make_engine(calls_url), make_engine(app_url), hook, box
        finally:
            for proc in (server, sim):
                proc.terminate()
                proc.wait(timeout=30)


def kinds(app) -> list[str]:
    with app.connect() as conn:
        return [r.kind for r in conn.execute(select(store.outbox).where(store.outbox.c.url_index == 0)
                                             .order_by(store.outbox.c.id))]


def test_alv001_one_drop_one_message_each_reminder_ack_recovery(centre):
    base, calls_db, app, hook, box = centre
    wait_for(lambda: health(base)["status"] == "ok", 60, "fresh data")
    time.sleep(FOR_SECONDS + 3 * POLL)
    assert hook.received == [] and box.messages == []  # Beijing's level is fine before the drop

    now = datetime.now(UTC).replace(tzinfo=None)
    with calls_db.begin() as conn:
        conn.execute(insert(calls), _drop_rows(now))
    dropped = time.monotonic()
    wait_for(lambda: hook.received and box.messages, 30, "the first message")
    first = time.monotonic() - dropped
    time.sleep(3 * POLL)
    assert len(hook.received) == 1 and len(box.messages) == 1, (hook.titles(), box.subjects())
    assert "北京" in hook.received[0]["title"] and "北京" in box.subjects()[0]
    assert "http://wallboard.example:8050/site/BJ" in hook.received[0]["message"]
    # the figure is for_seconds + one poll (measured: test-artifacts/alerts-live.json); the bound here has
    # room for a loaded CI machine (three workers, the simulator, the history keeper on two cores): it fails on
    # an evaluator that waits a poll too many or a sender that is not woken, not on a slow moment
    assert first <= FOR_SECONDS + 3 * POLL + 5.0, first

    wait_for(lambda: len(hook.received) == 2, REPEAT_MINUTES * 60 + 15, "the reminder")
    reminded = time.monotonic() - dropped
    wait_for(lambda: len(box.messages) == 2, 10, "the reminder e-mail")
    (alert,) = store.list_alerts(app, None, closed=False)
    assert store.acknowledge(app, alert.id, "lead", sites=None)
    time.sleep(2 * REPEAT_MINUTES * 60 + 2)
    assert len(hook.received) == 2 and len(box.messages) == 2  # acknowledged: no more reminders

    with calls_db.begin() as conn:
        conn.execute(delete(calls).where(calls.c.call_id.like(f"{DROP}%")))
    recovered_at = time.monotonic()
    wait_for(lambda: len(hook.received) == 3 and len(box.messages) == 3, 30, "the recovery")
    recovery = time.monotonic() - recovered_at
    time.sleep(3 * POLL)
    assert len(hook.received) == 3 and len(box.messages) == 3
    assert kinds(app) == ["fire", "remind", "recover"]  # three workers, one of each
    pids = {health(base)["pid"] for _ in range(12)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "alerts-live.json").write_text(json.dumps({
        "first_message_seconds": round(first, 2), "reminder_after_drop_seconds": round(reminded, 2),
        "recovery_seconds": round(recovery, 2), "workers_answering": len(pids),
        "titles": hook.titles()}, ensure_ascii=False, indent=1), encoding="utf-8")
