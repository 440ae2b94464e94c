"""The app database under migrations (issue 15, item 5), on SQLite, PostgreSQL and MariaDB: release 0.1's app
database is upgraded in place keeping every row; the migrated schema is exactly the code's; workers starting
together on a new database all succeed."""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, func, select

from wallboard.alerts import store as alert_store
from wallboard.auth import accounts
from wallboard.data_access import intervals, leases
from wallboard.data_access.engines import make_engine
from wallboard.data_access.migrate import APP_VERSION_TABLE, current, ensure_app_schema, head

RELEASE_0_1 = importlib.import_module("wallboard.data_access.app_migrations.versions.a001_release_0_1").metadata
LATER = importlib.import_module("wallboard.data_access.app_migrations.versions.a002_leases_alerts_history").metadata
RUNTIME = (accounts.app_metadata, leases.metadata, alert_store.metadata, intervals.metadata)


def fresh(url: str):
    """`url` without any app table or app version (other tests of the session share the database)."""
    engine = make_engine(url)
    LATER.drop_all(engine)
    RELEASE_0_1.drop_all(engine)
    Table(APP_VERSION_TABLE, MetaData()).drop(engine, checkfirst=True)
    return engine


def ensure_in_new_process(url: str) -> subprocess.Popen:
    code = ("import sys; from wallboard.data_access.engines import make_engine; "
            "from wallboard.data_access.migrate import ensure_app_schema; ensure_app_schema(make_engine(sys.argv[1]))")
    return subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)


def test_mig010_release_0_1_app_database_upgrades_in_place(db_url):
    engine = fresh(db_url)
    RELEASE_0_1.create_all(engine)
    t = RELEASE_0_1.tables
    when = datetime(2026, 11, 30, 9, 0)
    with engine.begin() as conn:
        conn.execute(t["wallboard_users"].insert(), [{"name": "wang", "password_hash": "h", "role": "manager",
                                                      "sites": "BJ", "created_at": when}])
        conn.execute(t["wallboard_kiosks"].insert(), [{"name": "floor-1", "token_sha256": "0" * 64, "sites": "",
                                                       "pages": "/wall", "created_at": when}])
        conn.execute(t["wallboard_settings"].insert(), [{"name": "secret_key", "value": "kept"}])
    assert current(engine, APP_VERSION_TABLE) is None
    proc = ensure_in_new_process(db_url)  # what the first worker of the new release does on start
    assert proc.wait(120) == 0, proc.stderr.read()
    assert current(engine, APP_VERSION_TABLE) == head(APP_VERSION_TABLE) == "a003"
    with engine.connect() as conn:
        assert conn.execute(select(t["wallboard_users"].c.name, t["wallboard_users"].c.sites)).all() == [("wang", "BJ")]
        assert conn.execute(select(t["wallboard_kiosks"].c.pages)).scalar_one() == "/wall"
        assert conn.execute(select(t["wallboard_settings"].c.value)).scalar_one() == "kept"
        # the migrated schema is exactly what the code defines: no table, column, type, index or key differs
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        combined = MetaData()
        for metadata in RUNTIME:
            for table in metadata.tables.values():
                table.to_metadata(combined)
        diffs = [d for d in compare_metadata(context, combined)  # not the canonical tables (or their indexes)
                 if not (d[0] == "remove_table" and d[1].name not in combined.tables)
                 and not (d[0] == "remove_index" and d[1].table.name not in combined.tables)]
        assert diffs == [], diffs
    engine.dispose()


def test_mig011_workers_starting_together_on_a_new_app_database(db_url):
    """Three processes race to create the app tables: each succeeds, one version row, every table there."""
    engine = fresh(db_url)
    procs = [ensure_in_new_process(db_url) for _ in range(3)]
    for proc in procs:
        assert proc.wait(120) == 0, proc.stderr.read()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Table(APP_VERSION_TABLE, MetaData(),
                                                                     autoload_with=conn))).scalar() == 1
    assert current(engine, APP_VERSION_TABLE) == head(APP_VERSION_TABLE)
    ensure_app_schema(engine)  # and in this process: a no-op at head
    engine.dispose()
