"""Schema migrations (Alembic) of both databases the app writes its tables into.

* The canonical tables (calls, agent states, surveys, complaints…): `wallboard db upgrade` and `init-db`
  run data_access/migrations/, recorded in VERSION_TABLE. Explicit: a production calls database is upgraded by
  its owner, never by a web worker starting.
* The app's own tables (users, kiosks, sessions, leases, alerts, history aggregates): data_access/app_migrations/,
  recorded in APP_VERSION_TABLE, brought to head by whatever first opens the app database (`ensure_app_schema`):
  the app owns that database.

Every change to either from release 0.1 on is a revision. An upgrade runs each missing revision in order inside
one transaction where the backend allows it (PostgreSQL; MariaDB commits DDL as it goes, so each revision is
written to be re-runnable), keeping every row.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

VERSION_TABLE = "wallboard_schema_version"
APP_VERSION_TABLE = "wallboard_app_schema_version"
SCRIPTS = Path(__file__).resolve().parent / "migrations"
APP_SCRIPTS = Path(__file__).resolve().parent / "app_migrations"
_PLACES = {VERSION_TABLE: SCRIPTS, APP_VERSION_TABLE: APP_SCRIPTS}
_AT_HEAD: set[str] = set()  # app databases this process already brought to head
_LOCK = threading.Lock()


def _config(version_table: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(_PLACES[version_table]))
    config.attributes["version_table"] = version_table
    return config


def head(version_table: str = VERSION_TABLE) -> str:
    """The newest revision: what this release's code reads and writes."""
    return ScriptDirectory.from_config(_config(version_table)).get_current_head()


def current(engine: Engine, version_table: str = VERSION_TABLE) -> str | None:
    """The revision a database is at (None: made before migrations, by release 0.1, or empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": version_table}).get_current_revision()


def upgrade(engine: Engine, version_table: str = VERSION_TABLE) -> tuple[str | None, str]:
    """Bring a database to `head()` in place; returns (revision before, revision after)."""
    before = current(engine, version_table)
    config = _config(version_table)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return before, current(engine, version_table)


def ensure_app_schema(engine: Engine, tries: int = 5) -> None:
    """The app's tables at head, once per process and database. Several workers starting together on a new
    database race: the loser's CREATE or version write fails, and it looks again (by then at head)."""
    key = engine.url.render_as_string(hide_password=False)
    if key in _AT_HEAD:
        return
    with _LOCK:
        for attempt in range(tries):
            try:
                if current(engine, APP_VERSION_TABLE) != head(APP_VERSION_TABLE):
                    upgrade(engine, APP_VERSION_TABLE)
                break
            except (SQLAlchemyError, CommandError):  # CommandError: another worker moved the version row first
                if attempt == tries - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        _AT_HEAD.add(key)
