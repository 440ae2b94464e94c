"""Soak the wall: headless Chromium through N updates at an accelerated poll interval.

Reports JS heap, DOM nodes and event listeners (Chrome DevTools Protocol, after a forced
garbage collection) and the server's resident memory at the start, every `--every`
updates, and at the end, so that growth shows as a trend rather than two points.

    .venv/bin/python bench/soak_wall.py --updates 10000 --poll-seconds 0.2 --every 2500 [--sites 600]
    .venv/bin/python bench/soak_wall.py --db sqlite:////tmp/n600/calls.db --config /tmp/n600/wallboard.toml \
        --poll-seconds 1.5 --live-seconds 0.25 --updates 10000 --every 1000
    (add --polls 10000 to go on until 10,000 full polls were answered as well)

An update is an answer to the wall's full poll or a message of its queue stream (both change what the page shows).
With `--db`/`--config` (a centre made by `wallboard simulate --write-config`), live traffic is simulated into that
database and `wallboard serve` shows it, with calls waiting re-read every `--live-seconds`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from support.servers import free_port, wait_http  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def metrics(cdp) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"js_heap_mib": round(values["JSHeapUsedSize"] / 2**20, 2), "dom_nodes": int(values["Nodes"]),
            "event_listeners": int(values["JSEventListeners"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--polls", type=int, default=0, help="also go on until this many full polls were answered")
    parser.add_argument("--poll-seconds", type=float, default=0.1)
    parser.add_argument("--path", default="/?kiosk=1")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--every", type=int, default=0, help="also sample every N updates (0: start and end only)")
    parser.add_argument("--sites", type=int, default=3, help="the simulated centre (600: the national hotline)")
    parser.add_argument("--history-days", type=float, default=8)
    parser.add_argument("--db", help="serve this simulated centre (with --config) instead of starting the demo")
    parser.add_argument("--config", help="its wallboard.toml")
    parser.add_argument("--live-seconds", type=float, default=1.0, help="with --db: general.live_seconds")
    parser.add_argument("--app-db", help="with --db: the app database (its history aggregates already built)")
    args = parser.parse_args()
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="soak-")
    helpers: list[subprocess.Popen] = []
    cli = [sys.executable, "-m", "wallboard.cli"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    if args.db:
        config = Path(data_dir) / "wallboard.toml"
        text = Path(args.config).read_text(encoding="utf-8")
        config.write_text(text.replace("[general]\n", f"[general]\nlive_seconds = {args.live_seconds}\n", 1),
                          encoding="utf-8")
        helpers.append(subprocess.Popen(cli + ["simulate", "--db", args.db, "--sites", str(args.sites), "--live",
                                               "--history-days", "0"], **quiet))
        server = subprocess.Popen(cli + ["serve", "--calls-db", args.db, "--config", str(config), "--port", str(port),
                                         "--poll-seconds", str(args.poll_seconds),
                                         *(["--app-db", args.app_db] if args.app_db else [])],
                                  env={**os.environ, "WALLBOARD_DATA_DIR": data_dir}, **quiet)
    else:
        server = subprocess.Popen(cli + ["demo", "--port", str(port), "--data-dir", data_dir, "--history-days",
                                         str(args.history_days), "--sites", str(args.sites), "--poll-seconds",
                                         str(args.poll_seconds)], **quiet)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", 600, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            updates = {"n": 0, "polls": 0}
            errors: list[str] = []
            stale_seen: list[int] = []

            def on_response(response) -> None:
                if "/_dash-update-component" in response.url and "poll-request" in (response.request.post_data or ""):
                    updates["polls"] += 1

            def count() -> int:
                """Poll answers and stream messages so far (the page counts the latter)."""
                updates["n"] = updates["polls"] + (page.evaluate("() => window.wallboardQueueMessages || 0") or 0)
                return updates["n"]
            page.on("response", on_response)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url + args.path)
            page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=300_000)  # history first
            while count() < 50:
                page.wait_for_timeout(200)
            start = {"updates": updates["n"], **metrics(cdp), "server_rss_mib": round(rss_mib(server.pid), 1)}
            samples = [start]
            began = time.monotonic()
            def more() -> bool:
                return count() < args.updates or updates["polls"] < args.polls
            while more():
                page.wait_for_timeout(1000)
                if args.every and updates["n"] >= samples[-1]["updates"] + args.every and more():
                    samples.append({"updates": updates["n"], "polls": updates["polls"], **metrics(cdp),
                                    "server_rss_mib": round(rss_mib(server.pid), 1),
                                    "seconds": round(time.monotonic() - began)})
                    print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
                state = page.get_attribute("[data-freshness]", "data-state")
                if state != "fresh":  # at accelerated polls a slow snapshot can age past 2 intervals
                    stale_seen.append(updates["n"])
            end = {"updates": count(), "polls": updates["polls"], **metrics(cdp),
                   "server_rss_mib": round(rss_mib(server.pid), 1)}
            result = {"poll_seconds": args.poll_seconds, "sites": args.sites, "path": args.path,
                      "seconds": round(time.monotonic() - began),
                      "start": start, "end": end, "samples_every": samples[1:], "console_errors": errors[:10],
                      "stale_samples": len(stale_seen), "samples": int(time.monotonic() - began)}
            browser.close()
    finally:
        for proc in (server, *helpers):
            proc.terminate()
            proc.wait(10)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
