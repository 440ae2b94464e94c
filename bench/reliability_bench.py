"""What the reliability checks cost: the data-quality checks against the live snapshot, and the importer's pre-read.

* `check_sources` (run once a minute by the poller) against `compute_snapshot` (every poll,
  memo warm) on the kpi_bench data set: 600 sites, 100,000 calls a day, SQLite and
  PostgreSQL; medians of N runs after a warm-up.
* The importer's pre-read of a file (decode + line length, then the CSV structure) against
  the whole import of the same calls file into SQLite.

    .venv/bin/python -m bench.reliability_bench                 # full size
    .venv/bin/python -m bench.reliability_bench --calls-per-day 5000 --import-rows 20000 --runs 2   # smoke
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time as _time
from datetime import UTC, date, datetime, time

from bench.common import machine, scratch_database, timed, write_json
from bench.kpi_bench import configs, load
from bench.synthetic import ZONE, Centre, day_range, local_ms, write_calls_csv
from wallboard.config import Config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.data_access.source_checks import check_sources
from wallboard.data_access.sources import Sources
from wallboard.ingest.importers import check_decodable, check_rows, import_csv
from wallboard.live.snapshot import compute_snapshot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls-per-day", type=float, default=100_000)
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--import-rows", type=int, default=300_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", default="/tmp/wb_bench/reliability_results.json")
    args = p.parse_args(argv)
    last = date(2026, 3, 31)
    cut_ms = local_ms(last, ZONE, time(23, 30))
    now = datetime.fromtimestamp(cut_ms / 1000, UTC).replace(tzinfo=None)
    centre = Centre.build(600, 3800, 1)
    cfg = configs(centre)["600 sites"]
    results: dict = {"machine": machine(), "arguments": vars(args), "timings": []}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        with scratch_database(backend, "wb_bench_reliability") as url:
            load(url, centre, day_range(last, 2), args.calls_per_day, 1, cut_ms, 300, False)
            engine = make_engine(url)
            memo: dict = {}
            for name, op in (("live snapshot, memo warm (every poll)",
                              lambda e=engine, m=memo: compute_snapshot(Sources.single(e, cfg), now=now, memo=m)),
                             ("data-quality checks (once a minute)",
                              lambda e=engine: check_sources(Sources.single(e, cfg), now))):
                r = timed(op, runs=args.runs)
                results["timings"].append({"backend": backend, "operation": name, **r})
                print(f"{backend:10} {name:40} median {r['median'] * 1000:8.1f} ms (min {r['min'] * 1000:.1f}, "
                      f"max {r['max'] * 1000:.1f})", flush=True)
            quality = check_sources(Sources.single(engine, cfg), now)
            results[f"{backend} counts"] = {k: v for k, v in quality["counts"].items() if v}
            engine.dispose()
    folder = tempfile.mkdtemp(prefix="wb-import-")
    path = os.path.join(folder, "calls.csv")
    rows = write_calls_csv(path, centre, day_range(last, 5), args.calls_per_day, max_rows=args.import_rows)
    started = _time.perf_counter()
    lines = check_decodable(path, "utf-8")
    decode = _time.perf_counter() - started
    started = _time.perf_counter()
    with open(path, encoding="utf-8") as f:
        check_rows(path, "utf-8", len(f.readline().split(",")))
    structure = _time.perf_counter() - started
    engine = make_engine(f"sqlite:///{folder}/import.db")
    metadata.create_all(engine)
    started = _time.perf_counter()
    import_csv("calls", path, engine, Config(), timezone=ZONE)
    whole = _time.perf_counter() - started
    results["import"] = {"rows": rows, "lines": lines, "bytes": os.path.getsize(path), "decode_seconds": decode,
                         "csv_structure_seconds": structure, "whole_import_seconds": whole}
    print(f"import of {rows:,} calls ({os.path.getsize(path) / 2**20:.0f} MiB) into SQLite: {whole:.1f} s, of which "
          f"decode + line check {decode:.2f} s, CSV structure {structure:.2f} s "
          f"({100 * (decode + structure) / whole:.1f} %)", flush=True)
    engine.dispose()
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
