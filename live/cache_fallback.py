"""The shared snapshot cache (Redis) with a per-process fallback while Redis is down.

Every worker's callbacks and poller read and write the snapshot through this object.
When Redis stops answering, a worker carries on with its own in-process cache (its
poller then polls for itself, as the lease cannot be granted) instead of failing every
screen's request; it tries Redis again every few seconds and goes back to it when it
answers.  `/healthz` reports which cache is in use and why (`cache`, `cache_note`).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask_caching.backends import SimpleCache

log = logging.getLogger(__name__)


class FallbackCache:
    """`get`/`set`/`delete` on the shared cache, or on a local one while the shared one fails."""

    RETRY_SECONDS = 5.0

    def __init__(self, shared: Any, errors: tuple[type[BaseException], ...], note: str | None = None) -> None:
        self.shared = shared  # a flask_caching.Cache configured for Redis
        self.local = SimpleCache(threshold=10_000, default_timeout=0)
        self.errors = errors
        self._lock = threading.Lock()
        self._down_note: str | None = None
        self._retry_at = 0.0
        if note:
            self._fail_note(note)

    @property
    def cache(self) -> Any:
        """The backend in use now (its class name is what /healthz shows)."""
        return self.local if self._down_note else self.shared.cache

    @property
    def config(self) -> dict:
        return {"WALLBOARD_CACHE_NOTE": self._down_note}

    def _fail_note(self, error: object) -> None:
        with self._lock:
            if self._down_note is None:
                since = datetime.now(UTC).isoformat(timespec="seconds")
                self._down_note = f"Redis unreachable since {since} ({' '.join(str(error).split())[:160]}): " \
                                  "per-process cache"
                log.warning("%s", self._down_note)
            self._retry_at = time.monotonic() + self.RETRY_SECONDS

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._down_note and time.monotonic() < self._retry_at:
            return getattr(self.local, name)(*args, **kwargs)
        try:
            value = getattr(self.shared, name)(*args, **kwargs)
        except self.errors as e:
            self._fail_note(e)
            return getattr(self.local, name)(*args, **kwargs)
        if self._down_note:
            with self._lock:
                log.warning("Redis answers again: back to the shared cache")
                self._down_note = None
        return value

    def get(self, key: str) -> Any:
        return self._call("get", key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._call("set", key, value, timeout=timeout)

    def delete(self, key: str) -> Any:
        return self._call("delete", key)
