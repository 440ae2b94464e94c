"""What callbacks need at run time (config, engines, snapshot cache), held by the Flask app.

Callbacks find it through `services()` (the current Flask app's extension), so page
modules stay importable and testable without a running server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app, g, has_request_context
from sqlalchemy import Engine

from wallboard.config import Config
from wallboard.data_access.sources import Sources
from wallboard.live.poller import Poller
from wallboard.live.reader import SnapshotReader

EXTENSION = "wallboard"


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

    def known_sites(self) -> set[str]:
        """Sites a URL may name: the configured ones and those the data has shown."""
        return {s.id for s in self.config.sites} | set(self.reader().sites())

    def known_skill_groups(self) -> set[str]:
        """Skill groups a URL may name: the configured ones and those the data has shown."""
        return {g.id for g in self.config.skill_groups} | self.reader().skill_groups()

    def cached(self, key: str, seconds: int, compute: Callable[[], Any]) -> Any:
        """A slower-moving figure (history, 4-week rates) computed at most once per `seconds` per key."""
        value = self.cache.get(f"wallboard:cached:{key}")
        if value is None:
            value = compute()
            self.cache.set(f"wallboard:cached:{key}", value, timeout=seconds)
        return value

    def poll_status(self) -> dict:
        return self.cache.get(Poller.STATUS_KEY) or {}


def services() -> Services:
    return current_app.extensions[EXTENSION]
