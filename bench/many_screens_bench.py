"""Many wall screens on several app processes sharing one Redis (issue 16, item 6).

Starts `--processes` gunicorn instances of one code (this checkout, or `--baseline-src`: a checkout of main) on
different ports, as separate hosts would be, all with one Redis (a scratch database number, flushed first), so that
one poller of them all reads the databases. A real browser opens the all-sites wall once to capture the exact poll
request it sends; then N simulated screens, spread evenly over the processes, each

* replay that request every `poll_seconds` (as the browser's poll gate does: the next one after the answer), and
* hold the wall's queue stream open (`/_wallboard/queues`, Server-Sent Events), where the code has one; the code of
  main asks calls waiting by a callback every `live_seconds` instead, which is replayed as such.

Reported per run: callback latency (p50/p95/max over every request), requests per second, the queue messages'
age on arrival (from the time the figures were read to the screen, p50/p95), database statements per minute
summed over the processes (their /healthz counters), CPU seconds per second of each process, and RSS.

    PYTHONPATH=. .venv/bin/python -m bench.many_screens_bench --db sqlite:////tmp/n600/calls.db \\
        --config /tmp/n600/wallboard.toml --app-db sqlite:////tmp/n600/data/wallboard-app.db \\
        --screens 1,1500 --seconds 120 [--baseline-src /tmp/wb_main]

Needs aiohttp (`pip install -e '.[bench]'`): 1,500 screens from one Python process take asyncio, not threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bench.common import machine
from bench.data_age_bench import package_path
from bench.screens_bench import capture_poll_request, health, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.servers import free_port, wait_http  # noqa: E402

QUEUE_STREAM = "/_wallboard/queues"


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def gunicorns(src: str | None, n: int, env_extra: dict, threads: int):
    """`n` gunicorn processes of the code in `src` (None: this checkout): their base URLs and pids."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**package_path(src, Path(tmp)), **env_extra, "WALLBOARD_DATA_DIR": str(Path(tmp) / "data")}
        procs, urls = [], []
        try:
            for _ in range(n):
                port = free_port()
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", str(threads),
                     "--keep-alive", "30", "--worker-connections", "4000", "-b", f"127.0.0.1:{port}",
                     "wallboard.wsgi:server"],
                    env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    preexec_fn=_raise_fd_limit))
                urls.append(f"http://127.0.0.1:{port}")
                wait_http(urls[-1] + "/healthz", 300, procs[-1])
            yield urls, [worker(p.pid) for p in procs]
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()


def worker(pid: int) -> int:
    """The one worker of a gunicorn master (where the app and its threads run)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_screens(urls: list[str], body: dict, queue_body: dict | None, screens: int, seconds: float,
                      poll: float, live: float, stream: bool, warmup: float = 0) -> dict:
    """N screens for `warmup` + `seconds`: every poll's latency (ms), queue messages' age on arrival (ms), both
    from the end of the warm-up (when every screen has connected and polled once)."""
    import aiohttp

    latencies: list[float] = []
    by_process: list[list[float]] = [[] for _ in urls]
    trace: list[tuple[float, float, int]] = []  # (epoch sent, ms, process)
    ages: list[float] = []
    failures = {"poll": 0, "stream": 0}
    streams_open = {"n": 0}
    measured_from = time.monotonic() + warmup
    stop = measured_from + seconds
    data = json.dumps(body).encode()
    queue_data = json.dumps(queue_body).encode() if queue_body else None
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)

    async def repeat(session, url: str, payload: bytes, every: float, offset: float, record: bool) -> None:
        mine = by_process[urls.index(url)]
        await asyncio.sleep(offset)
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                async with session.post(url + "/_dash-update-component", data=payload, headers=headers) as r:
                    await r.read()
                    ok = r.status in (200, 204)
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            if record and started >= measured_from:
                if ok:
                    latencies.append(1000 * (time.monotonic() - started))
                    mine.append(latencies[-1])
                    trace.append((time.time() - (time.monotonic() - started), latencies[-1], urls.index(url)))
                else:
                    failures["poll"] += 1
            # as the browser's gate: the next after `every` (±10%, assets/wallboard/live.js), once answered
            await asyncio.sleep(max(0.0, every * random.uniform(0.9, 1.1) - (time.monotonic() - started)))

    async def follow(session, url: str, offset: float) -> None:
        await asyncio.sleep(offset)
        try:
            async with session.get(url + QUEUE_STREAM + "?lang=en") as r:
                if r.status != 200:
                    failures["stream"] += 1
                    return
                streams_open["n"] += 1
                async for line in r.content:
                    if time.monotonic() >= stop:
                        break
                    if line.startswith(b"data:") and time.monotonic() >= measured_from:
                        at = json.loads(line[5:])["at"]
                        ages.append(1000 * (time.time() - datetime.fromisoformat(at).timestamp()))
        except (TimeoutError, aiohttp.ClientError):
            failures["stream"] += 1

    lags: list[float] = []

    async def loop_lag() -> None:
        """How late this generator's own timers fire (ms): its latencies are only as good as this."""
        while time.monotonic() < stop:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            if before >= measured_from:
                lags.append(1000 * (time.monotonic() - before - 0.01))

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.create_task(loop_lag())]
        for i in range(screens):  # screens come on over the warm-up, as a fleet's do (not all in one second)
            url = urls[i % len(urls)]
            offset = max(poll, warmup * 0.75) * i / screens
            tasks.append(asyncio.create_task(repeat(session, url, data, poll, offset, True)))
            if stream:
                tasks.append(asyncio.create_task(follow(session, url, offset)))
            elif queue_data:
                tasks.append(asyncio.create_task(repeat(session, url, queue_data, live, offset, True)))
        await asyncio.sleep(warmup + seconds)
        await asyncio.wait(tasks, timeout=30)
        for t in tasks:
            t.cancel()
    return {"latencies": latencies, "by_process": by_process, "trace": trace, "loop_lags": lags, "ages": ages,
            "failures": failures, "streams_open": streams_open["n"]}


def measure(label: str, src: str | None, args, screen_counts: list[int]) -> list[dict]:
    env = {"WALLBOARD_CALLS_DB": args.db, "WALLBOARD_CONFIG": args.config,
           "WALLBOARD_REDIS_URL": args.redis, "WALLBOARD_POLL_SECONDS": str(args.poll_seconds)}
    if args.app_db:
        env["WALLBOARD_APP_DB"] = args.app_db
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    rows = []
    threads = max(64, max(screen_counts) // args.processes + 64)
    with gunicorns(src, args.processes, env, threads) as (urls, pids):
        body = capture_poll_request(urls[0])
        if body is None:
            raise RuntimeError("no poll request seen")
        # main's wall asks calls waiting by a callback (`wall-queue-request`); this code's has a stream instead
        queue_body = capture_poll_request(urls[0], "wall-queue-request", "/?lang=en", seconds=8)
        stream = queue_body is None and _has_stream(urls[0])
        for value in body["inputs"]:
            if value["id"] == "wall-poll-request" and stream:
                value["value"] = {**value["value"], "feed": True}  # as a screen's, once its stream has spoken
        for n in screen_counts:
            before = [health(u) for u in urls]
            cpu0 = [cpu_seconds(p) for p in pids]
            started = time.monotonic()
            out = asyncio.run(run_screens(urls, body, queue_body, n, args.seconds, args.poll_seconds,
                                          args.live_seconds, stream, args.warmup))
            elapsed = time.monotonic() - started
            after = [health(u) for u in urls]
            cpu1 = [cpu_seconds(p) for p in pids]
            # each /healthz runs one SELECT 1 (one database): not a screen's
            statements = sum(a["process_statements"] - b["process_statements"] - 1
                             for a, b in zip(after, before, strict=True))
            poller = (after[0]["poller_statements_total"] or 0) - (before[0]["poller_statements_total"] or 0)
            lat, ages = out["latencies"], out["ages"]
            row = {"code": label, "screens": n, "processes": len(urls), "seconds": round(elapsed, 1),
                   "queue": "stream" if stream else ("callback" if queue_body else "none"),
                   "requests": len(lat), "requests_per_second": round(len(lat) / args.seconds, 1),
                   "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
                   "max_ms": round(max(lat), 1) if lat else None,
                   "p95_ms_by_process": [round(percentile(x, 95), 1) for x in out["by_process"]],
                   "failures": out["failures"],
                   "generator_lag_p95_ms": round(percentile(out["loop_lags"], 95), 1),
                   "generator_lag_max_ms": round(max(out["loop_lags"]), 1),
                   "streams_open": out["streams_open"], "queue_messages": len(ages),
                   "queue_age_p50_ms": round(percentile(ages, 50), 1) if ages else None,
                   "queue_age_p95_ms": round(percentile(ages, 95), 1) if ages else None,
                   "statements_per_minute": round(statements * 60 / elapsed, 1),
                   "poller_statements_per_minute": round(poller * 60 / elapsed, 1),
                   "other_statements_per_minute": round((statements - poller) * 60 / elapsed, 1),
                   "polls": (after[0].get("polls_total") or 0) - (before[0].get("polls_total") or 0),
                   "cpu_per_process": [round((c1 - c0) / elapsed, 2) for c0, c1 in zip(cpu0, cpu1, strict=True)],
                   "rss_mib": [round(rss_mib(p)) for p in pids]}
            print(json.dumps(row), flush=True)
            rows.append(row)
            time.sleep(5)
    return rows


def _has_stream(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url + QUEUE_STREAM + "?lang=en", timeout=5) as r:
            return r.status == 200
    except (urllib.error.URLError, TimeoutError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database with simulated data (wallboard simulate)")
    parser.add_argument("--config", required=True, help="its wallboard.toml (simulate --write-config)")
    parser.add_argument("--app-db", help="the app database (with its history aggregates)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9",
                        help="a scratch Redis database (flushed; not the tests' 7)")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--screens", default="1,1500")
    parser.add_argument("--seconds", type=float, default=120, help="measured, after the warm-up")
    parser.add_argument("--warmup", type=float, default=20, help="every screen connected and polling")
    parser.add_argument("--poll-seconds", type=float, default=5)
    parser.add_argument("--live-seconds", type=float, default=1, help="main's queue callback cadence")
    parser.add_argument("--baseline-src", help="a checkout of main, run the same way first")
    parser.add_argument("--out", help="also write the rows as JSON here")
    args = parser.parse_args()
    _raise_fd_limit()
    counts = [int(x) for x in args.screens.split(",")]
    rows = []
    if args.baseline_src:
        rows += measure("main", args.baseline_src, args, counts)
    rows += measure("this", None, args, counts)
    result = {"machine": machine(), "db": args.db, "rows": rows}
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
