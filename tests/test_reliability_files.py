"""Bad files: one-line error naming file, line and problem, exit 2, nothing half-written, a re-run completes.

Each bad file starts with 500 good rows and one rejectable row, so that an importer
writing as it reads would already have written batches and a reject file.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from wallboard.cli import main
from wallboard.config import Config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls, import_runs, metadata
from wallboard.ingest import importers
from wallboard.ingest.importers import ImportFileError, import_csv
from wallboard.ingest.queue_log_import import import_queue_log

HEADER = b"call_id,site,skill_group,arrived_at,queued_at,answered_at\n"
GOOD = b"".join(b"C%d,bj,sales,2025-03-03T09:00:00+08:00,2025-03-03T09:00:05+08:00,\n" % i for i in range(500))
REJECT = b"R1,,sales,2025-03-03T09:00:00+08:00,,\n"  # no site: rejected with a reason
BAD_LINE = 503  # header + 500 good + 1 reject, then the bad line
BIG = 100 * 2**20


def _hundred_mb_line(path: Path) -> None:
    with open(path, "wb") as f:
        f.write(HEADER + GOOD + REJECT + b"C999,bj,")
        for _ in range(BIG // 2**20):
            f.write(b"x" * 2**20)
        f.write(b"\n" + GOOD[:200])


CASES = {
    "truncated-last-line": (HEADER + GOOD + REJECT + b"C999,bj,sales,2025-03-03T09:0", "truncated"),
    "binary-junk": (HEADER + GOOD + REJECT + b"\x00\x01\x02PK\x03\x04\xff\xfe junk\n" + GOOD[:100], "decoded"),
    "gbk-in-utf8": (HEADER + GOOD + REJECT + "C999,北京,客服,2025-03-03T09:00:00,,\n".encode("gbk"), "decoded"),
    "cell-over-csv-limit": (HEADER + GOOD + REJECT + b"C999,bj," + b"y" * 200_000 + b",,,\n", "malformed CSV"),
    "missing-column": (b"call_id,site,queued_at\n" + b"C1,bj,2025-03-03T09:00:05\n" * 600, "arrived_at"),
    "hundred-mb-line": (None, "longer than"),
}


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def _nothing_written(engine, path: str) -> None:
    assert _count(engine, calls) == 0 and _count(engine, import_runs) == 0
    assert not os.path.exists(path + ".rejected.csv") and not os.path.exists(path + ".rejected.csv.partial")


@pytest.mark.parametrize("case", list(CASES))
def test_rel020_bad_file_stops_before_any_write(case, sqlite_engine, tmp_path):
    """The error names the file, the line and the problem in one line; no row, run record or reject file."""
    content, problem = CASES[case]
    path = tmp_path / f"{case}.csv"
    if content is None:
        _hundred_mb_line(path)
    else:
        path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as info:
            import_csv("calls", str(path), sqlite_engine, Config(), batch_rows=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    line = 1 if case == "missing-column" else BAD_LINE
    assert message.startswith(f"{path}, line {line}: ") and problem in message and "\n" not in message
    assert peak < 32 * 2**20  # a 100 MB line is never held in memory
    _nothing_written(sqlite_engine, str(path))


def test_rel021_cli_exit_2_then_a_rerun_of_the_fixed_file_completes(tmp_path, capsys):
    """`wallboard import` on a truncated file: exit 2, one line; the complete file then imports in full."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["init-db", "--db", db]) == 0
    path = tmp_path / "calls.csv"
    path.write_bytes(HEADER + GOOD + REJECT + b"C999,bj,sales,2025-03-03T09:0")
    capsys.readouterr()
    assert main(["import", "calls", str(path), "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}, line {BAD_LINE}" in err and "truncated" in err
    path.write_bytes(HEADER + GOOD + REJECT + b"C999,bj,sales,2025-03-03T09:00:00+08:00,,\n")  # the full copy
    assert main(["import", "calls", str(path), "--db", db]) == 0
    assert capsys.readouterr().out.startswith("imported 501, updated 0, rejected 1")
    assert Path(str(path) + ".rejected.csv").read_text().count("\n") == 2  # header + the reject


def test_rel022_queue_log_with_a_hundred_mb_line(tmp_path, sqlite_engine):
    """queue_log files get the same byte-level checks: a 100 MB line stops the import before any write."""
    path = tmp_path / "queue_log"
    with open(path, "wb") as f:
        f.write(b"1714554000|1714553998.12|sales|NONE|ENTERQUEUE||07700900123|1\n" + b"z" * BIG + b"\n")
    with pytest.raises(ImportFileError, match=rf"^{path}, line 2: a line longer than"):
        import_queue_log(str(path), sqlite_engine, Config())
    _nothing_written(sqlite_engine, str(path))


def test_rel023_database_lost_mid_import_then_a_rerun_completes(engine, tmp_path, monkeypatch):
    """The database fails at the third batch: the error surfaces, no reject file or run record is left;
    the re-run writes every row once, the reject file and one run record (on the three backends)."""
    path = tmp_path / "calls.csv"
    path.write_bytes(HEADER + REJECT + GOOD)
    real, calls_made = importers.write_batch, []

    def failing(*args):
        calls_made.append(1)
        if len(calls_made) == 3:
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return real(*args)

    monkeypatch.setattr(importers, "write_batch", failing)
    with pytest.raises(OperationalError):
        import_csv("calls", str(path), engine, Config(), batch_rows=100)
    assert 0 < _count(engine, calls) < 500 and _count(engine, import_runs) == 0  # whole batches, in transactions
    assert not os.path.exists(f"{path}.rejected.csv") and not os.path.exists(f"{path}.rejected.csv.partial")
    monkeypatch.setattr(importers, "write_batch", real)
    result = import_csv("calls", str(path), engine, Config(), batch_rows=100)
    assert (result.imported + result.unchanged, result.rejected) == (500, 1)
    assert _count(engine, calls) == 500 and _count(engine, import_runs) == 1
    assert Path(f"{path}.rejected.csv").read_text().count("\n") == 2
