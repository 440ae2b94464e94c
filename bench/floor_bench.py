"""What the floor's tools (issue 20) cost a poll: the live snapshot with and without wall layouts, against main's.

Each variant runs in its own process on the same database: `compute_snapshot` with the poller's memo, one cold poll
then `--polls` steady ones (the median is what every poll costs), and the call-back worklist's two statements.

* baseline: `--baseline-src` (a checkout of main), the config without layouts;
* this code, the same config (the agents' current calls are now read too);
* this code with `--layouts N` layouts (one per site's biggest team, the first N sites): the layout scopes' sums.

    PYTHONPATH=. .venv/bin/python -m bench.floor_bench --db sqlite:////tmp/n600/calls.db \\
        --config /tmp/n600/wallboard.toml --baseline-src /tmp/wb_main --layouts 50
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine
from bench.data_age_bench import package_path

PROBE = r"""
import json, statistics, sys, time
from wallboard.config import load_config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.sources import Sources
from wallboard.live.snapshot import compute_snapshot
db, config_path, polls = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = load_config(config_path)
engine = make_engine(db)
sources = Sources.single(engine, config)
memo = {}
t0 = time.perf_counter(); compute_snapshot(sources, memo=memo); cold = time.perf_counter() - t0
steady = []
for _ in range(polls):
    t0 = time.perf_counter(); snap = compute_snapshot(sources, memo=memo); steady.append(time.perf_counter() - t0)
out = {"cold_s": round(cold, 3), "steady_median_s": round(statistics.median(steady), 3),
       "scopes": len(snap["scopes"])}
try:
    from wallboard.data_access.callbacks import callback_worklist
    from datetime import UTC, datetime
    times = []
    for _ in range(polls):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            worklist = callback_worklist(conn, config, datetime.now(UTC).replace(tzinfo=None))
            times.append(time.perf_counter() - t0)
    out["callbacks_median_s"] = round(statistics.median(times), 3)
    out["callbacks_rows"] = len(worklist.rows)
except ImportError:
    pass
print(json.dumps(out))
"""


def without_layouts(text: str) -> str:
    """The config with its [layouts.*] tables taken out (main does not know them)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.startswith("[layouts.")
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def with_team_layouts(text: str, n: int) -> str:
    """The config plus a layout for each of the first `n` sites' two first skill groups (a team's wall each)."""
    sites = re.findall(r'\[\[sites\]\]\nid = "([^"]+)"', text)[:n]
    groups = re.findall(r'\[\[skill_groups\]\]\nid = "([^"]+)"', text)[:2]
    extra = "".join(f'\n[layouts.team-{s.lower()}]\npanels = ["groups", "agents", "complaints"]\nsites = ["{s}"]\n'
                    f'skill_groups = [{", ".join(chr(34) + g + chr(34) for g in groups)}]\n' for s in sites)
    return without_layouts(text) + extra


def probe(src: str | None, db: str, config_text: str, polls: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "wallboard.toml"
        config.write_text(config_text, encoding="utf-8")
        env = package_path(src, folder)
        done = subprocess.run([sys.executable, "-c", PROBE, db, str(config), str(polls)], env=env, cwd=folder,
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--baseline-src", help="a checkout of main (its own code computes the baseline)")
    p.add_argument("--layouts", type=int, default=50)
    p.add_argument("--polls", type=int, default=7)
    args = p.parse_args(argv)
    text = Path(args.config).read_text(encoding="utf-8")
    runs = {}
    if args.baseline_src:
        runs["main, no layouts"] = probe(args.baseline_src, args.db, without_layouts(text), args.polls)
    runs["this, no layouts"] = probe(None, args.db, without_layouts(text), args.polls)
    runs[f"this, {args.layouts} layouts"] = probe(None, args.db, with_team_layouts(text, args.layouts), args.polls)
    print(json.dumps({"machine": machine(), "db": args.db, "runs": runs, "at": time.strftime("%F %T")}, indent=2))
    print("\n| run | cold poll (s) | steady poll, median (s) | scopes | call-backs list, median (s) |")
    print("|---|---|---|---|---|")
    for name, r in runs.items():
        print(f"| {name} | {r['cold_s']} | {r['steady_median_s']} | {r['scopes']} | "
              f"{r.get('callbacks_median_s', '—')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
