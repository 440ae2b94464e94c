"""Import rate, idempotence and memory of the importers, in SQLite and PostgreSQL.

1. Writes a canonical calls CSV (CONTRACT section 2; local times without offset, as ACD
   exports come) of `--days` days at `--calls-per-day`, imports it with `import_csv` into
   each backend and times the first import and a re-import of the same file, which must
   report `imported 0, updated 0`.  `kpi_report(by="day")` over the whole period is
   computed after each import: the figures must be identical (and the same on every
   backend).
2. Runs `wallboard import calls FILE` (the console script, in a subprocess) on files of
   `--memory-rows` rows into a new SQLite database and reads the child's peak resident
   memory (`os.wait4` → `ru_maxrss`): memory must not grow with the file.
3. Does the same for `wallboard import queue-log` on a generated Asterisk queue_log of
   `--queue-log-lines` lines.

Run from the repository root:

    .venv/bin/python -m bench.import_bench                        # 30 days x 20,000 calls; 100k and 1M rows
    .venv/bin/python -m bench.import_bench --days 2 --calls-per-day 2000 --memory-rows 10000 \\
        --queue-log-lines 20000                                   # smoke run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from bench.common import BACKENDS, create_tables, database_bytes, machine, scratch_database, write_json
from bench.kpi_bench import key_figures, same_figures
from bench.synthetic import (
    GROUPS,
    Centre,
    agent_states_for_day,
    calls_for_day,
    day_range,
    local_ms,
    write_calls_csv,
)
from wallboard.config import Config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.sources import Sources
from wallboard.ingest.importers import import_csv


def wallboard_command() -> list[str]:
    """The console script next to this interpreter (the project's venv), else `python -m wallboard.cli`."""
    script = Path(sys.executable).with_name("wallboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wallboard.cli"]


# The measured command runs under a small Python wrapper that forks and execs it and reports the child's
# ru_maxrss: Linux carries a process's peak RSS across fork and exec, so a command started directly from
# this (large) process would report this process's size as its own peak.
WRAPPER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\n@@maxrss_kib {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def run_measured(cmd: list[str], sample_seconds: float = 1.0) -> dict:
    """Run a command; wall time, exit status, peak RSS (MiB, the child's ru_maxrss), RSS sampled over time
    from /proc, and the last line of its output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", WRAPPER, *cmd], stdout=out, stderr=err, text=True)
        samples = []
        while True:
            for child in _children(proc.pid):
                rss = _rss_mib(child)
                if rss is not None:
                    samples.append((round(time.perf_counter() - started, 1), round(rss)))
            try:
                proc.wait(timeout=sample_seconds)  # returns as soon as the command ends
                break
            except subprocess.TimeoutExpired:
                pass
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = None
    kept = []
    for line in stderr.splitlines():
        if line.startswith("@@maxrss_kib "):
            peak = round(int(line.split()[1]) / 1024, 1)
        elif line.strip():
            kept.append(line)
    lines = (stdout.strip().splitlines() or kept)
    step = max(1, len(samples) // 20)
    return {"seconds": seconds, "exit": proc.returncode, "max_rss_mib": peak,
            "rss_samples_mib": samples[::step] + samples[-1:], "output": lines[-1] if lines else "",
            "stderr": "\n".join(kept)[-400:]}


# ---------------------------------------------------------------- queue_log

def write_queue_log(path: str, centre: Centre, last: date, lines: int, seed: int = 1) -> dict:
    """An Asterisk queue_log (epoch|callid|queue|agent|event|data...) of about `lines` lines, day by day
    up to `last`: member add/pause/unpause/remove from the shifts, ENTERQUEUE, CONNECT, COMPLETE*/ABANDON."""
    written, calls, day = 0, 0, last
    days: list[date] = []
    # how many days are needed: about 3 lines per queued call plus 8 per agent shift
    while written < lines:
        days.insert(0, day)
        c, _ = calls_for_day(centre, day, 100_000, seed)
        queued = ~np.isnan(c["queued_at"]) & (c["direction"] == "inbound")
        written += int(queued.sum() * 2 + (~np.isnan(c["answered_at"][queued])).sum() + len(centre.agent_ids) * 8)
        day -= timedelta(days=1)
    written = 0
    carry_times, carry_texts = np.array([]), []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for day in days:
            c, _ = calls_for_day(centre, day, 100_000, seed)
            q = ~np.isnan(c["queued_at"]) & (c["direction"] == "inbound")
            queue = np.char.add(np.char.add(c["site"][q].astype(str), "_"), c["skill_group"][q].astype(str))
            callid = np.char.add(np.char.add((c["arrived_at"][q] // 1000).astype(np.int64).astype(str), "."),
                                 np.arange(q.sum()).astype(str))
            enter = c["queued_at"][q] / 1000
            answered, ended = c["answered_at"][q] / 1000, c["ended_at"][q] / 1000
            agent = c["agent_id"][q]
            times, texts = [], []
            times.append(enter)
            texts.append([f"{int(t)}|{i}|{qn}|NONE|ENTERQUEUE||1{n:010d}|1"
                          for t, i, qn, n in zip(enter, callid, queue, range(len(enter)), strict=True)])
            a = ~np.isnan(answered)
            hold = np.maximum(0, answered - enter)
            times.append(answered[a])
            texts.append([f"{int(t)}|{i}|{qn}|SIP/{ag}|CONNECT|{int(h)}|{i}|3"
                          for t, i, qn, ag, h in zip(answered[a], callid[a], queue[a], agent[a], hold[a], strict=True)])
            done = a & ~np.isnan(ended)
            talk = np.maximum(0, ended - answered)
            kinds = np.where(np.arange(len(ended)) % 3 == 0, "COMPLETEAGENT", "COMPLETECALLER")
            times.append(ended[done])
            texts.append([f"{int(t)}|{i}|{qn}|SIP/{ag}|{k}|{int(h)}|{int(d)}|1" for t, i, qn, ag, k, h, d in zip(
                ended[done], callid[done], queue[done], agent[done], kinds[done], hold[done], talk[done], strict=True)])
            gone = ~a & ~np.isnan(ended)
            times.append(ended[gone])
            texts.append([f"{int(t)}|{i}|{qn}|NONE|ABANDON|1|1|{int(t - e)}" for t, i, qn, e in zip(
                ended[gone], callid[gone], queue[gone], enter[gone], strict=True)])
            # member events: the shifts and breaks (the calls' states come from the call events); the
            # night shift that began the evening before was written with that day
            states = agent_states_for_day(centre, day, None, seed)
            shift = states["started_at"] >= local_ms(day)
            groups = np.array(GROUPS)[centre.agent_group]
            index_of = {a: i for i, a in enumerate(centre.agent_ids)}
            events = {"logged_out": "REMOVEMEMBER", "not_ready": "PAUSE", "available": "UNPAUSE"}
            ids, st_all = states["agent_id"], states["state"]  # sorted by agent, then time
            after_logout = np.ones(len(ids), dtype=bool)  # an agent's first row, or the first after a logout
            after_logout[1:] = (ids[1:] != ids[:-1]) | (st_all[:-1] == "logged_out")
            login = (st_all == "available") & after_logout
            rows = []
            for ag, t, st, reason, is_login in zip(ids[shift], states["started_at"][shift] / 1000, st_all[shift],
                                                   states["reason"][shift], login[shift], strict=True):
                qn = f"{centre.site_ids[centre.agent_site[index_of[ag]]]}_{groups[index_of[ag]]}"
                event = "ADDMEMBER" if is_login else events[st]
                rows.append((t, f"{int(t)}|NONE|{qn}|SIP/{ag}|{event}|{reason or ''}"))
            times.append(np.array([r[0] for r in rows]))
            texts.append([r[1] for r in rows])
            all_times = np.concatenate([carry_times, *times])
            all_texts = carry_texts + [s for part in texts for s in part]
            order = np.argsort(all_times, kind="stable")
            # events after the next midnight (calls still going) are written with the next day, in time order
            next_midnight = local_ms(day + timedelta(days=1)) / 1000
            last_day = day == days[-1]
            carry_times = np.array([all_times[j] for j in order if all_times[j] >= next_midnight and not last_day])
            carry_texts = [all_texts[j] for j in order if all_times[j] >= next_midnight and not last_day]
            for j in order:
                if written >= lines:
                    break
                if all_times[j] >= next_midnight and not last_day:
                    continue
                f.write(all_texts[j])
                f.write("\n")
                written += 1
            calls += int(q.sum())
    return {"lines": written, "days": len(days), "queued_calls_generated": calls}


# ---------------------------------------------------------------- the steps

def twice(backend: str, csv_path: str, rows: int, first: date, last: date, args) -> dict:
    """Import the file, re-import it, compare the figures."""
    config = Config()
    start, end = Period(first), Period(last + timedelta(days=1))
    with scratch_database(backend, "wb_bench_import", args.sqlite_dir, args.keep) as url:
        create_tables(url)
        engine = make_engine(url)
        out: dict = {"backend": backend, "rows_in_file": rows}
        reports = []
        for attempt in ("first", "again"):
            load = os.getloadavg()
            started = time.perf_counter()
            result = import_csv("calls", csv_path, engine, config)
            seconds = time.perf_counter() - started
            out[attempt] = {"seconds": seconds, "rows_per_second": rows / seconds, "summary": result.summary(),
                            "imported": result.imported, "updated": result.updated, "unchanged": result.unchanged,
                            "rejected": result.rejected, "load_average": load}
            print(f"  {backend:10} {attempt:5} import of {rows:,} rows: {seconds:.1f} s = {rows / seconds:,.0f} rows/s;"
                  f" {result.summary()}", flush=True)
            report = kpi_report(Sources.single(engine, config), start, end, by="day")
            reports.append(key_figures(report))
        out["again_changed_nothing"] = out["again"]["imported"] == 0 and out["again"]["updated"] == 0
        out["figures_identical"] = same_figures(reports[0], reports[1])
        out["figures"] = reports[1]
        out["database_bytes"] = database_bytes(url)
        engine.dispose()
    return out


def memory_runs(centre: Centre, last: date, args) -> list[dict]:
    out = []
    cmd = wallboard_command()
    for n in args.memory_rows:
        csv_path = str(Path(args.workdir) / f"calls_{n}.csv")
        days = day_range(last, n // 80_000 + 1)
        written = write_calls_csv(csv_path, centre, days, 100_000, args.seed, max_rows=n)
        for backend in args.memory_backends:
            with scratch_database(backend, "wb_bench_memory", args.sqlite_dir) as url:
                create_tables(url)
                run = run_measured([*cmd, "import", "calls", csv_path, "--db", url])
            run.update(kind="calls", backend=backend, rows=written, file_mib=os.path.getsize(csv_path) / 2**20,
                       rows_per_second=written / run["seconds"], load_average=os.getloadavg())
            print(f"  wallboard import calls {written:,} rows ({run['file_mib']:.0f} MiB) into {backend}: "
                  f"{run['seconds']:.1f} s, {run['rows_per_second']:,.0f} rows/s, "
                  f"peak RSS {run['max_rss_mib']} MiB; {run['output']}", flush=True)
            out.append(run)
        if not args.keep_files:
            os.remove(csv_path)
    if args.queue_log_lines:
        path = str(Path(args.workdir) / "queue_log")
        info = write_queue_log(path, centre, last, args.queue_log_lines, args.seed)
        with scratch_database("sqlite", "wb_bench_queue_log", args.sqlite_dir) as url:
            create_tables(url)
            run = run_measured([*cmd, "import", "queue-log", path, "--db", url])
        run.update(kind="queue-log", backend="sqlite", rows=info["lines"], file_mib=os.path.getsize(path) / 2**20,
                   rows_per_second=info["lines"] / run["seconds"], load_average=os.getloadavg(), **info)
        print(f"  wallboard import queue-log {info['lines']:,} lines ({run['file_mib']:.0f} MiB): "
              f"{run['seconds']:.1f} s, {run['rows_per_second']:,.0f} lines/s, "
              f"peak RSS {run['max_rss_mib']} MiB; {run['output']}", flush=True)
        out.append(run)
        if not args.keep_files:
            os.remove(path)
            Path(path + ".rejected.csv").unlink(missing_ok=True)
    return out


def markdown(results: dict) -> str:
    lines = ["| backend | rows in file | first import | rows/s | re-import | rows/s | re-import result | "
             "figures identical |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in results["twice"]:
        lines.append(f"| {r['backend']} | {r['rows_in_file']:,} | {r['first']['seconds']:.1f} s | "
                     f"{r['first']['rows_per_second']:,.0f} | {r['again']['seconds']:.1f} s | "
                     f"{r['again']['rows_per_second']:,.0f} | {r['again']['summary']} | {r['figures_identical']} |")
    lines += ["", "| command | backend | rows / lines | file | time | rows/s | peak RSS | RSS sampled (first → last) |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results["memory"]:
        rss = [m for _, m in r["rss_samples_mib"]]
        sampled = f"{rss[0]} → {rss[-1]} MiB (max {max(rss)})" if rss else "-"
        peak = f"{r['max_rss_mib']:.0f} MiB" if r["max_rss_mib"] is not None else "-"
        lines.append(f"| wallboard import {r['kind']} | {r['backend']} | {r['rows']:,} | {r['file_mib']:.0f} MiB | "
                     f"{r['seconds']:.1f} s | {r['rows_per_second']:,.0f} | {peak} | {sampled} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=30, help="days in the import-twice file (default 30)")
    p.add_argument("--calls-per-day", type=float, default=20_000, help="mean calls a day in it (default 20000)")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--memory-rows", type=int, nargs="*", default=[100_000, 1_000_000],
                   help="calls files for the peak-memory runs (default 100000 1000000; none to skip)")
    p.add_argument("--memory-backends", default="sqlite", help="backends of the memory runs (default sqlite)")
    p.add_argument("--queue-log-lines", type=int, default=1_000_000, help="0 to skip the queue_log run")
    p.add_argument("--last-day", default="2026-03-31")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sqlite-dir", default="/tmp")
    p.add_argument("--workdir", default="/tmp/wb_bench", help="where the generated files go")
    p.add_argument("--keep", action="store_true", help="keep the import-twice databases")
    p.add_argument("--no-twice", action="store_true", help="only the memory runs")
    p.add_argument("--keep-files", action="store_true", help="keep the generated files")
    p.add_argument("--out", default="/tmp/wb_bench/import_results.json")
    args = p.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.memory_backends = [b.strip() for b in args.memory_backends.split(",") if b.strip()]
    for b in backends + args.memory_backends:
        if b not in BACKENDS:
            p.error(f"unknown backend {b!r} (supported: {', '.join(BACKENDS)})")
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    last = date.fromisoformat(args.last_day)
    centre = Centre.build(seed=args.seed)
    results: dict = {"machine": machine(), "arguments": vars(args), "wallboard_command": wallboard_command(),
                     "twice": [], "memory": []}
    days = day_range(last, args.days)
    if args.no_twice:
        days = days[-1:]
    csv_path = str(Path(args.workdir) / f"calls_{args.days}d.csv")
    started = time.perf_counter()
    rows = write_calls_csv(csv_path, centre, days, args.calls_per_day, args.seed)
    results["csv"] = {"path": csv_path, "rows": rows, "mib": os.path.getsize(csv_path) / 2**20,
                      "write_seconds": time.perf_counter() - started}
    print(f"{csv_path}: {rows:,} rows, {results['csv']['mib']:.0f} MiB ({results['csv']['write_seconds']:.1f} s); "
          f"load average {os.getloadavg()}", flush=True)
    if not args.no_twice:
        for backend in backends:
            results["twice"].append(twice(backend, csv_path, rows, days[0], last, args))
    if not args.keep_files:
        os.remove(csv_path)
        Path(csv_path + ".rejected.csv").unlink(missing_ok=True)
    results["memory"] = memory_runs(centre, last, args)
    figures = [r["figures"] for r in results["twice"]]
    ok = all(r["again_changed_nothing"] and r["figures_identical"] for r in results["twice"])
    results["same_figures_on_every_backend"] = all(same_figures(figures[0], f) for f in figures)
    ok = ok and all(r["exit"] == 0 for r in results["memory"])
    results["load_average_at_end"] = os.getloadavg()
    write_json(args.out, results)
    print()
    print(markdown(results))
    print(f"\nre-import changed nothing and left identical figures: {ok}; "
          f"same figures on every backend: {results['same_figures_on_every_backend']}")
    print(f"results: {args.out}")
    return 0 if ok and results["same_figures_on_every_backend"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
