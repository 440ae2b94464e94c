"""Sign-in attempts, counted before any password is checked and shared by every worker.

Each attempt increments its counters atomically first (Redis INCR when Redis is configured,
else under this process's lock); only an attempt that stays within every limit goes on to
the slow password check. So concurrent guesses cannot all be tried, and a worker that has
not yet seen a failure cannot be used to get around the count.

Counters (each for FAILURE_WINDOW seconds since its first attempt, cleared by a success):

* name and address together, 5: one address guessing one account's password;
* address, 20: one address sweeping over names (an office behind one address has room);
* name, 50: many addresses guessing one account. Locking an account out for everybody
  takes 50 attempts from at least 10 addresses, not 5 from anywhere.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
FAILURE_WINDOW = 600
LIMITS = {"name-address": 5, "address": 20, "name": 50}
KEY_PREFIX = "wallboard:login-attempts:"


class LoginLimiter:
    """`allow(name, address)` counts an attempt and says whether it may be checked; `succeeded` clears."""

    def __init__(self, redis_client=None) -> None:
        self.redis = redis_client
        self._lock = threading.Lock()
        self._local: dict[str, tuple[float, int]] = {}  # key → (window end, count)

    @staticmethod
    def keys(name: str, address: str) -> dict[str, str]:
        return {"name-address": f"{KEY_PREFIX}na:{name}|{address}", "address": f"{KEY_PREFIX}a:{address}",
                "name": f"{KEY_PREFIX}n:{name}"}

    def allow(self, name: str, address: str) -> bool:
        counts = self._increment(list(self.keys(name, address).values()))
        return all(n <= LIMITS[kind] for kind, n in zip(self.keys(name, address), counts, strict=True))

    def succeeded(self, name: str, address: str) -> None:
        """A good sign-in: this account's counters start again, and the address's counter forgets this attempt
        (so that an office signing in all morning is not taken for a sweep)."""
        keys = self.keys(name, address)
        self._delete([keys["name-address"], keys["name"]])
        self._decrement(keys["address"])

    def _increment(self, keys: list[str]) -> list[int]:
        if self.redis is not None:
            try:
                pipe = self.redis.pipeline()
                for key in keys:
                    pipe.incr(key)
                    pipe.expire(key, FAILURE_WINDOW, nx=True)
                return [int(v) for v in pipe.execute()[::2]]
            except Exception as e:  # Redis down: count in this process rather than not at all
                log.warning("login counters: Redis unavailable (%s); counting in this process", type(e).__name__)
        now = time.monotonic()
        with self._lock:
            out = []
            for key in keys:
                end, n = self._local.get(key, (now + FAILURE_WINDOW, 0))
                if end <= now:
                    end, n = now + FAILURE_WINDOW, 0
                self._local[key] = (end, n + 1)
                out.append(n + 1)
            if len(self._local) > 100_000:  # a sweep over random names must not grow memory without end
                self._local = {k: v for k, v in self._local.items() if v[0] > now}
            return out

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
