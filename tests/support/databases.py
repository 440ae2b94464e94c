"""Database servers for tests: a fresh PostgreSQL or MariaDB database per use, dropped afterwards.

Outside CI an unreachable server skips its tests; with CI=true it fails them.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVERS = {
    "postgresql": os.environ.get("WALLBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mariadb": os.environ.get("WALLBOARD_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(backend: str, error: Exception) -> None:
    message = f"{backend} not reachable ({' '.join(str(error).split())[:160]})"
    if IN_CI:
        pytest.fail(f"{message}: database tests must run in CI")
    pytest.skip(message)


@contextlib.contextmanager
def server_database(backend: str) -> Iterator[str]:
    """A new empty database on the PostgreSQL or MariaDB server, dropped afterwards; yields its URL."""
    name = f"wb_test_{uuid.uuid4().hex[:10]}"
    server = make_url(SERVERS[backend])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}" + (" CHARACTER SET utf8mb4" if backend == "mariadb" else "")))
    except Exception as e:  # noqa: BLE001 - any connection failure means "not available"
        admin.dispose()
        unavailable(backend, e)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()
