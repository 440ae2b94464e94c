"""The alert tables on each app-database backend (SQLite, PostgreSQL, MariaDB), fresh for every test."""

from __future__ import annotations

import pytest

from wallboard.alerts import store
from wallboard.data_access.engines import make_engine


@pytest.fixture
def app_db(db_url):
    engine = make_engine(db_url)
    store.metadata.drop_all(engine)
    store.init_alert_tables(engine)
    yield engine
    store.metadata.drop_all(engine)
    engine.dispose()
