"""Sending through Apprise: one URL at a time, secrets masked, robots' rate limits kept, failures retried.

Apprise (BSD, maintained) speaks WeCom group robots, DingTalk (with its signing secret), Feishu/Lark,
e-mail, JSON webhooks and ~100 more through one URL scheme; evaluated against hand-written HTTP calls per
service, which would each need their own signing, retries and tests.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy import Engine

from wallboard.alerts import store
from wallboard.alerts.messages import Message
from wallboard.config import Config

log = logging.getLogger(__name__)

#: Messages a minute one robot accepts (WeCom and DingTalk document 20): more wait in the outbox.
RATE_LIMITS = {"wecombot": 20, "dingtalk": 20}
RATE_WINDOW = timedelta(minutes=1)
BACKOFF_SECONDS = (10, 30, 60, 120, 300, 600, 900)  # then every 15 minutes
GIVE_UP_AFTER = timedelta(hours=24)  # then the message is marked failed (on /data-quality), never dropped silently


def _sign_dingtalk_once() -> None:
    """DingTalk signs with base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded once. Apprise 2.3's
    plugin quotes the signature and hands it to requests, which quotes it again ("%253D"): DingTalk answers 310000
    "sign not match" (the double-encoding mistake of wowiwj/ding-notice#11). This subclass gives requests the raw
    signature, which it encodes once; with a fixed Apprise it changes nothing (base64 holds no "%")."""
    from apprise.manager_plugins import NotificationManager
    from apprise.plugins.dingtalk import NotifyDingTalk

    class NotifyDingTalkSignedOnce(NotifyDingTalk):
        def get_signature(self):
            timestamp, signature = super().get_signature()
            return timestamp, unquote(signature)

    plugins = NotificationManager()  # Apprise's plugin registry (a singleton)
    plugins.remove("dingtalk", unload=False)
    plugins.add(NotifyDingTalkSignedOnce, schemas="dingtalk", force=True)


@cache
def _set_up_apprise() -> None:
    """Once per process, before the first URL: Apprise's own log lines stay out of ours (they may name hosts and
    paths; we log redacted ones), and DingTalk is signed once."""
    logging.getLogger("apprise").propagate = False
    _sign_dingtalk_once()


def _instantiate(url: str):
    import apprise

    _set_up_apprise()
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def masked(url: str) -> str:
    """A URL fit for logs and screens: Apprise's private form without the query (tokens, passwords hidden)."""
    plugin = _instantiate(url)
    if plugin is None:
        return url.partition("://")[0] + "://****"
    return plugin.url(privacy=True).partition("?")[0]


def redact(text: str, url: str) -> str:
    """`text` with `url` masked and every secret-looking part of it (user, password, robot key, path and query
    values) replaced."""
    text = text.replace(url, masked(url))
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    secrets = {*userinfo.split(":"), *parts.path.split("/"), *(v for _, v in parse_qsl(parts.query))}
    if parts.scheme.lower() in (*RATE_LIMITS, "feishu", "lark"):
        secrets.add(host)  # robots' keys sit where a host would
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "****").replace(unquote(secret), "****")
    return text


def send(url: str, message: Message) -> str | None:
    """Send one message to one URL now; None when the service accepted it, else the reason (secrets removed)."""
    import apprise

    plugin = _instantiate(url)
    if plugin is None:
        return "Apprise cannot use this URL"
    sender = apprise.Apprise()
    sender.add(plugin)
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            ok = sender.notify(title=message.title, body=message.body)
        except Exception as e:  # a plugin's bug must not stop the sender
            ok, captured_text = False, f"{type(e).__name__}: {e}"
        else:
            captured_text = captured.getvalue()
    if ok:
        return None
    lines = [line.strip() for line in captured_text.splitlines() if line.strip()]
    return redact(" | ".join(lines[-2:]) or "the service did not accept the message", url)[:500]


class RateLimiter:
    """Sends per URL in the last minute, for the robots that limit them."""

    def __init__(self) -> None:
        self.sent: dict[str, deque[datetime]] = defaultdict(deque)

    def wait_until(self, url: str, now: datetime) -> datetime | None:
        """None when `url` may take a message now, else when it may."""
        limit = RATE_LIMITS.get(url.partition("://")[0].lower())
        if limit is None:
            return None
        times = self.sent[url]
        while times and now - times[0] >= RATE_WINDOW:
            times.popleft()
        return times[0] + RATE_WINDOW if len(times) >= limit else None

    def record(self, url: str, at: datetime) -> None:
        if url.partition("://")[0].lower() in RATE_LIMITS:
            self.sent[url].append(at)


class Sender:
    """Drains the outbox: each due row to its URL, oldest first; retries with back-off; gives up after a day."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine, self.config = engine, config
        self.limits = RateLimiter()
        self.lock = threading.Lock()

    def send_due(self, now: datetime | None = None) -> int:
        """Send what is due; returns how many messages a service accepted."""
        sent = 0
        with self.lock:
            now = now or store.utcnow()
            for row in store.claim_due(self.engine, now):
                urls = self.config.alerts.channels.get(row.channel, ())
                if row.url_index >= len(urls):
                    store.mark_retry(self.engine, row.id, now, f"channel {row.channel!r} has no URL "
                                     f"{row.url_index + 1} any more (the config changed)", failed=True)
                    continue
                url = urls[row.url_index]
                wait = self.limits.wait_until(url, now)
                if wait is not None:  # the robot's limit: it waits its turn, it is not an attempt
                    store.mark_retry(self.engine, row.id, wait, None, count_attempt=False)
                    continue
                error = send(url, Message(row.title, row.body))
                at = store.utcnow()
                self.limits.record(url, at)
                if error is None:
                    store.mark_sent(self.engine, row.id, at)
                    sent += 1
                    continue
                give_up = at - row.created_at >= GIVE_UP_AFTER
                delay = BACKOFF_SECONDS[min(row.attempts, len(BACKOFF_SECONDS) - 1)]
                store.mark_retry(self.engine, row.id, at + timedelta(seconds=delay), error, failed=give_up)
                log.warning("alert channel %s (%s): %s; %s", row.channel, masked(url), error,
                            "given up" if give_up else f"retrying in {delay} s")
        return sent


def test_channel(config: Config, channel: str) -> list[tuple[str, str | None]]:
    """`wallboard alerts test CHANNEL`: one test message to each URL now; (masked URL, error or None) each."""
    from wallboard.alerts.messages import test_message

    message = test_message(channel, config)
    return [(masked(url), send(url, message)) for url in config.alerts.channels[channel]]
