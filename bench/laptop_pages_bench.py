"""The laptop pages at 3 and 600 sites (issue 16, item 5): time to render, page height, DOM nodes.

For each server (this code, and `--baseline-src`: a checkout of main served with its own code) and each simulated
centre (`--db3`/`--config3`, `--db600`/`--config600`), headless Chromium opens, as a manager would on a laptop
(1366×768 and 1920×1080), the site page of the first site, satisfaction by site, the weekly review and the
complaint board, and records:

* render: seconds from navigation until the page is quiet (no request for 500 ms, Playwright's "networkidle"),
  less those 500 ms — every callback of the first render answered and drawn;
* height: the document's scroll height in pixels and in screens of the viewport;
* DOM nodes (Chrome DevTools Protocol, after a forced garbage collection).

    PYTHONPATH=. .venv/bin/python -m bench.laptop_pages_bench --db3 sqlite:////tmp/n3/calls.db \\
        --config3 /tmp/n3/wallboard.toml --db600 sqlite:////tmp/n600/calls.db --config600 /tmp/n600/wallboard.toml \\
        --baseline-src /tmp/wb_main [--app-db600 sqlite:////tmp/n600/data/wallboard-app.db]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tomllib
from pathlib import Path

from bench.common import machine
from bench.data_age_bench import served

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SIZES = ((1366, 768), (1920, 1080))
QUIET_MS = 500  # what "networkidle" waits after the last request


def pages(config: str) -> list[str]:
    first = tomllib.loads(Path(config).read_text(encoding="utf-8"))["sites"][0]["id"]
    return [f"/site/{first}", "/satisfaction", "/weekly", "/complaints"]


def observe(url: str, paths: list[str], runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in SIZES:
            for path in paths:
                times, last = [], {}
                for _ in range(runs):
                    page = browser.new_page(viewport={"width": width, "height": height})
                    cdp = page.context.new_cdp_session(page)
                    cdp.send("Performance.enable")
                    started = time.monotonic()
                    page.goto(url + path + ("&" if "?" in path else "?") + "lang=en", wait_until="networkidle",
                              timeout=120_000)
                    times.append(time.monotonic() - started - QUIET_MS / 1000)
                    cdp.send("HeapProfiler.collectGarbage")
                    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                    scroll = page.evaluate("() => document.scrollingElement.scrollHeight")
                    last = {"dom_nodes": int(metrics["Nodes"]), "height_px": scroll,
                            "screens": round(scroll / height, 1)}
                    page.close()
                rows.append({"page": path.split("?")[0], "size": f"{width}x{height}",
                             "render_s": round(statistics.median(times), 2), "render_max_s": round(max(times), 2),
                             **last})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db3", required=True)
    parser.add_argument("--config3", required=True)
    parser.add_argument("--db600", required=True)
    parser.add_argument("--config600", required=True)
    parser.add_argument("--app-db600", help="the 600-site app database, its history aggregates built")
    parser.add_argument("--baseline-src", help="a checkout of main, measured the same way first")
    parser.add_argument("--runs", type=int, default=3, help="page loads per page and size (the median is kept)")
    parser.add_argument("--centres", default="3,600", help="which centres to measure (3, 600 or both)")
    args = parser.parse_args()
    out = []
    wanted = {int(n) for n in args.centres.split(",")}
    for sites, db, config, extra in ((3, args.db3, args.config3, []),
                                     (600, args.db600, args.config600,
                                      ["--app-db", args.app_db600] if args.app_db600 else [])):
        if sites not in wanted:
            continue
        for label, src in ((("main", args.baseline_src),) if args.baseline_src else ()) + (("this", None),):
            with served(src, db, config, extra) as url:
                time.sleep(20)  # a first poll, the history keeper and the warmer's first pass behind it
                for row in observe(url, pages(config), args.runs):
                    out.append({"sites": sites, "code": label, **row})
    print(json.dumps({"machine": machine(), "rows": out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
