"""Schema migrations on SQLite, PostgreSQL and MariaDB: a database made by release 0.1 is upgraded in place."""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import datetime

from sqlalchemy import MetaData, Table, func, inspect, select

from wallboard.data_access.engines import make_engine
from wallboard.data_access.migrate import VERSION_TABLE, current, head
from wallboard.data_access.schema import metadata

RELEASE_0_1 = importlib.import_module("wallboard.data_access.migrations.versions.0001_release_0_1").metadata
T = datetime(2026, 3, 2, 9, 0, 0, 123000)


def wallboard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wallboard.cli", *args], capture_output=True, text=True, timeout=120)


def drop_version_table(engine) -> None:
    Table(VERSION_TABLE, MetaData()).drop(engine, checkfirst=True)


def release_0_1_database(url: str) -> dict[str, int]:
    """What release 0.1's `init-db` made, with a row in every table; returns the row counts."""
    engine = make_engine(url)
    RELEASE_0_1.drop_all(engine)
    metadata.drop_all(engine)  # and the tables of later revisions (wallboard_identity)
    drop_version_table(engine)
    RELEASE_0_1.create_all(engine)
    t = RELEASE_0_1.tables
    with engine.begin() as conn:
        conn.execute(t["calls"].insert(), [{"call_id": "C1", "site": "BJ", "skill_group": "claims", "arrived_at": T,
                                            "queued_at": T, "agent_id": "BJ001", "transferred": 0,
                                            "direction": "inbound", "quality_flags": 0}])
        conn.execute(t["agent_states"].insert(), [{"agent_id": "BJ001", "started_at": T, "site": "BJ",
                                                   "state": "available"}])
        conn.execute(t["agents"].insert(), [{"agent_id": "BJ001", "agent_name": "李", "site": "BJ"}])
        conn.execute(t["surveys"].insert(), [{"survey_id": "S1", "site": "BJ", "submitted_at": T, "score": 5,
                                              "comment": "满意"}])
        conn.execute(t["complaints"].insert(), [{"complaint_id": "K1", "site": "BJ", "received_at": T}])
        conn.execute(t["import_runs"].insert(), [{"kind": "calls", "file": "a.csv", "finished_at": T, "imported": 1,
                                                  "updated": 0, "unchanged": 0, "rejected": 0, "flagged": 0}])
    counts = row_counts(engine)
    engine.dispose()
    return counts


def row_counts(engine) -> dict[str, int]:
    """Rows of release 0.1's tables (later revisions add tables of their own)."""
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar()
                for name, table in metadata.tables.items() if name in RELEASE_0_1.tables}


def test_mig001_release_0_1_database_upgrades_in_place(db_url):
    """`db upgrade` on release 0.1's tables: every row kept (the same values), the schema is this release's (every
    table, column and index), the version recorded; a second run changes nothing."""
    before = release_0_1_database(db_url)
    engine = make_engine(db_url)
    assert current(engine) is None
    done = wallboard("db", "upgrade", "--db", db_url)
    assert done.returncode == 0 and f"-> {head()}" in done.stdout, done.stderr
    assert current(engine) == head() and row_counts(engine) == before
    with engine.connect() as conn:
        row = conn.execute(select(metadata.tables["calls"]).where(metadata.tables["calls"].c.call_id == "C1")).one()
        assert row.queued_at == T and conn.execute(select(metadata.tables["surveys"].c.comment)).scalar() == "满意"
    found = inspect(engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}, table.name
        assert {i.name for i in table.indexes} <= {i["name"] for i in found.get_indexes(table.name)}, table.name
    with engine.connect() as conn:  # the database's identity: one token, kept by later upgrades
        token = conn.execute(select(metadata.tables["wallboard_identity"].c.token)).scalar_one()
    # right after the upgrade, history reads at full speed: its aggregates were built (in the app database)
    assert "history aggregates:" in done.stdout and "interval rows written" in done.stdout
    kpi = ("kpi", "--db", db_url, "--from", "2026-03-02", "--to", "2026-03-03", "--by", "hour", "--format", "csv")
    with_aggregates = wallboard(*kpi)
    assert with_aggregates.returncode == 0 and "2026-03-02T17" in with_aggregates.stdout
    again = wallboard("db", "upgrade", "--db", db_url)
    assert again.returncode == 0 and "already at schema" in again.stdout and row_counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(metadata.tables["wallboard_identity"].c.token)).scalar_one() == token
    assert wallboard("init-db", "--db", db_url).returncode == 0 and current(engine) == head()
    engine.dispose()


def test_mig002_an_empty_database_gets_every_table(db_url):
    engine = make_engine(db_url)
    metadata.drop_all(engine)
    drop_version_table(engine)
    assert wallboard("db", "upgrade", "--db", db_url).returncode == 0
    assert set(metadata.tables) <= set(inspect(engine).get_table_names()) and current(engine) == head()
    engine.dispose()


def test_mig003_a_bad_url_is_one_line_and_exit_2():
    done = wallboard("db", "upgrade", "--db", "nosuch://x")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
