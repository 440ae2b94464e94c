"""Data age on the wall: from a call written to the calls database to the wall showing it (issue 16, item 4).

`wallboard serve` on a simulated centre (600 sites: `wallboard simulate --sites 600 --write-config F`); one headless
Chromium shows the all-sites wall (1920×1080, kiosk). Each trial reads the "Calls waiting" tile, writes one call that
starts waiting now at a random site, and times until the tile shows one more; then it ends the call and waits for
the tile to come back. The trials start at random moments, so every phase of the poll cycles is sampled.

The same trials run against `--baseline-src` (a checkout of main, served with its own code) in the same run:

    git worktree add /tmp/wb_main origin/main   # or any commit
    PYTHONPATH=. .venv/bin/python -m bench.data_age_bench --db sqlite:////tmp/n600/calls.db \\
        --config /tmp/n600/wallboard.toml --baseline-src /tmp/wb_main --trials 40
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update

from bench.common import machine
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the shared test helpers: support.*
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from support.servers import free_port, wait_http  # noqa: E402

TILE = '[data-kpi="calls_waiting"] [data-kpi-value]'


@contextmanager
def served(src: str | None, db: str, config: str, serve_args: list[str]) -> Iterator[str]:
    """`wallboard serve` of this code, or of the checkout `src`, in a scratch data directory: its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        env = package_path(src, folder)
        env["WALLBOARD_DATA_DIR"] = str(folder / "data")
        proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", db, "--config",
                                 config, "--port", str(port), *serve_args], env=env, cwd=folder,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", 180, proc)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(15)


def package_path(src: str | None, folder: Path) -> dict:
    """The environment that makes `python -m wallboard.cli` run the code in `src` (a checkout) instead of ours."""
    env = dict(os.environ)
    if src:
        link = folder / "pkg"
        link.mkdir(exist_ok=True)
        (link / "wallboard").unlink(missing_ok=True)
        (link / "wallboard").symlink_to(Path(src).resolve())
        env["PYTHONPATH"] = str(link)
    return env


def shown_count(page) -> int:
    return int(page.inner_text(TILE).replace(",", "").strip() or 0)


def trials(url: str, db: str, sites: list[str], n: int, label: str) -> list[float]:
    """Seconds from each call's commit to the wall showing it."""
    from playwright.sync_api import sync_playwright

    engine = make_engine(db)
    ages: list[float] = []
    rng = random.Random(7)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url + "/?kiosk=1&lang=en")
        page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=120_000)
        page.wait_for_timeout(3000)
        for i in range(n):
            time.sleep(rng.uniform(0.5, 3.0))
            before = shown_count(page)
            now = datetime.now(UTC).replace(tzinfo=None)
            call_id = f"AGE-{label}-{i}-{int(time.time())}"
            with engine.begin() as conn:
                conn.execute(insert(calls).values(call_id=call_id, site=rng.choice(sites), skill_group="booking",
                                                  direction="inbound", arrived_at=now, queued_at=now))
            written = time.monotonic()
            page.wait_for_function(f"""(n) => parseInt(document.querySelector('{TILE}').innerText
                                     .replace(/,/g, '')) >= n""", arg=before + 1, timeout=60_000, polling=20)
            ages.append(time.monotonic() - written)
            with engine.begin() as conn:
                conn.execute(update(calls).where(calls.c.call_id == call_id).values(ended_at=now))
            page.wait_for_function(f"""(n) => parseInt(document.querySelector('{TILE}').innerText
                                     .replace(/,/g, '')) <= n""", arg=before, timeout=60_000, polling=100)
            print(f"{label} trial {i + 1}: {ages[-1]:.2f} s", file=sys.stderr, flush=True)
        browser.close()
    engine.dispose()
    return ages


def run(label: str, src: str | None, db: str, config: str, serve_args: list[str], sites: list[str],
        n: int) -> dict:
    with served(src, db, config, serve_args) as url:
        ages = trials(url, db, sites, n, label)
    q = statistics.quantiles(ages, n=20, method="inclusive")
    return {"server": label, "serve_args": serve_args, "trials": len(ages), "p50_s": round(statistics.median(ages), 2),
            "p95_s": round(q[18], 2), "max_s": round(max(ages), 2), "min_s": round(min(ages), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--baseline-src", help="a checkout of the baseline (main), served with its own code")
    parser.add_argument("--baseline-args", default="", help="serve options of the baseline run")
    parser.add_argument("--args", default="", help="serve options of this code's run")
    args = parser.parse_args()
    import tomllib

    sites = [s["id"] for s in tomllib.loads(Path(args.config).read_text("utf-8")).get("sites", [])] or ["BJ"]
    rows = []
    if args.baseline_src:
        rows.append(run("baseline", args.baseline_src, args.db, args.config, args.baseline_args.split(), sites,
                        args.trials))
        print(json.dumps(rows[-1]), flush=True)
    rows.append(run("this", None, args.db, args.config, args.args.split(), sites, args.trials))
    print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"machine": machine(), "sites": len(sites), "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
