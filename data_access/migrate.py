"""Schema migrations of the canonical tables (Alembic): `wallboard db upgrade` and `init-db`.

Every change to the canonical tables after release 0.1 is a revision in
data_access/migrations/versions/; the database records the revision it is at in
VERSION_TABLE. An upgrade runs each missing revision in order inside one transaction
where the backend allows it (PostgreSQL; MariaDB commits DDL as it goes, so each revision
is written to be re-runnable), keeping every row.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

VERSION_TABLE = "wallboard_schema_version"
SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def head() -> str:
    """The newest revision: what this release's code reads and writes."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision a database is at (None: made before migrations, by release 0.1, or empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring a database to `head()` in place; returns (revision before, revision after)."""
    before = current(engine)
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return before, current(engine)
