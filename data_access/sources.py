"""Where the figures come from: the calls database, the tickets database and the config that reads them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine

from wallboard.config import Config
from wallboard.data_access.intervals import Intervals


@dataclass(frozen=True)
class Sources:
    """The two source databases (one engine may serve both roles) and the config of sites, groups and settings."""

    calls: Engine
    tickets: Engine
    config: Config
    intervals: Intervals | None = None  # the history aggregates of `calls` under `config`, when kept
    survey_intervals: Intervals | None = None  # ... and of the surveys of `tickets`
    state_intervals: Intervals | None = None  # ... and of the agent time in the state log of `calls`

    def with_history(self, app: Engine) -> Sources:
        """These sources with their history aggregates, kept in the app database `app` (data_access/intervals.py)."""
        return replace(self, intervals=Intervals.of(app, self.calls, self.config),
                       survey_intervals=Intervals.surveys_of(app, self.tickets, self.config),
                       state_intervals=Intervals.states_of(app, self.calls))

    @classmethod
    def single(cls, engine: Engine, config: Config | None = None) -> Sources:
        """One database in both roles (the demo, the tests, small centres)."""
        return cls(engine, engine, config or Config())
