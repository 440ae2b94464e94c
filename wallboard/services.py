"""What callbacks need at run time (config, engines, snapshot cache), held by the Flask app.

Callbacks find it through `services()` (the current Flask app's extension), so page
modules stay importable and testable without a running server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Engine

from wallboard.config import Config
from wallboard.data_access.snapshot import Poller

EXTENSION = "wallboard"


@dataclass
class Services:
    config: Config
    calls_engine: Engine
    tickets_engine: Engine
    cache: Any
    poller: Poller | None
    demo: bool = False

    def snapshot(self) -> dict | None:
        """The last good live snapshot (None before the first successful poll)."""
        return self.cache.get(Poller.KEY)

    def known_sites(self) -> set[str]:
        """Sites a URL may name: the configured ones and those the data has shown."""
        return {s.id for s in self.config.sites} | set((self.snapshot() or {}).get("sites", []))

    def snapshot_part(self, name: str, default: Any = None) -> Any:
        """A part of the last snapshot kept apart from the wall's ("agents", "waiting", "group_scopes")."""
        value = self.cache.get(f"{Poller.KEY}:{name}")
        return default if value is None else value

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


THEME_COOKIE = "wallboard-theme"
WALL_PATHS = ("/", "/complaints")  # wall screens: always dark (a TV across the room)


def request_theme(pathname: str | None = None) -> str:
    """"dark" or "light": wall screens are dark; laptop pages follow the toggle's cookie, light by default."""
    from flask import has_request_context, request

    if pathname in WALL_PATHS:
        return "dark"
    chosen = request.cookies.get(THEME_COOKIE) if has_request_context() else None
    return "dark" if chosen == "dark" else "light"
