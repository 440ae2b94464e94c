"""Channels through Apprise against real local servers (a webhook, an SMTP server) and the robots' HTTP calls
captured in-process (their hosts are fixed); the sender's retries, back-off, give-up and rate limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select
from support.alert_sinks import CapturedPosts, mailbox, webhook

from wallboard.alerts import store
from wallboard.alerts.channels import RateLimiter, Sender, masked, redact, send
from wallboard.alerts.messages import Message
from wallboard.config import parse_config

MESSAGE = Message("【告警】北京 · 服务水平 55.0%", "服务水平 当前 55.0%\nhttp://wallboard.example/site/BJ")


def config_with(**channels: list[str]):
    rules = [{"tile": "service_level", "channels": [name]} for name in channels][:1]
    return parse_config({"alerts": {"channels": channels, "rules": rules}})


def test_chn001_webhook_and_email_deliver_the_message():
    with webhook() as hook, mailbox() as box:
        assert send(hook.url, MESSAGE) is None
        assert send(box.url, MESSAGE) is None
    assert hook.received[0]["title"] == MESSAGE.title and "site/BJ" in hook.received[0]["message"]
    assert box.subjects() == [MESSAGE.title]


@pytest.fixture
def captured(monkeypatch) -> CapturedPosts:
    posts = CapturedPosts()
    monkeypatch.setattr(requests, "post", posts)
    return posts


def test_chn002_wecom_feishu_dingtalk_reach_their_hosts_with_the_text(captured):
    assert send("wecombot://WECOMKEY123", MESSAGE) is None
    assert send("feishu://FEISHUTOKEN123", MESSAGE) is None
    assert send("dingtalk://DINGTOKEN123/", MESSAGE) is None
    wecom, feishu, ding = captured.calls
    assert wecom["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=WECOMKEY123"
    assert MESSAGE.title in str(wecom["body"])
    assert feishu["url"].startswith("https://open.feishu.cn/open-apis/bot/v2/hook/FEISHUTOKEN123")
    assert MESSAGE.title in str(feishu["body"])
    assert ding["url"] == "https://oapi.dingtalk.com/robot/send?access_token=DINGTOKEN123"
    assert MESSAGE.title in str(ding["body"])


def test_chn003_dingtalk_signature_is_the_documented_one_on_the_wire(captured):
    """DingTalk: sign = urlEncode(base64(HmacSHA256(key=secret, f"{timestamp}\\n{secret}"))), once; the robot
    decodes the query once and compares (Apprise 2.3 alone sends it encoded twice: alerts/channels.py)."""
    secret = "SEC0123456789abcdef0123456789abcdef"
    assert send(f"dingtalk://{secret}@DINGTOKEN123/", MESSAGE) is None
    wire = captured.calls[0]["wire_url"]
    query = parse_qs(urlsplit(wire).query)  # one decoding, as the robot's server does
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected and "%25" not in wire


def test_chn004_failures_say_why_without_secrets():
    with webhook() as hook:
        hook.status = 500
        url = f"json://wallboard:HOOKPASSWORD99@127.0.0.1:{hook.port}/hook?token=QUERYTOKEN77"
        error = send(url, MESSAGE)
    assert error and "HOOKPASSWORD99" not in error and "QUERYTOKEN77" not in error
    assert "500" in error or "Internal" in error
    assert "SECRETKEY" not in masked("wecombot://SECRETKEY0001") and masked("wecombot://SECRETKEY0001") != ""
    assert "PASS1234" not in masked("mailto://user:PASS1234@mail.example.com?to=a@example.com")
    assert redact("failed for ROBOTKEY9 at wecombot://ROBOTKEY9", "wecombot://ROBOTKEY9").count("ROBOTKEY9") == 0


def test_chn005_rate_limit_twenty_a_minute_per_robot():
    from datetime import datetime

    limits, t0 = RateLimiter(), datetime(2026, 12, 5, 9, 0)
    for i in range(20):
        assert limits.wait_until("wecombot://K1", t0 + timedelta(seconds=i)) is None
        limits.record("wecombot://K1", t0 + timedelta(seconds=i))
    assert limits.wait_until("wecombot://K1", t0 + timedelta(seconds=30)) == t0 + timedelta(seconds=60)
    assert limits.wait_until("wecombot://K2", t0 + timedelta(seconds=30)) is None  # another robot
    assert limits.wait_until("wecombot://K1", t0 + timedelta(seconds=60)) is None  # the first left the window
    for _ in range(50):
        limits.record("json://h/x", t0)
    assert limits.wait_until("json://h/x", t0) is None  # webhooks and mail are not limited


def outbox_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()


def test_chn006_sender_retries_with_back_off_then_delivers_once(app_db):
    with webhook() as hook:
        config = config_with(ops=[hook.url])
        now = store.utcnow()
        with app_db.begin() as conn:
            store.enqueue(conn, None, "fire", {"ops": 1}, MESSAGE.title, MESSAGE.body, now)
        hook.status = 500
        sender = Sender(app_db, config)
        assert sender.send_due(now) == 0
        (row,) = outbox_rows(app_db)
        assert row.attempts == 1 and row.sent_at is None and row.last_error
        assert (row.next_attempt_at - now).total_seconds() >= 10  # the first back-off step
        assert sender.send_due(now) == 0  # not due yet: nothing sent, nothing counted
        assert outbox_rows(app_db)[0].attempts == 1
        hook.status = 200
        assert sender.send_due(row.next_attempt_at) == 1
        assert sender.send_due(row.next_attempt_at + timedelta(hours=1)) == 0  # sent once, never again
    (row,) = outbox_rows(app_db)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    assert hook.titles() == [MESSAGE.title]
    health = store.channel_health(app_db, now - timedelta(hours=1))
    assert [(h.channel, h.pending, h.sent, h.failed) for h in health] == [("ops", 0, 1, 0)]
    assert store.prune_outbox(app_db, now) == 0 and store.prune_outbox(app_db, now + timedelta(days=1)) == 1


def test_chn007_a_message_that_cannot_go_is_marked_failed_never_dropped(app_db):
    config = config_with(ops=["json://127.0.0.1:9/hook"])  # nothing listens on port 9
    old = store.utcnow() - timedelta(hours=25)
    with app_db.begin() as conn:
        store.enqueue(conn, None, "fire", {"ops": 1}, "t", "b", old)
        store.enqueue(conn, None, "fire", {"ops": 2}, "t", "b", store.utcnow())  # URL 2 is not in the config
    Sender(app_db, config).send_due()
    rows = outbox_rows(app_db)
    assert rows[0].failed_at is not None and "Connection" in rows[0].last_error  # over a day old: given up
    assert rows[1].failed_at is None and rows[1].last_error  # retried later
    assert rows[2].failed_at is not None and "no URL 2" in rows[2].last_error
    health = {h.url_index: h for h in store.channel_health(app_db, old - timedelta(hours=1))}
    assert health[0].pending == 1 and health[0].failed == 1 and health[1].failed == 1


def test_chn008_a_robots_limit_queues_the_rest(app_db, captured):
    config = config_with(floor=["wecombot://ROBOT1"])
    now = store.utcnow()
    with app_db.begin() as conn:
        for i in range(25):
            store.enqueue(conn, None, "fire", {"floor": 1}, f"m{i}", "b", now)
    sender = Sender(app_db, config)
    assert sender.send_due(now) == 20
    waiting = [r for r in outbox_rows(app_db) if r.sent_at is None]
    assert len(waiting) == 5 and all(r.attempts == 0 and r.failed_at is None for r in waiting)
    assert min(r.next_attempt_at for r in waiting) >= now + timedelta(seconds=59)
    assert len(captured.calls) == 20


def cli(*args: str, config: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wallboard.cli", "alerts", "test", *args, "--config", config],
                          capture_output=True, text=True, timeout=120)


def test_chn009_alerts_test_command(tmp_path):
    with webhook() as hook, mailbox() as box:
        path = tmp_path / "w.toml"
        path.write_text(f'[alerts.channels]\nfloor = ["{hook.url}", "{box.url}"]\n'
                        'broken = ["json://wb:SECRETPW1@127.0.0.1:9/hook"]\n', encoding="utf-8")
        good = cli("floor", config=str(path))
        assert good.returncode == 0, good.stderr
        assert good.stdout.count(": sent") == 2 and len(hook.received) == 1 and len(box.messages) == 1
        bad = cli("broken", config=str(path))
        assert bad.returncode == 2 and "broken[0]" in bad.stderr and "SECRETPW1" not in bad.stderr + bad.stdout
        unknown = cli("nope", config=str(path))
        assert unknown.returncode == 2 and "'nope' is not a channel" in unknown.stderr


def test_chn010_pending_messages_survive_a_restart(app_db):
    """A message queued while its channel was down is sent by the next process, once: the outbox is in the app
    database, not in memory."""
    with webhook() as hook:
        config = config_with(ops=[hook.url])
        with app_db.begin() as conn:
            store.enqueue(conn, None, "fire", {"ops": 1}, MESSAGE.title, MESSAGE.body, store.utcnow())
        hook.status = 503
        Sender(app_db, config).send_due()  # the first process fails, then "dies"
        hook.status = 200
        later = store.utcnow() + timedelta(minutes=1)
        assert Sender(app_db, config).send_due(later) == 1  # a new process, a new sender
        assert Sender(app_db, config).send_due(later) == 0
    assert hook.titles() == [MESSAGE.title]
