"""One holder of a named job across every process using the same app database (alerts, history aggregates).

Works without Redis (three gunicorn workers on one SQLite app database still do the job once): the holder renews
its lease on every tick; if it dies, another process takes over once the lease expires.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Engine, MetaData, String, Table, insert, or_, update
from sqlalchemy.exc import IntegrityError

from wallboard.data_access.migrate import ensure_app_schema
from wallboard.data_access.schema import Timestamp

metadata = MetaData()

leases = Table(
    "wallboard_leases", metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Timestamp, nullable=False),
)


def init_lease_table(engine: Engine) -> None:
    ensure_app_schema(engine)


class DatabaseLease:
    """The lease `name` in the app database, held by this object while it renews it."""

    def __init__(self, engine: Engine, name: str, ttl_seconds: float) -> None:
        self.engine, self.name, self.ttl = engine, name, timedelta(seconds=ttl_seconds)
        self.holder = uuid.uuid4().hex
        self._table_ready = False

    def acquire(self) -> bool:
        if not self._table_ready:
            init_lease_table(self.engine)
            self._table_ready = True
        now = datetime.now(UTC).replace(tzinfo=None)
        c = leases.c
        with self.engine.begin() as conn:
            taken = conn.execute(update(leases).where(
                c.name == self.name, or_(c.holder == self.holder, c.expires_at < now)).values(
                holder=self.holder, expires_at=now + self.ttl)).rowcount
        if taken:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leases).values(name=self.name, holder=self.holder, expires_at=now + self.ttl))
            return True
        except IntegrityError:  # another process holds it
            return False
