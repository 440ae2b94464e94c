"""KPI engine and live snapshot timings on 600 sites, in SQLite and PostgreSQL.

Generates synthetic calls (see `bench.synthetic`), loads 1 day and 30 days of them into
scratch databases created with the project's `metadata.create_all` (so the real indexes
exist), and times, as the median of N runs after a warm-up:

* `kpi_report(by="skill_group")` for the last day,
* `kpi_report(by="hour")` for the last day,
* `kpi_report(by="day")` over the 30 days ending with the last day,
* `compute_snapshot(now=...)` at a moment of the last day (the data stop at that moment),
  without a memo and, where the source has one, with the poller's memo warm,

each with the default `Config()` and with a configuration of the 600 sites and the four
skill groups with their own thresholds (a CASE in the SQL).  Run from the repository root:

    .venv/bin/python -m bench.kpi_bench                      # full size: 1 and 30 days, 100,000 calls/day
    .venv/bin/python -m bench.kpi_bench --days 1 --calls-per-day 2000 --runs 2   # smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import os
import pstats
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
from wallboard.data_access.sources import Sources
from wallboard.live.snapshot import compute_snapshot

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


def replay(engine, sql: str, params, setup: tuple[str, ...] = (), keep: bool = False):
    """Run a captured statement alone and fetch all its rows: (seconds, number of rows[, rows])."""
    with engine.connect() as conn:
        for statement in setup:
            conn.exec_driver_sql(statement)
        started = _time.perf_counter()
        rows = conn.exec_driver_sql(sql, params).all()
        seconds = _time.perf_counter() - started
        conn.rollback()
    return (seconds, len(rows), rows) if keep else (seconds, len(rows))


def same_rows(a: list, b: list) -> bool:
    """Equal row by row; floats to 1e-9 relative."""
    if len(a) != len(b):
        return False
    for x, y in zip(sorted(a, key=repr), sorted(b, key=repr), strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                if u is None or v is None or abs(float(u) - float(v)) > 1e-9 * max(1.0, abs(float(u))):
                    return False
            elif u != v:
                return False
    return True


PG_VARIANTS = {
    "as the app runs it": ((), None),
    "SET jit = off": (("SET LOCAL jit = off",), None),
    "date_part('epoch', …) instead of EXTRACT(EPOCH FROM …)": ((), ("EXTRACT(EPOCH FROM ", "date_part('epoch', ")),
    "date_part and jit = off": (("SET LOCAL jit = off",), ("EXTRACT(EPOCH FROM ", "date_part('epoch', ")),
    "date_part, jit = off, work_mem = 64MB": (("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"),
                                              ("EXTRACT(EPOCH FROM ", "date_part('epoch', ")),
}


def pg_variants(engine, record: dict) -> dict:
    """The slowest statement of an operation on PostgreSQL, run once (after a warm-up) per variant."""
    out, reference = {}, None
    for name, (setup, swap) in PG_VARIANTS.items():
        sql = record["sql"].replace(*swap) if swap else record["sql"]
        replay(engine, sql, record["params"], setup)
        seconds, _, rows = replay(engine, sql, record["params"], setup, keep=True)
        reference = rows if reference is None else reference
        out[name] = {"seconds": seconds, "same_rows": same_rows(reference, rows)}
    return out


PROPOSED_INDEXES = (
    # the IVR-only branch of the period filter: queued_at IS NULL AND arrived_at in the period
    "CREATE INDEX ix_bench_calls_queued_arrived ON calls (queued_at, arrived_at)",
    # the live queue: ended_at IS NULL AND queued_at in the last two days
    "CREATE INDEX ix_bench_calls_open ON calls (ended_at, queued_at)",
)


def add_proposed_indexes(url: str) -> float:
    engine = make_engine(url, statement_timeout=3600)
    started = _time.perf_counter()
    with engine.begin() as conn:
        for statement in PROPOSED_INDEXES:
            conn.exec_driver_sql(statement)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE calls")
    engine.dispose()
    return _time.perf_counter() - started


def bench_dataset(url: str, backend: str, n_days: int, last: date, now: datetime, cfgs: dict[str, Config],
                  runs: int, do_explain: bool, proposed_indexes: bool) -> dict:
    engine = make_engine(url)  # the app's engine: pool, timeouts, SQLite pragmas
    day, next_day = Period(last), Period(last + timedelta(days=1))
    month = Period(last - timedelta(days=29))
    out: dict = {"timings": [], "statements": {}, "plans": {}, "profiles": {}, "pg_variants": {}}
    operations = {
        "kpi --by skill_group, 1 day": lambda cfg: kpi_report(Sources.single(engine, cfg), day, next_day,
                                                              by="skill_group"),
        "kpi --by hour, 1 day": lambda cfg: kpi_report(Sources.single(engine, cfg), day, next_day, by="hour"),
        "kpi --by day, 30 days": lambda cfg: kpi_report(Sources.single(engine, cfg), month, next_day, by="day"),
        "live snapshot": lambda cfg: compute_snapshot(Sources.single(engine, cfg), now=now),
    }
    if "memo" in inspect.signature(compute_snapshot).parameters:
        # the poller keeps a memo between polls (slow-moving parts read less often); warm it once per config
        memos: dict[int, dict] = {}

        def with_memo(cfg: Config) -> dict:
            memo = memos.setdefault(id(cfg), {})
            return compute_snapshot(Sources.single(engine, cfg), now=now, memo=memo)

        operations["live snapshot, poller memo warm"] = with_memo
    for name, op in operations.items():
        for cfg_name, cfg in cfgs.items():
            result = timed(lambda op=op, cfg=cfg: op(cfg), runs=runs)
            out["timings"].append({"backend": backend, "days": n_days, "operation": name, "config": cfg_name,
                                   **result, "load_average": os.getloadavg()})
            print(f"  {backend:10} {n_days:>2} d  {name:28} {cfg_name:10} median {fmt_seconds(result['median'])}"
                  f" (min {fmt_seconds(result['min'])}, max {fmt_seconds(result['max'])})", flush=True)
        # where the time goes: each statement of one run (600-site config), replayed alone with its rows fetched
        with StatementTimer(engine) as timer:
            started = _time.perf_counter()
            op(cfgs["600 sites"])
            total = _time.perf_counter() - started
        for r in timer.records:
            r["seconds"], r["rows"] = replay(engine, r["sql"], r["params"])
        out["statements"][name] = {"total_seconds": total, "statements": [
            {"sql": r["sql"][:200].replace("\n", " "), "seconds": r["seconds"], "rows": r["rows"]}
            for r in timer.records]}
        profile = cProfile.Profile()
        profile.enable()
        op(cfgs["600 sites"])
        profile.disable()
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(25)
        out["profiles"][name] = stream.getvalue()
        slowest = sorted(timer.records, key=lambda r: -r["seconds"])
        if do_explain:
            out["plans"][name] = [{"sql": r["sql"], "seconds": r["seconds"],
                                   "plan": explain(engine, r["sql"], r["params"])} for r in slowest[:4]]
        if do_explain and backend == "postgresql" and name.startswith("kpi"):
            out["pg_variants"][name] = pg_variants(engine, slowest[0])
            print("    slowest statement, variants: "
                  + "; ".join(f"{k}: {fmt_seconds(v['seconds'])}{'' if v['same_rows'] else ' (DIFFERENT ROWS)'}"
                              for k, v in out["pg_variants"][name].items()), flush=True)
    if proposed_indexes:
        out["proposed_index_seconds"] = add_proposed_indexes(url)
        engine.dispose()  # new connections (long-lived SQLite connections kept planning with the old schema)
        for name in ("kpi --by skill_group, 1 day", "kpi --by hour, 1 day", "live snapshot"):
            result = timed(lambda op=operations[name]: op(cfgs["600 sites"]), runs=runs)
            out["timings"].append({"backend": backend, "days": n_days, "operation": name,
                                   "config": "600 sites + proposed indexes", **result,
                                   "load_average": os.getloadavg()})
            print(f"  {backend:10} {n_days:>2} d  {name:28} + proposed indexes: median {fmt_seconds(result['median'])}"
                  f" (min {fmt_seconds(result['min'])}, max {fmt_seconds(result['max'])})", flush=True)
            with StatementTimer(engine) as timer:
                operations[name](cfgs["600 sites"])
            for r in timer.records:
                r["seconds"], r["rows"] = replay(engine, r["sql"], r["params"])
            out["statements"][name + " + proposed indexes"] = {"statements": [
                {"sql": r["sql"][:200].replace("\n", " "), "seconds": r["seconds"], "rows": r["rows"]}
                for r in timer.records]}
            if do_explain:
                slowest = sorted(timer.records, key=lambda r: -r["seconds"])[:4]
                out["plans"][name + " + proposed indexes"] = [
                    {"sql": r["sql"], "seconds": r["seconds"], "plan": explain(engine, r["sql"], r["params"])}
                    for r in slowest]
    out["figures"] = {
        "skill_group_day": key_figures(operations["kpi --by skill_group, 1 day"](cfgs["default"])),
        "skill_group_day_600": key_figures(operations["kpi --by skill_group, 1 day"](cfgs["600 sites"])),
    }
    snap = compute_snapshot(Sources.single(engine, cfgs["default"]), now=now)
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
    p.add_argument("--agents", type=int, default=3800,
                   help="agents to spread by site size (minimums per site and group make it ~5,000)")
    p.add_argument("--complaints-per-day", type=float, default=300)
    p.add_argument("--last-day", default="2026-03-31", help="the last simulated local day (default a Tuesday)")
    p.add_argument("--now", default="23:30", help="local time of the live snapshot on the last day; data stop there")
    p.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up (default 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sqlite-dir", default="/tmp")
    p.add_argument("--sqlite-analyze", action="store_true", help="run ANALYZE on SQLite after loading")
    p.add_argument("--no-explain", action="store_true", help="skip the query plans and PostgreSQL variants")
    p.add_argument("--proposed-indexes", action="store_true",
                   help="afterwards, add two candidate indexes on calls and time the day queries and snapshot again")
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
                data = bench_dataset(url, backend, n_days, last, now, cfgs, args.runs, not args.no_explain,
                                     args.proposed_indexes)
                results["timings"] += data.pop("timings")
                results["datasets"][f"{backend} {n_days}d"] = data
    # a data set must give the same figures on every backend (between data sets the last day differs by the
    # calls queued, and surveys submitted, after midnight from the day before, which the 1-day set lacks)
    checks = {}
    for n_days in args.days:
        figures = [v["figures"][k] for name, v in results["datasets"].items() if name.endswith(f" {n_days}d")
                   for k in ("skill_group_day", "skill_group_day_600")]
        checks[f"{n_days}d"] = all(same_figures(figures[i], figures[i + 2]) for i in range(len(figures) - 2))
    results["figures_identical_across_backends"] = checks
    results["figures_identical"] = all(checks.values())
    results["load_average_at_end"] = os.getloadavg()
    write_json(args.out, results)
    print()
    print(markdown(results))
    print(f"\nsame figures on every backend: {checks}")
    print(f"results: {args.out}")
    return 0 if results["figures_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
