"""Database load and callback latency against the number of screens (issue: one poll for any number of screens).

A real browser opens the wall once to capture the exact poll request it sends; then N
simulated screens replay that request every poll interval.  The server's statement
counter (/healthz) gives the database statements per minute; the replayed requests give
the callback latency.  The same screens are then run against a "naive" server in which
every callback reads today's calls with pandas.read_sql, as Dash tutorials do.

    .venv/bin/python bench/screens_bench.py --db postgresql+psycopg://postgres@127.0.0.1/wb_screens
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from support.servers import free_port, wait_http  # noqa: E402


def capture_poll_request(url: str, marker: str = "wall-poll-request", path: str = "/",
                         seconds: float = 30) -> dict | None:
    """The JSON body of the wall's callback whose request names `marker` (its poll by default), as Chromium sends
    it; None if the page sent none within `seconds`."""
    from playwright.sync_api import sync_playwright

    captured: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: captured.append(r.post_data) if "_dash-update-component" in r.url
                and marker in (r.post_data or "") else None)
        page.goto(url + path)
        deadline = time.monotonic() + seconds
        while not captured and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        browser.close()
    return json.loads(captured[0]) if captured else None


def health(url: str) -> dict:
    with urllib.request.urlopen(url + "/healthz", timeout=30) as r:
        return json.load(r)


def run_screens(url: str, body: dict, screens: int, seconds: float, every: float) -> list[float]:
    """N screens each sending the poll every `every` seconds (staggered); returns latencies in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    data = json.dumps(body).encode()

    def screen(i: int) -> None:
        time.sleep(every * i / screens)
        seq = 0
        while time.monotonic() < stop:
            started = time.monotonic()
            seq += 1
            for inp in body["inputs"]:
                if inp["id"] == "wall-poll-request":
                    inp["value"] = {**inp["value"], "seq": seq}
            req = urllib.request.Request(url + "/_dash-update-component", data=data,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    r.read()
                with lock:
                    latencies.append(1000 * (time.monotonic() - started))
            except OSError:
                pass
            time.sleep(max(0.0, every - (time.monotonic() - started)))

    threads = [threading.Thread(target=screen, args=(i,), daemon=True) for i in range(screens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else float("nan")


def start_server(db: str, port: int, naive: bool, poll: float) -> subprocess.Popen:
    env_cmd = [sys.executable, "-m", "bench.naive_server" if naive else "wallboard.cli"]
    args = ["--db", db, "--port", str(port)] if naive else ["serve", "--calls-db", db, "--port", str(port),
                                                              "--poll-seconds", str(poll)]
    return subprocess.Popen(env_cmd + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(db: str, naive: bool, screen_counts: list[int], seconds: float, poll: float) -> list[dict]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, naive, poll)
    try:
        wait_http(url + "/", 120, proc)
        body = capture_poll_request(url)
        if body is None:
            raise RuntimeError("no poll request seen")
        out = []
        for n in screen_counts:
            before, started = health(url), time.monotonic()
            latencies = run_screens(url, body, n, seconds, poll)
            after, elapsed = health(url), time.monotonic() - started
            # each /healthz runs one SELECT 1 per database engine (one engine here): 1 of the counted statements
            total = after["process_statements"] - before["process_statements"] - 1
            poller = (after["poller_statements_total"] or 0) - (before["poller_statements_total"] or 0)
            polls = (after["polls_total"] or 0) - (before["polls_total"] or 0)
            row = {"server": "naive" if naive else "wallboard", "screens": n, "seconds": round(elapsed, 1),
                   "requests": len(latencies), "statements_per_minute": round(total * 60 / elapsed, 1),
                   "poller_statements": poller, "polls": polls, "callback_statements": total - poller,
                   "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1)}
            print(json.dumps(row), flush=True)
            out.append(row)
        return out
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database with simulated data (wallboard simulate)")
    parser.add_argument("--screens", default="1,10,100")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--poll-seconds", type=float, default=5)
    parser.add_argument("--naive-screens", default="1,10,100")
    args = parser.parse_args()
    rows = []
    if args.screens:
        rows += measure(args.db, False, [int(x) for x in args.screens.split(",")], args.seconds, args.poll_seconds)
    if args.naive_screens:
        rows += measure(args.db, True, [int(x) for x in args.naive_screens.split(",")], args.seconds,
                        args.poll_seconds)
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
