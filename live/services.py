"""What callbacks need at run time (config, engines, snapshot cache), held by the Flask app.

Callbacks find it through `services()` (the current Flask app's extension), so page
modules stay importable and testable without a running server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app, g, has_request_context
from sqlalchemy import Engine

from wallboard.config import Config
from wallboard.data_access.sources import Sources
from wallboard.live.feed import QueueFeed
from wallboard.live.poller import Poller
from wallboard.live.reader import SnapshotReader
from wallboard.live.warm import CACHED_PREFIX, Figure

EXTENSION = "wallboard"
SOURCE_STATUS_KEY = "wallboard:source-status:"  # + a source's name: its follower's status (ingest/follow.py)
ANSWERS_KEPT = 2048


class AlertBoard(Protocol):
    """The alert worker as the screens see it (alerts/worker.py)."""

    def lists(self) -> dict[str, list]: ...
    def refresh_lists(self) -> None: ...


@dataclass
class Services:
    sources: Sources
    cache: Any
    poller: Poller | None
    demo: bool = False
    app_db: Engine | None = None  # the app's own database (accounts, alerts)
    alert_board: AlertBoard | None = None  # None: no alert rules configured
    feed: QueueFeed | None = None  # calls waiting pushed to the walls (None: no queue re-read between polls)
    _answers: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    _answers_lock: threading.Lock = field(default_factory=threading.Lock)
    _building: dict[Any, threading.Lock] = field(default_factory=dict)

    def answer(self, key: Any, stamp: tuple, build: Callable[[], Any]) -> Any:
        """A screen's answer built once per `stamp` (what it depends on: the snapshot's and queues' times, the
        page of a paged list…) for all screens asking the same `key` (scope, language, what the account may see):
        1,500 walls of one scope cost one build per poll and process, not 1,500. Never kept while nothing is
        polled yet (a None in the stamp)."""
        if None in stamp:
            return build()
        hit = self._answers.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        with self._answers_lock:
            if len(self._answers) >= ANSWERS_KEPT:  # keys are few (scopes × languages): a bound, never reached
                self._answers.clear()
                self._building.clear()
            lock = self._building.setdefault(key, threading.Lock())
        with lock:  # the screens that ask while it is built wait for it rather than each building it again
            hit = self._answers.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            value = build()
            self._answers[key] = (stamp, value)
            return value

    def alerts(self) -> dict[str, list]:
        """{"open", "past", "channels"} as the alert worker last read them (no database access here)."""
        return self.alert_board.lists() if self.alert_board else {"open": [], "past": [], "channels": []}

    @property
    def config(self) -> Config:
        return self.sources.config

    def reader(self) -> SnapshotReader:
        """The last good snapshot, read once per request: every answer of one render or callback is of one poll."""
        if has_request_context():
            if "wallboard_reader" not in g:
                g.wallboard_reader = SnapshotReader(self.cache, self.config.poll_seconds)
            return g.wallboard_reader
        return SnapshotReader(self.cache, self.config.poll_seconds)

    def stamp(self) -> tuple:
        """(snapshot time, queues time) of the cache: from this process's feed watcher when it runs (no cache
        read), else from the cache."""
        return (self.feed.stamp() if self.feed else None) or self.reader().stamp()

    def known_sites(self) -> set[str]:
        """Sites a URL may name: the configured ones and those the data has shown."""
        live = self.reader()
        return self.answer(("known_sites",), (self.stamp()[0],),
                           lambda: {s.id for s in self.config.sites} | set(live.sites()))

    def known_skill_groups(self) -> set[str]:
        """Skill groups a URL may name: the configured ones and those the data has shown."""
        return {g.id for g in self.config.skill_groups} | self.reader().skill_groups()

    def cached(self, key: str, seconds: int, compute: Callable[[], Any]) -> Any:
        """A slower-moving figure (history, 4-week rates) computed at most once per `seconds` per key."""
        value = self.cache.get(CACHED_PREFIX + key)
        if value is None:
            value = compute()
            self.cache.set(CACHED_PREFIX + key, value, timeout=seconds)
        return value

    def figure(self, figure: Figure) -> Any:
        """A figure of reports/first_views.py: computed ahead by the warmer for the default views."""
        return self.cached(figure.key, figure.seconds, figure.compute)

    def poll_status(self) -> dict:
        return self.cache.get(Poller.STATUS_KEY) or {}

    def source_statuses(self) -> list[dict]:
        """Each `[[sources]]` entry's follower as its process last published it (None: not started yet)."""
        return [{"source": s.name, "kind": s.kind, **(self.cache.get(SOURCE_STATUS_KEY + s.name) or {})}
                for s in self.config.sources]


def services() -> Services:
    return current_app.extensions[EXTENSION]
