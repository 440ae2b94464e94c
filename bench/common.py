"""What both benchmarks share: scratch databases, bulk loading, timing and a description of the machine."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bench.synthetic import Frame, chunks, db_rows
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata

PG_SERVER = os.environ.get("WALLBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")
LOAD_TIMEOUT = 3600.0  # seconds: bulk loads and VACUUM are not the app's 30-s statements


# ---------------------------------------------------------------- scratch databases

@contextmanager
def scratch_database(backend: str, name: str, sqlite_dir: str = "/tmp", keep: bool = False) -> Iterator[str]:
    """The URL of a new, empty database (a SQLite file, or a PostgreSQL database), removed afterwards."""
    if backend == "sqlite":
        path = Path(sqlite_dir) / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            if not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if backend != "postgresql":
        raise ValueError(f"unsupported backend {backend!r} (supported: {', '.join(BACKENDS)})")
    server = make_url(PG_SERVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def create_tables(url: str) -> None:
    engine = make_engine(url, statement_timeout=LOAD_TIMEOUT)
    metadata.create_all(engine)  # the project's tables and indexes
    engine.dispose()


def database_bytes(url: str) -> int:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        files = [f"{parsed.database}{suffix}" for suffix in ("", "-wal")]
        return sum(os.path.getsize(f) for f in files if os.path.exists(f))
    engine = make_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


# ---------------------------------------------------------------- bulk loading

class Loader:
    """Writes generated frames: executemany on SQLite, COPY on PostgreSQL (raw DB-API connection)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, statement_timeout=LOAD_TIMEOUT)
        self.backend = self.engine.dialect.name
        self.rows: dict[str, int] = {}
        self.seconds = 0.0

    def write(self, table: str, frame: Frame, columns: tuple[str, ...]) -> None:
        rows = db_rows(frame, columns)
        started = time.perf_counter()
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.backend == "sqlite":
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                for part in chunks(rows):
                    cursor.executemany(sql, part)
            else:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        self.seconds += time.perf_counter() - started
        self.rows[table] = self.rows.get(table, 0) + len(rows)

    def finish(self, analyze: bool) -> float:
        """VACUUM ANALYZE on PostgreSQL (what autovacuum would soon do); ANALYZE on SQLite only if asked."""
        started = time.perf_counter()
        if self.backend == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        elif analyze:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        self.engine.dispose()
        return time.perf_counter() - started


# ---------------------------------------------------------------- timing

def timed(fn: Callable[[], object], runs: int = 5, warmup: int = 1) -> dict:
    """Median, min and max wall time (seconds) of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": times}


class StatementTimer:
    """Records each SQL statement's execution time on an engine (cursor execute to fetch done is not
    separable portably; this is execute time, which is where the server does the aggregation)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records: list[dict] = []
        self._started: list[float] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.records.append({"sql": statement, "params": parameters,
                             "seconds": time.perf_counter() - self._started.pop()})

    def __enter__(self) -> StatementTimer:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def explain(engine: Engine, sql: str, params) -> str:
    """The plan of a captured statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
            return "\n".join(r[0] for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        return "\n".join(f"{r[0]}|{r[1]}| {r[-1]}" for r in rows)


# ---------------------------------------------------------------- the machine

def _first_line(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0] if out else None


def machine() -> dict:
    """CPU, memory, OS and software versions, load average, and which wallboard source was measured."""
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    os_name = None
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    pg_version = None
    pg_settings: dict[str, str] = {}
    try:
        engine = make_engine(PG_SERVER)
        with engine.connect() as conn:
            pg_version = conn.execute(text("SHOW server_version")).scalar_one()
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather",
                         "jit", "random_page_cost"):
                pg_settings[name] = conn.execute(text(f"SHOW {name}")).scalar_one()
        engine.dispose()
    except Exception as e:  # noqa: BLE001 - the description is best effort
        pg_version = f"unreachable ({' '.join(str(e).split())[:80]})"
    import numpy
    import sqlalchemy

    import wallboard

    source = Path(wallboard.__file__).resolve().parent  # the repository root is the package
    commit = _first_line(["git", "-C", str(source), "rev-parse", "--short", "HEAD"])
    dirty = _first_line(["git", "-C", str(source), "status", "--porcelain", "--", ".", ":(exclude)bench",
                         ":(exclude)docs", ":(exclude)tests"])
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem_gib, "os": os_name, "kernel": platform.release(),
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy.__version__,
        "numpy": numpy.__version__, "postgresql": pg_version, "postgresql_settings": pg_settings,
        "wallboard_source": str(source), "wallboard_commit": commit,
        "wallboard_tree": ("modified" if dirty else "clean") if commit else "not a git checkout",
        "load_average_at_start": os.getloadavg(),
    }


def write_json(path: str, data: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str), encoding="utf-8")


def fmt_seconds(value: float) -> str:
    if value < 0.1:
        return f"{value * 1000:.1f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"
