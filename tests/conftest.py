"""Shared fixtures: every database-touching test runs on SQLite, PostgreSQL and MariaDB.

Each backend gets a fresh database for the session (created and dropped here); the
server URLs come from WALLBOARD_TEST_POSTGRES / WALLBOARD_TEST_MARIADB.  Outside CI an
unreachable server skips its tests; with CI=true it fails them, so nothing is skipped
silently where it matters.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support.databases import server_database

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata


@pytest.fixture(scope="session", autouse=True)
def _own_data_dir(tmp_path_factory) -> Iterator[None]:
    """The app's own database (logins) in a folder of the test session, never ./data of whoever runs the tests
    (servers started by the tests inherit it: they run open unless a test adds accounts)."""
    before = os.environ.get("WALLBOARD_DATA_DIR")
    os.environ["WALLBOARD_DATA_DIR"] = str(tmp_path_factory.mktemp("app-data"))
    yield
    if before is None:
        os.environ.pop("WALLBOARD_DATA_DIR", None)
    else:
        os.environ["WALLBOARD_DATA_DIR"] = before


@pytest.fixture(scope="session", params=["sqlite", "postgresql", "mariadb"])
def db_url(request, tmp_path_factory):
    """A URL of an empty database of each backend, dropped at the end of the session."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with server_database(request.param) as url:
        yield url


@pytest.fixture(scope="module")
def pg_url():
    """A PostgreSQL database for tests of production serving (the backend they are documented for)."""
    with server_database("postgresql") as url:
        yield url


@pytest.fixture
def engine(db_url):
    """An engine on freshly created canonical tables."""
    eng = make_engine(db_url)
    metadata.drop_all(eng)
    metadata.create_all(eng)
    yield eng
    eng.dispose()
