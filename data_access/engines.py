"""Database engines for the three supported backends, with timeouts and one-line errors.

The wallboard reads production databases owned by other teams: every connection has a
connect timeout and a statement timeout so that a slow database cannot hang a worker,
and pools pre-ping so that a restarted database is picked up again by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

STATEMENT_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5


class _StatementCounter:
    """Statements sent to any database by this process (for /healthz and the load benchmark)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def __call__(self, *_args) -> None:
        with self._lock:
            self.value += 1


STATEMENTS = _StatementCounter()


def statements_executed() -> int:
    return STATEMENTS.value


class DatabaseError(RuntimeError):
    """A database that cannot be used; the message is one line, password hidden."""


class DatabaseUnreachable(DatabaseError):
    """The database did not answer (down, restarting, network): the app starts anyway and retries."""


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparseable URL>"
    secret = {k: "***" for k in parsed.query if k.lower() in ("password", "passwd", "sslpassword")}
    return parsed.update_query_dict(secret).render_as_string(hide_password=True) if secret else \
        parsed.render_as_string(hide_password=True)


def make_engine(url: str, *, statement_timeout: float = STATEMENT_TIMEOUT_SECONDS) -> Engine:
    """An engine for a SQLAlchemy URL; raises `DatabaseError` for a URL that cannot work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r} (expected e.g. sqlite:///wallboard.db, "
                            "postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db)") from None
    backend = parsed.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True}
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(f"{safe_url(url)}: folder {folder} does not exist")
        kwargs["connect_args"] = {"timeout": statement_timeout, "check_same_thread": False}
    elif backend == "postgresql":
        # keepalives and tcp_user_timeout: a connection to a vanished host fails within about a
        # minute instead of hanging the poller (psycopg has no client-side read timeout)
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                  "options": f"-c statement_timeout={int(statement_timeout * 1000)}",
                                  "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                                  "keepalives_count": 3, "tcp_user_timeout": 60_000}
        kwargs["pool_recycle"] = 3600
    elif backend in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                  "read_timeout": int(statement_timeout), "write_timeout": int(statement_timeout),
                                  "charset": "utf8mb4"}
        kwargs["pool_recycle"] = 3600
    else:
        raise DatabaseError(f"{safe_url(url)}: unsupported database {backend!r} "
                            "(supported: sqlite, postgresql, mysql/mariadb)")
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as e:
        raise DatabaseError(f"{safe_url(url)}: database driver not installed ({e})") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _mariadb_statement_limit(statement_timeout))
    event.listen(engine, "before_cursor_execute", STATEMENTS)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the app read while the simulator or an import writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _mariadb_statement_limit(seconds: float):
    """MariaDB cancels a statement itself a little before the client's read timeout.

    Without it a timed-out query keeps running on the server after the client gave up,
    and every later poll would add one more (MySQL has no such variable: skipped there).
    """
    def on_connect(dbapi_connection, _record) -> None:
        if "MariaDB" in dbapi_connection.get_server_info():
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET SESSION max_statement_time = {max(0.5, seconds - 0.5):.1f}")
            cursor.close()
    return on_connect


def describe_error(exc: BaseException, url: str) -> str:
    """One line that says what went wrong with which database."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    if len(text) > 240:
        text = text[:240] + "…"
    return f"{safe_url(url)}: {text}"


def check_tables(engine: Engine, tables: Iterable[Table], url: str) -> None:
    """Fail with one clear line if the database is unreachable or lacks a table."""
    try:
        present = set(inspect(engine).get_table_names())
    except SQLAlchemyError as e:
        raise DatabaseUnreachable(f"cannot reach database {describe_error(e, url)}") from None
    missing = [t.name for t in tables if t.name not in present]
    if missing:
        raise DatabaseError(f"{safe_url(url)}: missing table {', '.join(missing)} "
                            f"(create it with: wallboard init-db --db URL)")


_NO_LAG_INFO: set[str] = set()  # databases that cannot tell (no privilege): not asked again


def replica_lag_seconds(engine: Engine) -> float | None:
    """How far a read replica is behind its primary: 0 on a primary, None when it cannot tell.

    PostgreSQL: time since the last replayed transaction, unless everything received is
    replayed (an idle primary is not lag).  MariaDB/MySQL: Seconds_Behind_Master (needs
    the REPLICATION CLIENT privilege; without it the lag is unknown).  SQLite: 0.
    """
    key = str(engine.url)
    backend = engine.dialect.name
    if backend == "sqlite" or key in _NO_LAG_INFO:
        return 0.0 if backend == "sqlite" else None
    with engine.connect() as conn:  # unreachable: raised, the poll fails as it should
        try:
            if backend == "postgresql":
                recovering, caught_up, lag = conn.execute(text(
                    "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), "
                    "date_part('epoch', now() - pg_last_xact_replay_timestamp())")).one()
                return 0.0 if not recovering or caught_up else max(0.0, float(lag or 0))
            row = conn.execute(text("SHOW SLAVE STATUS")).mappings().first()
        except SQLAlchemyError:
            _NO_LAG_INFO.add(key)
            return None
    if row is None:
        return 0.0  # not a replica
    behind = row.get("Seconds_Behind_Master")
    return None if behind is None else float(behind)
