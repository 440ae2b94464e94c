"""A real `wallboard serve` per app-database backend (SQLite, PostgreSQL, MariaDB), with the accounts an attacker
meets: an admin, a Beijing manager, a one-site kiosk, an all-sites kiosk and a kiosk given only /site/BJ."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.attack import Target, add_accounts, app_database
from support.servers import serve

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill, demo_config_toml


@pytest.fixture(scope="session")
def calls_template(tmp_path_factory) -> Path:
    """A day of the simulated three-site centre (BJ, SH, CD), made once and copied for each server."""
    path = tmp_path_factory.mktemp("calls") / "calls.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=3)
    engine.dispose()
    return path


# an alert worker runs (its lists feed /alerts); the rule never fires during a test
ALERTS = '\n[alerts.channels]\nops = ["json://127.0.0.1:9/hook"]\n[[alerts.rules]]\ntile = "stale"\n' \
         'for_seconds = 86400\nchannels = ["ops"]\n'

# BJ alone in the north, SH and CD in the south: a region's figures are its sites' together
REGIONS = '\n[[regions]]\nid = "north"\nname = "北区"\n[[regions]]\nid = "south"\nname = "南区"\n'


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def target(request, calls_template, tmp_path_factory) -> Target:
    backend = request.param
    folder = tmp_path_factory.mktemp(f"attack-{backend}")
    calls = folder / "calls.db"
    shutil.copy(calls_template, calls)
    # calls waiting re-read twice a poll (serve polls every second here): the walls' queue stream is on
    (folder / "wallboard.toml").write_text(demo_config_toml().replace("poll_seconds = 5\n",
                                                                      "poll_seconds = 5\nlive_seconds = 0.5\n")
                                           .replace('id = "BJ"\n', 'id = "BJ"\nregion = "north"\n')
                                           .replace('id = "SH"\n', 'id = "SH"\nregion = "south"\n')
                                           .replace('id = "CD"\n', 'id = "CD"\nregion = "south"\n')
                                           + ALERTS + REGIONS, encoding="utf-8")
    with app_database(backend, folder) as app_url:
        tokens = add_accounts(app_url)
        args = ["--calls-db", f"sqlite:///{calls}", "--app-db", app_url, "--config", str(folder / "wallboard.toml")]
        with serve(args, folder) as (base, log):
            t = Target(base, backend, app_url, f"sqlite:///{calls}", folder, log, tokens)
            t.deps = t.session("boss").get(base + "/_dash-dependencies", timeout=30).json()
            yield t
