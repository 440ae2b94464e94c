"""The wall in a browser at 3 and 600 sites (issue 16, item 3): first tiles, poll answers, DOM nodes, JS heap.

For each server (this code, and `--baseline-src`: a checkout of main served with its own code) and each database
(`--db3`, `--db600`: `wallboard simulate` with 3 and 600 sites, their configs beside), headless Chromium opens the
all-sites wall in kiosk mode at 1920×1080 and 3840×2160 and records:

* first tiles: seconds from navigation to the service-level tile holding a value;
* every answer to the wall's callbacks for `--seconds` (the full poll and, where there is one, the queue refresh):
  how many, their mean and largest size in bytes;
* DOM nodes and JS heap at the end (after a forced garbage collection, Chrome DevTools Protocol).

    PYTHONPATH=. .venv/bin/python -m bench.wall_scale_bench --db3 sqlite:////tmp/n3/calls.db \\
        --config3 /tmp/n3/wallboard.toml --db600 sqlite:////tmp/n600/calls.db --config600 /tmp/n600/wallboard.toml \\
        --baseline-src /tmp/wb_main --seconds 60
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bench.common import machine
from bench.data_age_bench import served

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

VALUE = '[data-kpi="service_level"] [data-kpi-value]'


def observe(url: str, width: int, height: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    answers: dict[str, list[int]] = {"poll": [], "queue": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")

        def on_response(response) -> None:
            body = response.request.post_data or ""
            if "/_dash-update-component" not in response.url:
                return
            kind = "queue" if "wall-queue-request" in body else "poll" if "wall-poll-request" in body else None
            if kind:
                try:
                    answers[kind].append(len(response.body()))
                except Exception:  # the page went away
                    pass
        page.on("response", on_response)
        started = time.monotonic()
        page.goto(url + "/?kiosk=1&lang=en", timeout=120_000)
        page.wait_for_function(f"() => {{ const v = document.querySelector('{VALUE}');"
                               " return v && v.innerText.trim() && v.innerText.trim() !== '—'; }", timeout=120_000)
        first = time.monotonic() - started
        page.wait_for_timeout(seconds * 1000)
        cdp.send("HeapProfiler.collectGarbage")
        values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        browser.close()

    def sizes(kind: str) -> dict:
        xs = answers[kind]
        return {"answers": len(xs), "mean_bytes": round(statistics.mean(xs)) if xs else None,
                "max_bytes": max(xs) if xs else None}
    return {"viewport": f"{width}x{height}", "first_tiles_s": round(first, 2), "poll": sizes("poll"),
            "queue": sizes("queue"), "dom_nodes": int(values["Nodes"]),
            "js_heap_mib": round(values["JSHeapUsedSize"] / 2**20, 1)}


def run(label: str, src: str | None, db: str, config: str, sites: int, seconds: float) -> list[dict]:
    app_db = Path(db.removeprefix("sqlite:///")).parent / "data" / "wallboard-app.db"
    args = ["--app-db", f"sqlite:///{app_db}"] if app_db.exists() else []
    with served(src, db, config, args) as url:
        time.sleep(5)
        rows = []
        for width, height in ((1920, 1080), (3840, 2160)):
            rows.append({"server": label, "sites": sites, **observe(url, width, height, seconds)})
            print(json.dumps(rows[-1]), flush=True)
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db3", required=True)
    parser.add_argument("--config3", required=True)
    parser.add_argument("--db600", required=True)
    parser.add_argument("--config600", required=True)
    parser.add_argument("--baseline-src")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    rows = []
    for sites, db, config in ((3, args.db3, args.config3), (600, args.db600, args.config600)):
        if args.baseline_src:
            rows += run("baseline", args.baseline_src, db, config, sites, args.seconds)
        rows += run("this", None, db, config, sites, args.seconds)
    print(json.dumps({"machine": machine(), "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
