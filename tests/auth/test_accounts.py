"""The app database's accounts store: what several workers starting at once need of it."""

from __future__ import annotations

import threading

from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine


def test_acs001_workers_starting_together_on_a_new_app_database_agree_on_one_key(tmp_path):
    """`gunicorn -w 4` on a fresh install: every worker creates the tables and reads the signing key at once;
    none may fail and all must sign with the same key (a worker that lost the race used to exit with code 3)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    start, keys, errors = threading.Barrier(6), [], []

    def worker() -> None:
        start.wait()
        try:
            accounts.init_app_db(engine)
            keys.append(accounts.secret_key(engine))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(keys) == 6 and len(set(keys)) == 1
