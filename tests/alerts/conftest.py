"""The alert tables on each app-database backend (SQLite, PostgreSQL, MariaDB), empty for every test."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from wallboard.alerts import store
from wallboard.data_access.engines import make_engine


def _empty(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(store.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def app_db(db_url):
    engine = make_engine(db_url)
    store.init_alert_tables(engine)
    _empty(engine)
    yield engine
    _empty(engine)
    engine.dispose()
