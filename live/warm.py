"""The warmer: keeps the figures that managers open first computed ahead of their expiry.

At 600 sites the comparison of every site or the satisfaction trends take seconds to compute; a page that computed
them on a visit would make the first manager after each expiry wait for them. The warmer computes each figure of
`views()` (reports/first_views.py) again when it is within one pass of its expiry, and stores it under the key the
page reads (`Services.cached`), so the pages find it computed. One warmer of all processes when the cache is shared
(`lease`), one per process otherwise. The database load is the figures' own, whatever the screens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from wallboard.live.periodic import Periodic

log = logging.getLogger(__name__)
CACHED_PREFIX = "wallboard:cached:"  # the keys of `Services.cached`
WARM_EVERY = 20.0  # seconds between two passes: a figure is at most its freshness + one pass old


class Figure(Protocol):
    key: str
    seconds: int
    compute: Callable[[], Any]


class Lease(Protocol):
    def acquire(self) -> bool: ...


class Warmer:
    def __init__(self, cache, views: Callable[[], Iterable[Figure]], lease: Lease | None = None,
                 interval: float = WARM_EVERY) -> None:
        self.cache, self.views, self.lease, self.interval = cache, views, lease, interval
        self.computed: dict[str, float] = {}  # key -> when this warmer last computed it (monotonic)
        self._thread = Periodic(self.tick, interval, "wallboard-warm", min_wait=1.0)

    def tick(self) -> list[str]:
        """One pass: the keys computed (none when another process holds the lease)."""
        done: list[str] = []
        try:
            if self.lease is not None and not self.lease.acquire():
                return done
            views = list(self.views())
        except Exception as e:  # the app database away: the pages compute on a visit, as without the warmer
            log.warning("warming the first views: %s", _said(e))
            return done
        for figure in views:
            if time.monotonic() < self.computed.get(figure.key, float("-inf")) + figure.seconds - self.interval:
                continue
            try:
                value = figure.compute()
            except Exception as e:  # a source away: that page computes on a visit, the others stay warm
                log.warning("warming %s: %s", figure.key, _said(e))
                continue
            # kept one pass beyond its freshness: the next pass replaces it before a visitor finds it gone
            self.cache.set(CACHED_PREFIX + figure.key, value, timeout=int(figure.seconds + self.interval))
            self.computed[figure.key] = time.monotonic()
            done.append(figure.key)
        if len(self.computed) > 1000:  # yesterday's keys
            self.computed.clear()
        return done

    def start(self) -> Warmer:
        self._thread.start()
        return self


def _said(e: Exception) -> str:
    return " ".join(str(getattr(e, "orig", None) or e).split())[:300]
