"""The poller: one background thread refreshes the live snapshot in the cache every N seconds.

Screens never query the databases themselves: callbacks only read the cache, so the
database load does not depend on the number of screens.  With a shared cache (Redis)
a lease lets exactly one poller of all workers and hosts query the databases; a failed
poll keeps the last good snapshot and records why.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from wallboard.data_access.engines import statements_executed
from wallboard.live.periodic import Periodic

log = logging.getLogger(__name__)
PARTS = "parts"  # snapshot[PARTS][name] is cached under f"{Poller.KEY}:{name}"
STALE_AFTER_POLLS = 2  # data older than two polls is "stale": the wall, /healthz and /data-quality all say so


def stale_after_seconds(poll_seconds: float) -> float:
    return STALE_AFTER_POLLS * poll_seconds


def is_stale(age_seconds: float | None, poll_seconds: float) -> bool:
    """No data yet, or data older than STALE_AFTER_POLLS polls (the screens' clientside clock uses the same limit,
    sent to it as `stale_after_seconds`)."""
    return age_seconds is None or age_seconds > stale_after_seconds(poll_seconds)


class Cache(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...


class Lease(Protocol):
    def acquire(self) -> bool: ...


class LocalLease:
    """One process, one poller: always granted."""

    def acquire(self) -> bool:
        return True


class RedisLease:
    """Exactly one poller across all workers and hosts sharing a Redis.

    The holder renews the lease on every poll; if it dies, another worker takes over
    once the lease expires (a few poll intervals).
    """

    SCRIPT = """
    if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
    if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
    return 0"""

    def __init__(self, client, key: str, ttl_seconds: float) -> None:
        import uuid

        self.client, self.key = client, key
        self.token = uuid.uuid4().hex
        self.ttl_ms = int(ttl_seconds * 1000)
        self._script = client.register_script(self.SCRIPT)

    def acquire(self) -> bool:
        return bool(self._script(keys=[self.key], args=[self.token, self.ttl_ms]))


class Poller:
    """Refreshes the snapshot every `interval` seconds in one background thread.

    Polls never overlap (the next one starts after the last has finished); a failed poll
    keeps the last good snapshot and records the error, and the next poll retries.  With a
    shared cache the `lease` lets only one poller of all workers query the databases.
    """

    KEY = "wallboard:snapshot"
    QUEUES_KEY = "wallboard:queues"  # calls waiting and the oldest wait per scope, fresher than the snapshot
    STAMP_KEY = "wallboard:stamp"  # {"snapshot": its computed_at, "queues": their "at"}: what changed, in a few bytes
    STATUS_KEY = "wallboard:poll-status"
    LEASE_KEY = "wallboard:poller-lease"

    def __init__(self, cache: Cache, compute, interval: float, lease: Lease | None = None,
                 queues: Callable[[], dict] | None = None, queue_interval: float | None = None) -> None:
        """`queues` (with `queue_interval` shorter than `interval`): between two full polls, calls waiting are
        re-read alone every `queue_interval` seconds — one cheap query, so that a call starting to wait shows on
        the walls within seconds while the day's figures are computed every `interval`."""
        self.cache = cache
        self.compute = compute
        self.interval = interval
        self.lease = lease or LocalLease()
        self.queues = queues if queue_interval and queue_interval < interval else None
        self._full_due = 0.0
        self._queues_failing = False
        self._thread = Periodic(self.tick, queue_interval if self.queues else interval, "wallboard-poller")

    def tick(self) -> bool | None:
        """A full poll when one is due, else a queue refresh."""
        if self.queues is None or _time.monotonic() >= self._full_due:
            return self.poll_once()
        return self.refresh_queues()

    def refresh_queues(self) -> bool | None:
        """Re-read calls waiting alone (True), or None when another worker holds the lease, False on failure (the
        last figures stay)."""
        try:
            if not self.lease.acquire():
                return None
        except Exception:  # the shared cache is down: poll_once logs it; this worker refreshes for itself
            pass
        statements = statements_executed()
        try:
            queues = self.queues()
        except Exception as e:  # logged once per outage (the full poll records the error for the screens)
            if not self._queues_failing:
                log.warning("queue refresh failed: %s", " ".join(str(getattr(e, "orig", None) or e).split())[:300])
            self._queues_failing = True
            return False
        finally:  # the poller's statements, wherever they come from (/healthz tells them from the screens')
            status = self.cache.get(self.STATUS_KEY) or {}
            self.cache.set(self.STATUS_KEY, {**status, "statements_total": status.get("statements_total", 0)
                                             + statements_executed() - statements,
                                             "queue_refreshes_total": status.get("queue_refreshes_total", 0) + 1},
                           timeout=0)
        self._queues_failing = False
        self.cache.set(self.QUEUES_KEY, queues, timeout=0)
        self._stamp(queues=queues["at"])
        return True

    def _stamp(self, **changed: str) -> None:
        """Written after what it dates, so that a reader of the stamp finds at least that."""
        self.cache.set(self.STAMP_KEY, {**(self.cache.get(self.STAMP_KEY) or {}), **changed}, timeout=0)

    def poll_once(self) -> bool | None:
        """True after a good poll, False after a failed one, None when another worker holds the lease."""
        try:
            if not self.lease.acquire():
                return None
        except Exception as e:  # the shared cache is down: this worker polls for itself
            log.warning("poller lease unavailable (%s); polling locally", " ".join(str(e).split())[:200])
        started = _time.monotonic()
        statements = statements_executed()
        status = self.cache.get(self.STATUS_KEY) or {}
        totals = {"polls_total": status.get("polls_total", 0) + 1,
                  "statements_total": status.get("statements_total", 0),
                  "queue_refreshes_total": status.get("queue_refreshes_total", 0)}
        try:
            snapshot = self.compute()
        except Exception as e:  # any database failure must leave the last snapshot in place
            message = " ".join(str(getattr(e, "orig", None) or e).split())[:300]
            totals["statements_total"] += statements_executed() - statements
            self.cache.set(self.STATUS_KEY, {**status, **totals, "last_error": message,
                                             "last_error_at": datetime.now(UTC).isoformat()}, timeout=0)
            log.warning("snapshot poll failed: %s", message)
            self._full_due = started + self.interval  # retried at the poll interval, not at every queue refresh
            return False
        snapshot["poll_seconds"] = self.interval
        snapshot["compute_seconds"] = round(_time.monotonic() - started, 4)
        totals["statements_total"] += statements_executed() - statements
        for name, part in snapshot.pop(PARTS, {}).items():
            self.cache.set(f"{self.KEY}:{name}", part, timeout=0)
        self.cache.set(self.KEY, snapshot, timeout=0)
        if self.queues is not None:
            self.cache.set(self.QUEUES_KEY, {"at": snapshot["computed_at"], "scopes": {
                scope: {"calls_waiting": tiles.get("calls_waiting", 0),
                        "oldest_queued_at": tiles.get("oldest_queued_at")}
                for scope, tiles in snapshot.get("scopes", {}).items()}}, timeout=0)
            self._full_due = started + self.interval
        self._stamp(snapshot=snapshot.get("polled_at", snapshot["computed_at"]),
                    **({"queues": snapshot["computed_at"]} if self.queues else {}))
        self.cache.set(self.STATUS_KEY, {**totals, "last_success": snapshot["computed_at"], "last_error": None,
                                         "compute_seconds": snapshot["compute_seconds"]}, timeout=0)
        return True

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._thread.stop()
