"""The alert worker: two threads per process, acting only while this process holds the alert lease.

* the evaluator, once per poll interval: every rule against the latest snapshot (alerts/evaluate.py);
* the sender, woken by the evaluator and at least every second: the outbox through Apprise.

Whichever workers run, one of them (the lease holder in the app database) evaluates and sends: three
gunicorn workers send one message, not three. The outbox is in the app database, so a restart loses nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine

from wallboard.alerts import store
from wallboard.alerts.channels import Sender
from wallboard.alerts.evaluate import evaluate
from wallboard.config import Config
from wallboard.data_access.leases import DatabaseLease
from wallboard.live.periodic import Periodic
from wallboard.live.reader import SnapshotReader

log = logging.getLogger(__name__)
LEASE = "alerts"
OPEN_LIMIT, PAST_LIMIT = 2000, 200  # alerts kept in memory for /alerts and the banners
HEALTH_WINDOW = timedelta(hours=24)  # /data-quality: messages sent and given up in the last day
KEEP_MESSAGES = timedelta(days=30)  # sent and failed messages older than this leave the outbox


class AlertWorker:
    def __init__(self, engine: Engine, config: Config, reader: Callable[[], SnapshotReader],
                 interval: float | None = None) -> None:
        self.engine, self.config, self.reader = engine, config, reader
        self.interval = interval or config.poll_seconds
        self.lease = DatabaseLease(engine, LEASE, ttl_seconds=max(15.0, 3 * self.interval))
        self.sender = Sender(engine, config)
        self._leader_until = 0.0
        self._next_prune = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._evaluator = Periodic(self._evaluate, self.interval, "wallboard-alerts")
        self._sender_thread = threading.Thread(target=self._send_loop, name="wallboard-alert-sender", daemon=True)
        self._lists: dict[str, list] = {"open": [], "past": [], "channels": []}

    def lists(self) -> dict[str, list]:
        """Open and the most recent past alerts, read once per tick by every process for its screens."""
        return self._lists

    def refresh_lists(self) -> None:
        try:
            lists = {"open": store.list_alerts(self.engine, None, limit=OPEN_LIMIT, closed=False),
                     "past": store.list_alerts(self.engine, None, limit=PAST_LIMIT, closed=True),
                     "channels": store.channel_health(self.engine, store.utcnow() - HEALTH_WINDOW)}
        except Exception:  # the app database away: the screens keep the last lists
            log.warning("alert list unavailable", exc_info=True)
            return
        self._lists = lists

    def is_leader(self) -> bool:
        return time.monotonic() < self._leader_until

    def tick(self) -> bool:
        """One evaluation if this process holds the lease; True when it did."""
        try:
            if not self.lease.acquire():
                self._leader_until = 0.0
                return False
            self._leader_until = time.monotonic() + self.lease.ttl.total_seconds() / 2
            events = evaluate(self.engine, self.config, self.reader())
            if time.monotonic() >= self._next_prune:
                store.prune_outbox(self.engine, store.utcnow() - KEEP_MESSAGES)
                self._next_prune = time.monotonic() + 3600
        except Exception:  # the app database away: try again next tick, the screens go on
            log.exception("alert evaluation failed")
            return False
        for event in events:
            log.info("alert %s", event)
        if events:
            self._wake.set()
        return True

    def _evaluate(self) -> None:
        self.tick()
        self.refresh_lists()

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self._stop.is_set() or not self.is_leader():
                continue
            try:
                self.sender.send_due()
            except Exception:
                log.exception("alert sending failed; the outbox keeps the messages")

    def start(self) -> AlertWorker:
        store.init_alert_tables(self.engine)
        self._evaluator.start()
        self._sender_thread.start()
        return self

    def stop(self) -> None:
        self._evaluator.stop()
        self._stop.set()
        self._wake.set()
        self._sender_thread.join(timeout=10)
