"""Writing canonical rows: the one idempotent upsert shared by the importers, the live followers and the simulator.

Insert new rows, update changed ones, leave identical ones alone, so that re-importing a
file or re-running a follower changes nothing.  Times are stored as naive UTC to the
millisecond (MariaDB's precision).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Table, and_, bindparam, insert, select, update


def to_stored(value: datetime) -> datetime:
    """The stored form of a time: naive UTC, truncated to the millisecond (MariaDB's precision)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6
    if isinstance(a, datetime) and isinstance(b, datetime):
        return abs((a - b).total_seconds()) < 0.0015  # millisecond storage on MariaDB
    return a == b


UPSERT_CHUNK = 5000


def upsert(conn, table: Table, key: tuple[str, ...], rows: list[dict]) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave identical ones: (inserted, updated, unchanged).

    In chunks of UPSERT_CHUNK rows: a key list in one statement stays far below every backend's limit of bound
    parameters (PostgreSQL: 65,535) however many rows a caller gives."""
    if not rows:
        return 0, 0, 0
    if len(rows) > UPSERT_CHUNK:
        counts = [upsert(conn, table, key, rows[i:i + UPSERT_CHUNK]) for i in range(0, len(rows), UPSERT_CHUNK)]
        return tuple(sum(c[i] for c in counts) for i in range(3))  # type: ignore[return-value]
    key_cols = [table.c[k] for k in key]
    columns = [c.name for c in table.columns]
    if len(key) == 1:
        cond = key_cols[0].in_([r[key[0]] for r in rows])
    else:
        # (a, b) IN (VALUES …) is a full scan on SQLite: seek on the first column and a range of the
        # second instead, and keep the exact pairs below (docs/benchmarks.md, agent-state imports)
        first, second = key_cols[0], key_cols[1]
        values = [r[key[1]] for r in rows]
        cond = and_(first.in_({r[key[0]] for r in rows}), second >= min(values), second <= max(values))
    wanted = {tuple(r[k] for k in key) for r in rows}
    existing = {}
    for m in (r._mapping for r in conn.execute(select(table).where(cond))):
        k = tuple(m[c] for c in key)
        if k in wanted:
            existing[k] = m
    fresh, changed, unchanged = [], [], 0
    for r in rows:
        old = existing.get(tuple(r[k] for k in key))
        if old is None:
            fresh.append(r)
        elif all(_same(r.get(c), old[c]) for c in columns if c in r):
            unchanged += 1
        else:
            changed.append(r)
    if fresh:
        conn.execute(insert(table), fresh)
    if changed:
        stmt = (update(table).where(and_(*[table.c[k] == bindparam(f"k_{k}") for k in key]))
                .values({c: bindparam(f"v_{c}") for c in columns if c not in key and c in changed[0]}))
        conn.execute(stmt, [{**{f"k_{k}": r[k] for k in key},
                             **{f"v_{c}": r[c] for c in columns if c not in key and c in r}} for r in changed])
    return len(fresh), len(changed), unchanged
