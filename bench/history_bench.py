"""History at any scale (issue 15): the 15-minute aggregates against the raw-row path, in one run.

Loads N days of the 600-site synthetic centre (~100,000 calls a day, `bench.synthetic`) into a scratch database,
builds the aggregates (timed: the first build, what `wallboard db upgrade` does), and times as the median of
`--runs` runs after a warm-up, raw rows (the baseline) then aggregates, with the 600-site config:

* a month by day (`kpi_report(by="day")`, the last 30 days), a week by hour, the whole data set by day
  (`--days 365`: the year; by week is the same work grouped coarser, and `kpi` has no `--by week`);
* the weekly review of the last full week (`weekly_review`, the page and its files);
* the live snapshot per poll, with the poller's memo warm (the day's closed intervals read once);
* keeping up: one keeper pass (`catch_up`) after a minute of new calls, as a share of one core per minute.

Every timed pair also compares the figures: the aggregates must give the raw path's figures.

    .venv/bin/python -m bench.history_bench                            # 30 days, SQLite and PostgreSQL
    .venv/bin/python -m bench.history_bench --days 3 --calls-per-day 5000 --runs 2     # smoke run
"""

from __future__ import annotations

import argparse
import os
import time as _time
from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import update

from bench.common import BACKENDS, fmt_seconds, machine, scratch_database, timed, write_json
from bench.kpi_bench import configs, load, same_figures
from bench.synthetic import ZONE, Centre, day_range, local_ms
from wallboard.data_access.engines import make_engine
from wallboard.data_access.intervals import init_interval_tables
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import calls
from wallboard.data_access.sources import Sources
from wallboard.live.history import catch_up
from wallboard.live.snapshot import compute_snapshot
from wallboard.reports.weekly_review import weekly_review


def figures(report: dict) -> dict:
    return {r["key"]: {k: v for k, v in r.items() if k != "key"} for r in report["rows"]}


def bench_backend(url: str, backend: str, last: date, days: int, now: datetime, cfg, runs: int,
                  only: tuple[str, ...] = ()) -> dict:
    # no statement timeout: the raw path of a year runs for minutes (past the app's 30 s, which stops it)
    engine = make_engine(url, statement_timeout=3600)
    app = make_engine(url, statement_timeout=3600)  # the aggregates in the same server (in production: the app db)
    init_interval_tables(app)
    raw = Sources(engine, engine, cfg)
    started = _time.perf_counter()
    fast = raw.with_history(app)  # calls, surveys and agent time, as the app keeps them
    built = catch_up(fast, now=now)
    build_seconds = _time.perf_counter() - started
    print(f"  {backend:10} aggregates built in {fmt_seconds(build_seconds)}: {built['rows_written']:,} interval rows",
          flush=True)
    end = Period(last + timedelta(days=1))
    week_monday = last - timedelta(days=last.weekday() + 7)
    iso = week_monday.isocalendar()
    operations = {
        "month by day": lambda s: figures(kpi_report(s, Period(last - timedelta(days=29)), end, by="day")),
        "week by hour": lambda s: figures(kpi_report(s, Period(last - timedelta(days=6)), end, by="hour")),
        f"all {days} days by day": lambda s: figures(kpi_report(s, Period(last - timedelta(days=days - 1)), end,
                                                                by="day")),
        "weekly review": lambda s: weekly_review(s, f"{iso[0]}-W{iso[1]:02d}"),
    }
    out = {"build_seconds": build_seconds, "interval_rows": built["rows_written"], "timings": []}
    for name, op in operations.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        results = {}

        def run(label, source, op=op, results=results):
            results[label] = op(source)

        slow = days > 60 and name.startswith("all")  # minutes per raw run: one timed run, no warm-up
        base = timed(lambda: run("raw", raw), runs=1 if slow else runs, warmup=0 if slow else 1)
        quick = timed(lambda: run("aggregates", fast), runs=runs)
        a, b = results["raw"], results["aggregates"]
        same = a == b if name == "weekly review" else same_figures(a, b)
        out["timings"].append({"operation": name, "raw": base, "aggregates": quick, "same_figures": same})
        print(f"  {backend:10} {name:22} raw {fmt_seconds(base['median'])}  aggregates "
              f"{fmt_seconds(quick['median'])}  same figures: {same}", flush=True)
    if only and "live" not in only and "keeper" not in only:
        engine.dispose()
        app.dispose()
        return out
    # the live snapshot per poll, memo warm: the raw path re-reads the day, the aggregates only what is newer
    memos = {"raw": {}, "aggregates": {}}
    polls = {}
    for label, s in (("raw", raw), ("aggregates", fast)):
        polls[label] = timed(lambda s=s, label=label: compute_snapshot(s, now=now, memo=memos[label]), runs=runs)
    same = compute_snapshot(raw, now=now)["scopes"]["all"] == compute_snapshot(fast, now=now)["scopes"]["all"]
    out["timings"].append({"operation": "live snapshot per poll (memo warm)", "raw": polls["raw"],
                           "aggregates": polls["aggregates"], "same_figures": same})
    print(f"  {backend:10} {'live snapshot per poll':22} raw {fmt_seconds(polls['raw']['median'])}  aggregates "
          f"{fmt_seconds(polls['aggregates']['median'])}  same tiles: {same}", flush=True)
    # keeping up: a minute later, the minute's calls changed (answered, ended), one keeper pass
    later = now + timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(update(calls).where(calls.c.queued_at >= now - timedelta(hours=2), calls.c.queued_at < now
                                         - timedelta(hours=1, minutes=59)).values(transferred=1))
    keep = timed(lambda: catch_up(fast, now=later, budget=5.0), runs=runs)
    out["keeper_pass"] = keep
    out["keeper_core_share"] = keep["median"] / 60.0
    print(f"  {backend:10} keeper pass {fmt_seconds(keep['median'])} a minute: "
          f"{100 * out['keeper_core_share']:.2f} % of one core", flush=True)
    engine.dispose()
    app.dispose()
    return out


def markdown(results: dict) -> str:
    lines = ["| operation | backend | raw rows (baseline) | aggregates | speed-up | same figures |",
             "|---|---|---|---|---|---|"]
    for backend, data in results["backends"].items():
        for t in data["timings"]:
            raw, agg = t["raw"]["median"], t["aggregates"]["median"]
            lines.append(f"| {t['operation']} | {backend} | {fmt_seconds(raw)} | {fmt_seconds(agg)} | "
                         f"{raw / agg:,.0f}× | {t['same_figures']} |")
        lines.append(f"| first build (`db upgrade`) | {backend} | – | {fmt_seconds(data['build_seconds'])} "
                     f"({data['interval_rows']:,} rows) | | |")
        if "keeper_pass" not in data:
            continue
        lines.append(f"| keeper pass, a minute of traffic | {backend} | – | "
                     f"{fmt_seconds(data['keeper_pass']['median'])} = {100 * data['keeper_core_share']:.2f} % "
                     "of one core | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--calls-per-day", type=float, default=100_000)
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--sites", type=int, default=600)
    p.add_argument("--agents", type=int, default=3800)
    p.add_argument("--last-day", default="2026-03-31")
    p.add_argument("--now", default="23:30")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sqlite-dir", default="/tmp")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--reuse", action="store_true",
                   help="SQLite: use the file a --keep run left (no reload; aggregates already built are kept)")
    p.add_argument("--only", default="", help="comma-separated operation name prefixes, e.g. 'all' for the year "
                   "by day alone ('live' and 'keeper' add those two)")
    p.add_argument("--out", default="/tmp/wb_bench/history_results.json")
    args = p.parse_args(argv)
    last = date.fromisoformat(args.last_day)
    cut_ms = local_ms(last, ZONE, time.fromisoformat(args.now))
    now = datetime.fromtimestamp(cut_ms / 1000, UTC).replace(tzinfo=None)
    centre = Centre.build(args.sites, args.agents, args.seed)
    cfg = configs(centre)["600 sites"]
    results = {"machine": machine(), "arguments": vars(args), "backends": {}, "loads": {}}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend not in BACKENDS:
            p.error(f"--backends: unknown backend {backend!r}")
        kept = Path(args.sqlite_dir) / f"wb_bench_history_{args.days}d.sqlite"
        reuse = args.reuse and backend == "sqlite" and kept.exists()
        with (nullcontext(f"sqlite:///{kept}") if reuse else
              scratch_database(backend, f"wb_bench_history_{args.days}d", args.sqlite_dir, args.keep)) as url:
            info = {"rows": "reused", "insert_seconds": 0} if reuse else load(
                url, centre, day_range(last, args.days), args.calls_per_day, args.seed, cut_ms, 300, False)
            results["loads"][backend] = info
            print(f"{backend} {args.days} d loaded: {info['rows']}; insert {info['insert_seconds']:.0f} s; "
                  f"load average {os.getloadavg()}", flush=True)
            results["backends"][backend] = bench_backend(url, backend, last, args.days, now, cfg, args.runs,
                                                         tuple(o for o in args.only.split(",") if o))
    results["load_average_at_end"] = os.getloadavg()
    write_json(args.out, results)
    print()
    print(markdown(results))
    print(f"results: {args.out}")
    return 0 if all(t["same_figures"] for d in results["backends"].values() for t in d["timings"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
