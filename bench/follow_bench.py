"""Live sources (issue 17, item 8): how many queue_log events a second a follower keeps up with, and how long a row
written by Asterisk takes to reach the wall at 600 sites.

* `throughput`: on SQLite, PostgreSQL and MariaDB, 100,000 events of the emulated Asterisk (tests/support/asterisk.py)
  read by a follower from the file and from the realtime table (`Follower.catch_up`: batches of 5,000, each in one
  transaction with its position), against the one-shot import of the same file (`import_queue_log`) as the
  baseline; then a sustained run: the writer appends 2,000 events a second for `--seconds` while the follower
  runs, and the lag of each step (the newest line it wrote, from its write to its commit) is recorded.
* `wall`: `wallboard serve` on a simulated 600-site centre whose config follows Asterisk's realtime table (in the
  calls database); one headless Chromium shows the all-sites wall. Each trial writes one ENTERQUEUE to the table
  and times until the "Calls waiting" tile shows one more (then a CONNECT ends the wait); the baseline trials of
  the same run write the canonical call row directly (bench/data_age_bench.py's trial).

    PYTHONPATH=. .venv/bin/python -m bench.follow_bench throughput [--events 100000] [--seconds 30]
    PYTHONPATH=. .venv/bin/python -m bench.follow_bench wall --db sqlite:////tmp/n600/calls.db \\
        --config /tmp/n600/wallboard.toml --app-db sqlite:////tmp/n600/data/wallboard-app.db --trials 30
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import machine
from wallboard.config import parse_config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.ingest.follow import Follower
from wallboard.ingest.queue_log_import import import_queue_log
from wallboard.ingest.sources import reader_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.asterisk import Event, insert_rows, queue_log_table, scenario, write_file  # noqa: E402
from support.databases import server_database  # noqa: E402

TZ = "Asia/Shanghai"


def _config(source: str):
    import tomllib

    return parse_config(tomllib.loads(f'[general]\ntimezone = "{TZ}"\n[[sources]]\nkind = "asterisk-queue-log"\n'
                                      f'{source}\nsite = "SH"\n'))


def _fresh(url: str):
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return engine


def throughput(url: str, backend: str, n: int, seconds: float) -> list[dict]:
    events = scenario(calls=n * 10 // 22, agents=80, gap=0.4, seed=3)[:n]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "queue_log"
        write_file(path, events)
        cfg = _config(f'path = "{path}"')
        engine = _fresh(url)
        started = time.perf_counter()
        import_queue_log(str(path), engine, cfg, source=cfg.sources[0])
        out.append({"backend": backend, "what": "one-shot import (baseline)", "events": len(events),
                    "events_per_s": round(len(events) / (time.perf_counter() - started))})
        for what in ("file", "table"):
            engine = _fresh(url)
            if what == "table":
                table = queue_log_table()
                table.drop(engine, checkfirst=True)
                table.create(engine)
                insert_rows(engine, table, events, timezone=TZ)
                cfg = _config(f'url = "{url}"')
            else:
                cfg = _config(f'path = "{path}"')
            source = cfg.sources[0]
            follower = Follower(source, reader_for(source, cfg), engine)
            started = time.perf_counter()
            follower.catch_up()
            out.append({"backend": backend, "what": f"follow {what}, catching up", "events": follower.status.events,
                        "events_per_s": round(follower.status.events / (time.perf_counter() - started))})
            print(json.dumps(out[-1]), file=sys.stderr, flush=True)
        out.append(sustained(url, backend, seconds))
        print(json.dumps(out[-1]), file=sys.stderr, flush=True)
    return out


def sustained(url: str, backend: str, seconds: float, rate: int = 2000) -> dict:
    """The writer appends `rate` events a second (in 20 ms slices); lag = a step's newest line, written → committed."""
    events = scenario(calls=int(rate * seconds * 10 // 22) + 100, agents=80, gap=0.4, seed=9)
    engine = _fresh(url)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "queue_log"
        path.write_text("")
        cfg = _config(f'path = "{path}"')
        source = cfg.sources[0]
        follower = Follower(source, reader_for(source, cfg), engine)
        written_at: list[tuple[int, float]] = []  # (lines written so far, when)
        lags: list[float] = []
        done = threading.Event()

        def asterisk() -> None:
            per_slice, i, t0 = max(1, rate // 50), 0, time.monotonic()
            while i < len(events) and time.monotonic() - t0 < seconds:
                write_file(path, events[i:i + per_slice])
                i += per_slice
                written_at.append((i, time.monotonic()))
                time.sleep(max(0.0, t0 + len(written_at) / 50 - time.monotonic()))
            done.set()

        def on_step(f, batch) -> None:
            line = batch.position["line"] if batch.position else 0
            when = next((t for n, t in written_at if n >= line), None)
            if batch.events and when is not None:
                lags.append(time.monotonic() - when)

        stop = threading.Event()
        runner = threading.Thread(target=follower.run, args=(stop, 0.05, on_step))
        writer = threading.Thread(target=asterisk)
        runner.start()
        writer.start()
        writer.join()
        deadline = time.monotonic() + 60
        while follower.status.events < written_at[-1][0] and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        runner.join()
    q = statistics.quantiles(lags, n=20, method="inclusive")
    return {"backend": backend, "what": f"follow file, {rate:,} events/s written for {seconds:.0f} s",
            "events": follower.status.events, "written": written_at[-1][0], "lag_p50_s": round(q[9], 3),
            "lag_p95_s": round(q[18], 3), "lag_max_s": round(max(lags), 3)}


def wall(db: str, config_path: str, n: int, app_db: str | None = None) -> dict:
    """Seconds from an ENTERQUEUE in the realtime table to the wall, against a canonical row written directly."""
    import tomllib

    from playwright.sync_api import sync_playwright
    from sqlalchemy import insert, update
    from support.browser import CHROMIUM, CHROMIUM_ARGS

    from bench.data_age_bench import TILE, served, shown_count
    from wallboard.data_access.schema import calls

    text = Path(config_path).read_text(encoding="utf-8")
    sites = [s["id"] for s in tomllib.loads(text).get("sites", [])]
    engine = make_engine(db)
    table = queue_log_table()
    table.drop(engine, checkfirst=True)
    table.create(engine)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        followed = Path(tmp) / "wallboard.toml"
        followed.write_text(text + f'\n[[sources]]\nkind = "asterisk-queue-log"\nurl = "{db}"\nsite = "{sites[0]}"\n',
                            encoding="utf-8")
        with served(None, db, str(followed), ["--app-db", app_db] if app_db else []) as url, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(url + "/?kiosk=1&lang=en")
            page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=180_000)
            page.wait_for_timeout(3000)
            rng = random.Random(5)
            for mode in ("canonical row (baseline)", "queue_log table, followed"):
                ages = []
                for i in range(n):
                    time.sleep(rng.uniform(0.5, 3.0))
                    before = shown_count(page)
                    now = int(time.time())
                    callid = f"{now}.{i}{mode[0]}"
                    if mode.startswith("canonical"):
                        from datetime import UTC, datetime

                        at = datetime.now(UTC).replace(tzinfo=None)
                        with engine.begin() as conn:
                            conn.execute(insert(calls).values(call_id=callid, site=sites[0], skill_group="booking",
                                                              direction="inbound", arrived_at=at, queued_at=at))
                    else:
                        insert_rows(engine, table, [Event(now, callid, "booking", "NONE", "ENTERQUEUE",
                                                          ("", "138", "1"))], timezone=TZ)
                    written = time.monotonic()
                    page.wait_for_function(f"""(n) => parseInt(document.querySelector('{TILE}').innerText
                                             .replace(/,/g, '')) >= n""", arg=before + 1, timeout=60_000, polling=20)
                    ages.append(time.monotonic() - written)
                    if mode.startswith("canonical"):
                        with engine.begin() as conn:
                            conn.execute(update(calls).where(calls.c.call_id == callid).values(ended_at=at))
                    else:
                        insert_rows(engine, table, [Event(now, callid, "booking", "NONE", "ABANDON",
                                                          ("1", "1", "0"))], timezone=TZ)
                    page.wait_for_function(f"""(n) => parseInt(document.querySelector('{TILE}').innerText
                                             .replace(/,/g, '')) <= n""", arg=before, timeout=60_000, polling=100)
                    print(f"{mode} trial {i + 1}: {ages[-1]:.2f} s", file=sys.stderr, flush=True)
                q = statistics.quantiles(ages, n=20, method="inclusive")
                results[mode] = {"trials": n, "p50_s": round(statistics.median(ages), 2), "p95_s": round(q[18], 2),
                                 "max_s": round(max(ages), 2)}
            browser.close()
    table.drop(engine)
    return {"sites": len(sites), "results": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("throughput", "wall"))
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--db")
    parser.add_argument("--config")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--app-db", help="wall: the centre's app database (its history aggregates built)")
    parser.add_argument("--backends", default="sqlite,postgresql,mariadb")
    args = parser.parse_args()
    if args.what == "wall":
        print(json.dumps({"machine": machine(), **wall(args.db, args.config, args.trials, args.app_db)}, indent=1))
        return 0
    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                rows += throughput(f"sqlite:///{tmp}/bench.db", backend, args.events, args.seconds)
        else:
            with server_database(backend) as url:
                rows += throughput(url, backend, args.events, args.seconds)
    print(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("WALLBOARD_DATA_DIR", tempfile.mkdtemp(prefix="follow-bench-"))
    sys.exit(main())
