"""Live sources under faults (issue 17 item 7): `wallboard follow` killed with SIGKILL at random moments while an
emulated Asterisk appends 100,000 events (and rotates its log once), then caught up: the canonical rows equal a
one-shot import of the same events, on SQLite, PostgreSQL and MariaDB. And the source database cut and restored
while a follower reads it: the error is shown, the follower goes on where it stopped."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

from sqlalchemy import create_engine, func, select
from support.asterisk import insert_rows, queue_log_table, scenario, write_file

from wallboard.data_access.schema import source_positions
from wallboard.ingest.follow import Follower

sys.path.insert(0, os.path.dirname(__file__))
from support.canonical import canonical, clear  # noqa: E402
from test_follow import TZ, config, follower, imported  # noqa: E402


def test_fol010_sigkill_at_random_moments_during_a_100000_event_replay(engine, db_url, tmp_path):
    events = scenario(calls=46_000, agents=60, gap=0.5, seed=11, restart_after=30_000)
    assert len(events) >= 100_000
    path = tmp_path / "queue_log"
    config_file = tmp_path / "wallboard.toml"
    config_file.write_text(f'[general]\ntimezone = "{TZ}"\n[[sites]]\nid = "BJ"\n[[sites]]\nid = "SH"\n'
                           '[[skill_groups]]\nid = "claims"\nsite = "BJ"\n'
                           f'[[sources]]\nkind = "asterisk-queue-log"\npath = "{path}"\nsite = "SH"\n'
                           'queue_groups = { "400-claims" = "claims" }\n', encoding="utf-8")
    clear(engine)
    written = threading.Event()

    def asterisk() -> None:  # ~10 s of appends, flushed line by line, the log rotated once on the way
        for i in range(0, len(events), 500):
            if i == 60_000:  # (once a follower has started: the file rotated before its first start is history)
                while not _started(engine):
                    time.sleep(0.1)
                os.rename(path, tmp_path / "queue_log.1")
            write_file(path, events[i:i + 500], partial_last=False)
            time.sleep(0.05)
        written.set()

    rnd = random.Random(5)
    env = {**os.environ, "WALLBOARD_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "wallboard.cli", "follow", "--config", str(config_file), "--db", db_url,
               "--every", "0.05", "--checkpoint-seconds", "0.3", "--batch-events", "1000",
               "--lease-seconds", "0.6"]
    writer = threading.Thread(target=asterisk)
    writer.start()
    kills = 0
    while not written.is_set() or kills < 6:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.4, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    writer.join()
    done = subprocess.run(command + ["--once"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    live = canonical(engine)
    whole = tmp_path / "whole"
    write_file(whole, events)
    cfg = config(f'[[sources]]\nkind = "asterisk-queue-log"\npath = "{path}"\nsite = "SH"\n'
                 'queue_groups = { "400-claims" = "claims" }\n')
    assert kills >= 6 and len(live["calls"]) == 46_000
    assert live == imported(engine, cfg, whole)


def test_fol011_source_database_cut_and_restored(engine, db_url, tmp_path, monkeypatch):
    """The realtime table's database goes away mid-replay (every read fails) and comes back: the status says what
    failed, nothing is written meanwhile, and the follower resumes with the same rows as an uncut run."""
    table = queue_log_table()
    table.drop(engine, checkfirst=True)
    table.create(engine)
    cfg = config(f'[[sources]]\nkind = "asterisk-queue-log"\nurl = "{db_url}"\nsite = "SH"\n')
    events = scenario(calls=120, seed=13)
    try:
        f: Follower = follower(engine, cfg, batch_events=50)
        insert_rows(engine, table, events[:150], timezone=TZ)
        f.step()
        reader = f.reader
        real = reader.engine
        reader.engine = create_engine(_unreachable(db_url))  # the cut
        insert_rows(engine, table, events[150:300], timezone=TZ)
        stop = threading.Event()
        runner = threading.Thread(target=f.run, args=(stop, 0.05))
        runner.start()
        deadline = time.monotonic() + 30
        while f.status.last_error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f.status.last_error, "a failed read shows on the status"
        reader.engine = real  # restored
        insert_rows(engine, table, events[300:], timezone=TZ)
        deadline = time.monotonic() + 60
        while (f.status.events < len(events) or f.status.last_error) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        runner.join(30)
        assert f.status.events == len(events) and f.status.last_error is None
        live = canonical(engine)
        whole = tmp_path / "whole"
        write_file(whole, events)
        file_cfg = config(f'[[sources]]\nkind = "asterisk-queue-log"\npath = "{whole}"\nsite = "SH"\n')
        assert live == imported(engine, file_cfg, whole)
    finally:
        table.drop(engine)


def _started(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(source_positions)).scalar() > 0


def _unreachable(url: str) -> str:
    """The same database behind a port nothing listens on (SQLite: a directory that does not exist)."""
    if url.startswith("sqlite"):
        return "sqlite:////nonexistent-dir/cut.db"
    from sqlalchemy.engine import make_url

    return make_url(url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
