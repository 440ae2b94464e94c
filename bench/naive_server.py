"""The baseline for bench/screens_bench.py: the wall served "the way Dash tutorials do it".

Same pages, but no poller and no shared snapshot: every callback reads today's calls and
the agent states with pandas.read_sql and computes the tiles in pandas.  Only for
measurement; never used by the product.

    .venv/bin/python -m bench.naive_server --db URL --port 8070
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import text

from wallboard.app import create_app
from wallboard.config import load_config
from wallboard.live.reader import SnapshotReader
from wallboard.live.services import Services


def naive_snapshot(self: Services) -> dict:
    now = datetime.now(UTC).replace(tzinfo=None)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=8)
    with self.sources.calls.connect() as conn:
        calls = pd.read_sql(text("SELECT * FROM calls WHERE queued_at >= :start"), conn, params={"start": start},
                            parse_dates=["queued_at", "answered_at", "ended_at"])
        states = pd.read_sql("SELECT agent_id, state, started_at FROM agent_states", conn)
    answered = calls[calls.answered_at.notna()]
    ended = calls[calls.ended_at.notna() | calls.answered_at.notna()]
    wait = (answered.answered_at - answered.queued_at).dt.total_seconds().clip(lower=0)
    abandoned = calls[calls.answered_at.isna() & calls.ended_at.notna()]
    waiting = calls[calls.answered_at.isna() & calls.ended_at.isna()]
    latest = states.sort_values("started_at").groupby("agent_id").tail(1).state.value_counts()
    offered = len(ended)
    tiles = {"service_level": (wait <= 20).sum() / offered if offered else None, "offered": offered,
             "calls_waiting": len(waiting), "longest_wait": 0.0, "asa": wait.mean() if len(wait) else None,
             "abandon_rate": len(abandoned) / offered if offered else None,
             "connection_rate": len(answered) / offered if offered else None,
             **{f"agents_{s}": int(latest.get(s, 0)) for s in ("available", "on_call", "wrap_up", "not_ready")},
             "agents_logged_in": int(latest.drop("logged_out", errors="ignore").sum()), "required_agents": 0,
             "csat": None, "complaints_due_soon": 0, "complaints_overdue": 0, "formula": "abandons_against"}
    return {"computed_at": datetime.now(UTC).isoformat(), "scopes": {"all": tiles}, "skill_groups": {},
            "sites": [], "complaints": [], "intervals": {}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8070)
    args = parser.parse_args()
    # every callback queries the database itself, instead of reading the poller's snapshot
    Services.reader = lambda self: SnapshotReader(self.cache, self.config.poll_seconds, naive_snapshot(self))
    config = load_config(None).with_sources(calls_db=args.db)
    app = create_app(config, start_poller=False)
    app.run(host="127.0.0.1", port=args.port, debug=False)


if __name__ == "__main__":
    main()
