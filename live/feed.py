"""Calls waiting, pushed: one stream per wall screen, one cache read per change per process.

A wall needs calls waiting within seconds (data age ≤ 3 s), and a national hotline has
1,500 screens. Asked for by every screen every second, that is 1,500 callbacks a second;
pushed, it is one cache read per process each time the poller re-reads the queues, and
one small message per screen (Server-Sent Events, which the browser reconnects by itself).

One watcher thread per process reads the queues' stamp from the cache every `every`
seconds and, when it has moved, the queue figures once; each screen's stream looks for new
figures every `spread` seconds and sends its scope's message, rendered once per scope,
variant (language) and re-read however many screens show it. A stream ends after about
`lifetime` seconds (the browser reconnects within a second and the request is authorised
again: an account removed or restricted stops streaming within five minutes) and sends a
comment every `keepalive` seconds so that a screen that went away frees its thread.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from wallboard.live.poller import Cache, Poller

RETRY_MS = 1000  # how soon a browser reconnects a stream that ended


def queue_figures(queues: dict, key: str) -> dict:
    """Calls waiting, the oldest queued time and the longest wait of scope `key` in a queue re-read."""
    q = queues["scopes"].get(key) or {"calls_waiting": 0, "oldest_queued_at": None}
    oldest = q["oldest_queued_at"]
    wait = (datetime.fromisoformat(queues["at"]) - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0
    return {"calls_waiting": q["calls_waiting"], "oldest_queued_at": oldest, "longest_wait": max(0.0, wait)}


class QueueFeed:
    """The queue figures of the cache, as event streams (see the module's docstring)."""

    def __init__(self, cache: Cache, every: float = 0.2, spread: float = 1.0, lifetime: float = 300,
                 keepalive: float = 15) -> None:
        self.cache, self.every, self.spread, self.lifetime, self.keepalive = cache, every, spread, lifetime, keepalive
        self._starting = threading.Lock()
        self._queues: dict | None = None
        self._stamp: tuple[float, tuple] = (float("-inf"), (None, None))
        self._messages: dict[tuple[str, str], tuple[dict, str]] = {}  # (scope, variant) -> (queues, its message)
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def stream(self, scope: str, variant: str, render: Callable[[dict], dict]) -> Iterator[str]:
        """Server-Sent Events of `scope`: `render(figures)` and the time the figures were read ("at") as JSON, now
        (when queues are known) and after each re-read, until `lifetime` ends.

        Each stream looks for a re-read on its own beat, `spread` seconds apart at a random phase, rather than all
        being woken at once: 500 threads of a process woken together hold each other (and every callback of the
        process) up behind the interpreter lock for a second; spread over the beat they cost the same, evenly."""
        self._start()
        ends = time.monotonic() + self.lifetime * random.uniform(0.75, 1)  # screens started together part
        phase = random.random() * self.spread
        yield f"retry: {RETRY_MS}\n\n"
        sent, said = None, time.monotonic()
        while time.monotonic() < ends:
            queues = self._queues
            if queues is not None and queues is not sent:
                sent, said = queues, time.monotonic()
                yield f"data: {self._message(queues, scope, variant, render)}\n\n"
            elif time.monotonic() - said >= self.keepalive:
                said = time.monotonic()
                yield ": keepalive\n\n"
            time.sleep(self.spread - (time.monotonic() - phase) % self.spread)  # no lock shared by the streams
            if self._stopped.is_set():
                return

    def _message(self, queues: dict, scope: str, variant: str, render: Callable[[dict], dict]) -> str:
        """Rendered once per scope, variant and re-read, whichever stream asks first."""
        hit = self._messages.get((scope, variant))
        if hit is not None and hit[0] is queues:
            return hit[1]
        message = json.dumps({"at": queues["at"], **render(queue_figures(queues, scope))}, separators=(",", ":"))
        self._messages[(scope, variant)] = (queues, message)
        return message

    def start(self) -> QueueFeed:
        """Start the watcher now (else with the first stream)."""
        self._start()
        return self

    def _start(self) -> None:
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="wallboard-queue-feed", daemon=True)
                self._thread.start()

    def stamp(self) -> tuple | None:
        """The cache's stamp (snapshot time, queues time) as this process's watcher last read it (at most `every`
        seconds old), or None when the watcher has not read it lately: callbacks need no cache read to know
        whether their last answer still holds."""
        read_at, stamp = self._stamp
        return stamp if time.monotonic() - read_at < 5 * self.every else None

    def _watch(self) -> None:
        seen = None
        while not self._stopped.wait(self.every):
            try:
                stamp = self.cache.get(Poller.STAMP_KEY) or {}
                self._stamp = (time.monotonic(), (stamp.get("snapshot"), stamp.get("queues")))
                now = stamp.get("queues")
                if now is None or now == seen:
                    continue
                queues = self.cache.get(Poller.QUEUES_KEY)
            except Exception:  # the cache is down: the streams keep their last figures (the wall shows its age)
                continue
            if not queues:
                continue
            seen = now
            self._queues = queues

    def stop(self) -> None:
        self._stopped.set()
