"""Sign-in attempts, counted before any password is checked and shared by every worker.

Each attempt increments its counters atomically first (Redis when it is configured, else
under this process's lock); only an attempt within every limit goes on to the slow
password check. So concurrent guesses cannot all be tried, and a worker that has not yet
seen a failure cannot be used to get around the count.

Counters, each for FAILURE_WINDOW seconds from its first attempt, checked in this order
(an attempt refused by one counter does not raise the next ones):

1. address, 20: one address sweeping over names (an office behind one address has room);
2. name and address together, 5: one address guessing one account's password;
3. name, 50: many addresses guessing one account. One address adds at most 5 to it, so
   locking an account out for everybody takes 50 attempts from at least 10 addresses.

A success clears the account's counters. Behind a proxy the address is the client's only
when WALLBOARD_PROXY_HOPS says how many proxies to trust (docs/production.md).
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
FAILURE_WINDOW = 600
LIMITS = {"address": 20, "name-address": 5, "name": 50}  # in the order they are checked
KEY_PREFIX = "wallboard:login-attempts:"
MAX_LOCAL_KEYS = 50_000  # without Redis: counters kept by one process, at most (oldest dropped first)


class LoginLimiter:
    """`allow(name, address)` counts an attempt and says whether it may be checked; `succeeded` clears."""

    def __init__(self, redis_client=None) -> None:
        self.redis = redis_client
        self._lock = threading.Lock()
        self._local: dict[str, tuple[float, int]] = {}  # key → (window end, count)
        self._pruned = time.monotonic()

    @staticmethod
    def keys(name: str, address: str) -> dict[str, str]:
        return {"address": f"{KEY_PREFIX}a:{address}", "name-address": f"{KEY_PREFIX}na:{name}|{address}",
                "name": f"{KEY_PREFIX}n:{name}"}

    def allow(self, name: str, address: str) -> bool:
        """Count this attempt on each counter in turn; False (and nothing more counted) at the first one past its
        limit."""
        for kind, key in self.keys(name, address).items():
            if self._increment(key) > LIMITS[kind]:
                return False
        return True

    def succeeded(self, name: str, address: str) -> None:
        """A good sign-in: this account's counters start again, and the address's counter forgets this attempt
        (so that an office signing in all morning is not taken for a sweep)."""
        keys = self.keys(name, address)
        self._delete([keys["name-address"], keys["name"]])
        self._decrement(keys["address"])

    def tracked(self) -> int:
        """How many counters this process holds (without Redis); bounded by MAX_LOCAL_KEYS."""
        return len(self._local)

    def _increment(self, key: str) -> int:
        if self.redis is not None:
            try:
                pipe = self.redis.pipeline()
                pipe.set(key, 0, ex=FAILURE_WINDOW, nx=True)  # the window starts with the first attempt
                pipe.incr(key)
                return int(pipe.execute()[1])
            except Exception as e:  # Redis down: count in this process rather than not at all
                log.warning("login counters: Redis unavailable (%s); counting in this process", type(e).__name__)
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            end, n = self._local.get(key, (now + FAILURE_WINDOW, 0))
            if end <= now:
                end, n = now + FAILURE_WINDOW, 0
            self._local[key] = (end, n + 1)
            return n + 1

    def _prune(self, now: float) -> None:
        """Expired counters go once a minute; past MAX_LOCAL_KEYS the oldest half goes at once (a sweep over many
        addresses must not grow memory or slow every sign-in)."""
        if now - self._pruned >= 60:
            self._local = {k: v for k, v in self._local.items() if v[0] > now}
            self._pruned = now
        if len(self._local) >= MAX_LOCAL_KEYS:
            newest = sorted(self._local.items(), key=lambda kv: kv[1][0])[MAX_LOCAL_KEYS // 2:]
            self._local = dict(newest)

    def _decrement(self, key: str) -> None:
        if self.redis is not None:
            try:
                if self.redis.decr(key) <= 0:
                    self.redis.delete(key)
            except Exception:  # noqa: BLE001 - the local counter below is corrected either way
                pass
        with self._lock:
            if key in self._local:
                end, n = self._local[key]
                self._local[key] = (end, max(0, n - 1))

    def _delete(self, keys: list[str]) -> None:
        if self.redis is not None:
            try:
                self.redis.delete(*keys)
            except Exception:  # noqa: BLE001 - the local counters below are cleared either way
                pass
        with self._lock:
            for key in keys:
                self._local.pop(key, None)
