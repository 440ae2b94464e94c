"""KPI engine and live snapshot timings on 600 sites, in SQLite and PostgreSQL.

Generates synthetic calls (see `bench.synthetic`), loads 1 day and 30 days of them into
scratch databases created with the project's `metadata.create_all` (so the real indexes
exist), and times, as the median of N runs after a warm-up:

* `kpi_report(by="skill_group")` for the last day,
* `kpi_report(by="hour")` for the last day,
* `kpi_report(by="day")` over the 30 days ending with the last day,
* `compute_snapshot(now=...)` at a moment of the last day (the data stop at that moment),

each with the default `Config()` and with a configuration of the 600 sites and the four
skill groups with their own thresholds (a CASE in the SQL).  Run from the repository root:

    .venv/bin/python -m bench.kpi_bench                      # full size: 1 and 30 days, 100,000 calls/day
    .venv/bin/python -m bench.kpi_bench --days 1 --calls-per-day 2000 --runs 2   # smoke run
"""

from __future__ import annotations

import argparse
import os
import time as _time
from datetime import UTC, date, datetime, time, timedelta

from bench.common import (
    BACKENDS,
    Loader,
    StatementTimer,
    create_tables,
    database_bytes,
    explain,
    fmt_seconds,
    machine,
    scratch_database,
    timed,
    write_json,
)
from bench.synthetic import (
    AGENT_COLUMNS,
    CALL_COLUMNS,
    COMPLAINT_COLUMNS,
    GROUP_SETTINGS,
    GROUPS,
    STATE_COLUMNS,
    SURVEY_COLUMNS,
    ZONE,
    Centre,
    agent_states_for_day,
    calls_for_day,
    complaints_for_days,
    day_range,
    local_ms,
)
from wallboard.config import Config, parse_config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.snapshot import compute_snapshot

COUNT_FIELDS = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_threshold", "surveys")


def configs(centre: Centre) -> dict[str, Config]:
    sites = [{"id": s, "name": s, "timezone": ZONE} for s in centre.site_ids.tolist()]
    groups = [{"id": g, "name": g, "threshold_seconds": GROUP_SETTINGS[g][0], "target": GROUP_SETTINGS[g][1]}
              for g in GROUPS]
    return {"default": Config(), "600 sites": parse_config({"sites": sites, "skill_groups": groups}, "bench")}


def load(url: str, centre: Centre, days: list[date], calls_per_day: float, seed: int, cut_ms: float,
         complaints_per_day: float, sqlite_analyze: bool) -> dict:
    """Generate and write the data set; returns row counts and times."""
    create_tables(url)
    loader = Loader(url)
    started = _time.perf_counter()
    loader.write("agents", centre.agents_frame(), AGENT_COLUMNS)
    last_calls = None
    for day in days:
        calls, surveys = calls_for_day(centre, day, calls_per_day, seed, cut_ms=cut_ms)
        loader.write("calls", calls, CALL_COLUMNS)
        loader.write("surveys", surveys, SURVEY_COLUMNS)
        last_calls = calls
    loader.write("agent_states", agent_states_for_day(centre, days[-1], last_calls, seed, cut_ms), STATE_COLUMNS)
    loader.write("complaints", complaints_for_days(centre, days, complaints_per_day, seed, cut_ms),
                 COMPLAINT_COLUMNS)
    total = _time.perf_counter() - started
    analyze = loader.finish(sqlite_analyze)
    return {"rows": loader.rows, "insert_seconds": loader.seconds, "generate_seconds": total - loader.seconds,
            "analyze_seconds": analyze, "database_bytes": database_bytes(url)}


def key_figures(report: dict) -> dict:
    return {r["key"]: {f: r[f] for f in (*COUNT_FIELDS, "service_level", "asa_seconds", "csat_mean")}
            for r in report["rows"]}


def same_figures(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key, row in a.items():
        for f, v in row.items():
            w = b[key][f]
            if isinstance(v, float) or isinstance(w, float):
                if v is None or w is None or abs(v - w) > 1e-6 * max(1.0, abs(v)):
                    return False
            elif v != w:
                return False
    return True


def bench_dataset(url: str, backend: str, n_days: int, last: date, now: datetime, cfgs: dict[str, Config],
                  runs: int, do_explain: bool) -> dict:
    engine = make_engine(url)  # the app's engine: pool, timeouts, SQLite pragmas
    day, next_day = Period(last), Period(last + timedelta(days=1))
    month = Period(last - timedelta(days=29))
    out: dict = {"timings": [], "statements": {}, "plans": {}}
    operations = {
        "kpi --by skill_group, 1 day": lambda cfg: kpi_report(engine, engine, cfg, day, next_day, by="skill_group"),
        "kpi --by hour, 1 day": lambda cfg: kpi_report(engine, engine, cfg, day, next_day, by="hour"),
        "kpi --by day, 30 days": lambda cfg: kpi_report(engine, engine, cfg, month, next_day, by="day"),
        "live snapshot": lambda cfg: compute_snapshot(engine, engine, cfg, now=now),
    }
    for name, op in operations.items():
        for cfg_name, cfg in cfgs.items():
            result = timed(lambda op=op, cfg=cfg: op(cfg), runs=runs)
            out["timings"].append({"backend": backend, "days": n_days, "operation": name, "config": cfg_name,
                                   **result, "load_average": os.getloadavg()})
            print(f"  {backend:10} {n_days:>2} d  {name:28} {cfg_name:10} median {fmt_seconds(result['median'])}"
                  f" (min {fmt_seconds(result['min'])}, max {fmt_seconds(result['max'])})", flush=True)
        # where the time goes: each statement of one run (600-site config)
        with StatementTimer(engine) as timer:
            started = _time.perf_counter()
            op(cfgs["600 sites"])
            total = _time.perf_counter() - started
        out["statements"][name] = {"total_seconds": total, "statements": [
            {"sql": r["sql"][:160].replace("\n", " "), "seconds": r["seconds"]} for r in timer.records]}
        if do_explain:
            slowest = sorted(timer.records, key=lambda r: -r["seconds"])[:4]
            out["plans"][name] = [{"sql": r["sql"], "seconds": r["seconds"],
                                   "plan": explain(engine, r["sql"], r["params"])} for r in slowest]
    out["figures"] = {
        "skill_group_day": key_figures(operations["kpi --by skill_group, 1 day"](cfgs["default"])),
        "skill_group_day_600": key_figures(operations["kpi --by skill_group, 1 day"](cfgs["600 sites"])),
    }
    snap = compute_snapshot(engine, engine, cfgs["default"], now=now)
    tiles = snap["scopes"]["all"]
    out["snapshot_all"] = {k: tiles.get(k) for k in ("offered", "calls_waiting", "agents_logged_in", "service_level",
                                                     "complaints_due_soon", "complaints_overdue")}
    out["snapshot_all"]["sites"] = len(snap.get("sites", []))
    engine.dispose()
    return out


def markdown(results: dict) -> str:
    lines = ["| backend | data set | operation | config | median | min | max |", "|---|---|---|---|---:|---:|---:|"]
    for t in results["timings"]:
        lines.append(f"| {t['backend']} | {t['days']} d | {t['operation']} | {t['config']} | "
                     f"{fmt_seconds(t['median'])} | {fmt_seconds(t['min'])} | {fmt_seconds(t['max'])} |")
    lines += ["", "| backend | data set | calls | surveys | agent states | complaints | generate | insert "
              "(all tables) | rows/s | VACUUM/ANALYZE | size |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in results["loads"]:
        r = d["rows"]
        rate = sum(r.values()) / max(d["insert_seconds"], 1e-9)
        lines.append(f"| {d['backend']} | {d['days']} d | {r.get('calls', 0):,} | {r.get('surveys', 0):,} | "
                     f"{r.get('agent_states', 0):,} | {r.get('complaints', 0):,} | {d['generate_seconds']:.1f} s | "
                     f"{d['insert_seconds']:.1f} s | {rate:,.0f} | {d['analyze_seconds']:.1f} s | "
                     f"{d['database_bytes'] / 2**20:,.0f} MiB |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, nargs="+", default=[1, 30], help="data sets to build, in days (default 1 30)")
    p.add_argument("--calls-per-day", type=float, default=100_000, help="mean calls a day (default 100000)")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--sites", type=int, default=600)
    p.add_argument("--agents", type=int, default=4700, help="target agents (rounding per site and group adds some)")
    p.add_argument("--complaints-per-day", type=float, default=300)
    p.add_argument("--last-day", default="2026-03-31", help="the last simulated local day (default a Tuesday)")
    p.add_argument("--now", default="23:30", help="local time of the live snapshot on the last day; data stop there")
    p.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up (default 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sqlite-dir", default="/tmp")
    p.add_argument("--sqlite-analyze", action="store_true", help="run ANALYZE on SQLite after loading")
    p.add_argument("--no-explain", action="store_true", help="skip the query plans")
    p.add_argument("--keep", action="store_true", help="keep the databases (wb_bench_kpi_<days>d)")
    p.add_argument("--out", default="/tmp/wb_bench/kpi_results.json")
    args = p.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            p.error(f"--backends: unknown backend {b!r} (supported: {', '.join(BACKENDS)})")
    last = date.fromisoformat(args.last_day)
    now_local = time.fromisoformat(args.now)
    cut_ms = local_ms(last, ZONE, now_local)
    now = datetime.fromtimestamp(cut_ms / 1000, UTC).replace(tzinfo=None)
    centre = Centre.build(args.sites, args.agents, args.seed)
    cfgs = configs(centre)
    results = {"machine": machine(), "arguments": vars(args), "agents": len(centre.agent_ids),
               "now_utc": now.isoformat(), "timings": [], "loads": [], "datasets": {}}
    print(f"{len(centre.site_ids)} sites, {len(centre.agent_ids)} agents; snapshot at {args.last_day} {args.now} "
          f"{ZONE} ({now.isoformat()} UTC); load average {os.getloadavg()}", flush=True)
    for n_days in args.days:
        days = day_range(last, n_days)
        for backend in backends:
            with scratch_database(backend, f"wb_bench_kpi_{n_days}d", args.sqlite_dir, args.keep) as url:
                info = load(url, centre, days, args.calls_per_day, args.seed, cut_ms, args.complaints_per_day,
                            args.sqlite_analyze)
                results["loads"].append({"backend": backend, "days": n_days, **info})
                print(f"{backend} {n_days} d: {info['rows']}; insert {info['insert_seconds']:.1f} s, "
                      f"generate {info['generate_seconds']:.1f} s, analyze {info['analyze_seconds']:.1f} s, "
                      f"{info['database_bytes'] / 2**20:,.0f} MiB", flush=True)
                data = bench_dataset(url, backend, n_days, last, now, cfgs, args.runs, not args.no_explain)
                results["timings"] += data.pop("timings")
                results["datasets"][f"{backend} {n_days}d"] = data
    # the same day must give the same figures on every backend and in every data set
    figures = {k: v["figures"]["skill_group_day"] for k, v in results["datasets"].items()}
    reference = next(iter(figures.values()), {})
    results["figures_identical"] = all(same_figures(reference, f) for f in figures.values())
    results["load_average_at_end"] = os.getloadavg()
    write_json(args.out, results)
    print()
    print(markdown(results))
    print(f"\nsame last-day figures in every data set and backend: {results['figures_identical']}")
    print(f"results: {args.out}")
    return 0 if results["figures_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
