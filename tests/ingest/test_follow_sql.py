"""The `sql` live source (issue 17 item 6) on SQLite, PostgreSQL and MariaDB: a CRM's own tables, in their own
column names, mapped by the user's SELECT onto the canonical columns and followed by a watermark -- updates
replace the canonical row, rows sharing the last watermark value are neither missed nor read twice, a bad row is
rejected with its reason while the rest goes on, and a restarted follower resumes where it stopped."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, delete, insert, select, update
from support.kpi_data import config_from

from wallboard.data_access import schema
from wallboard.ingest import sql_follow
from wallboard.ingest.follow import Follower
from wallboard.ingest.sql_follow import SqlSource, inclusive

TZ = "Asia/Shanghai"
CRM = MetaData()
TICKETS = Table(  # a CRM's ticket table: its own names; `opened` kept as text, as some CRMs do
    "crm_tickets", CRM,
    Column("ticket_no", String(32), primary_key=True),
    Column("shop", String(16)),
    Column("kind", String(32)),
    Column("level", String(8)),
    Column("opened", String(32)),
    Column("done", DateTime()),
    Column("updated_at", DateTime(), nullable=False),  # whole seconds on MariaDB: ties are common
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4")
FEEDBACK = Table(  # a survey system's table, with a version number as its watermark
    "crm_feedback", CRM,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("branch", String(16)),
    Column("agent", String(16)),
    Column("stars", Integer),
    Column("sent", DateTime()),
    Column("version", BigInteger, nullable=False),
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4")
PRESENCE = Table(  # a workforce tool's agent status log
    "crm_presence", CRM,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("login", String(16)),
    Column("full_name", String(64)),
    Column("status", String(16)),
    Column("since_time", DateTime()),
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4")

COMPLAINTS_QUERY = ("SELECT ticket_no AS complaint_id, shop AS site, kind AS category, level AS severity, "
                    "opened AS received_at, done AS closed_at, updated_at FROM crm_tickets "
                    "WHERE updated_at > :since")  # `>` as in the contract's example: read as `>=`


def config(db_url: str, target: str, query: str, watermark: str, extra: str = "") -> object:
    return config_from(
        f'[general]\ntimezone = "{TZ}"\n[[sites]]\nid = "BJ"\n[[sites]]\nid = "SH"\n'
        f'[[sources]]\nkind = "sql"\nname = "crm"\ntarget = "{target}"\nurl = "{db_url}"\n'
        f'query = "{query}"\nwatermark = "{watermark}"\n{extra}')


@pytest.fixture
def crm(engine):
    """The CRM's tables in the test database (beside the canonical ones), dropped at the end."""
    CRM.drop_all(engine)
    CRM.create_all(engine)
    readers: list[SqlSource] = []
    yield readers
    for r in readers:
        r.engine.dispose()
    CRM.drop_all(engine)


def follower(engine, cfg, readers: list, **kw) -> Follower:
    source = cfg.sources[0]
    reader = SqlSource(source, cfg)
    readers.append(reader)
    return Follower(source, reader, engine, **kw)


def put(engine, table: Table, *rows: dict) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table), list(rows))


def change(engine, table: Table, key: str, value, **values) -> None:
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c[key] == value).values(**values))


def ticket(no: str, updated: str, shop: str = "BJ", kind: str = "billing", level: str | None = "II",
           opened: str = "2026-03-02 09:00:00", done: str | None = None) -> dict:
    return {"ticket_no": no, "shop": shop, "kind": kind, "level": level, "opened": opened,
            "done": datetime.fromisoformat(done) if done else None, "updated_at": datetime.fromisoformat(updated)}


def complaints(engine) -> list[tuple]:
    c = schema.complaints.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(c.complaint_id, c.site, c.category, c.severity, c.received_at, c.closed_at)
            .order_by(c.complaint_id))]


def position_row(engine, name: str = "crm"):
    with engine.connect() as conn:
        return conn.execute(select(schema.source_positions)
                            .where(schema.source_positions.c.source == name)).one()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_sql001_mapped_rows_updates_and_ties(engine, db_url, crm, tmp_path):
    """(a) the CRM's tickets appear as canonical complaints (local times stored as UTC); (b) an update replaces
    its row, and rows committed later with the last watermark value read are not missed, nor read twice."""
    cfg = config(db_url, "complaints", COMPLAINTS_QUERY, "updated_at")
    f = follower(engine, cfg, crm, rejects_dir=tmp_path)
    assert f.step().events == 0 and f.position is None  # nothing there yet: asked again next time
    put(engine, TICKETS,
        ticket("T-1", "2026-03-02 09:00:05", kind="billing", level="I", opened="2026-03-02 09:00:00"),
        ticket("T-2", "2026-03-02 09:10:00", shop="SH", kind="delivery", level="iii",
               opened="2026-03-02T09:05:30"),
        ticket("T-3", "2026-03-02 09:10:00", kind="staff", level=None, opened="2026-03-02 09:08:00+08:00"))
    batch = f.step()
    assert (batch.events, batch.rejected, batch.more) == (3, [], False)
    assert complaints(engine) == [
        ("T-1", "BJ", "billing", "I", utc("2026-03-02 01:00:00"), None),
        ("T-2", "SH", "delivery", "III", utc("2026-03-02 01:05:30"), None),
        ("T-3", "BJ", "staff", None, utc("2026-03-02 01:08:00"), None)]
    assert f.position["since"].startswith("2026-03-02") and f.position["n"] == 2  # T-2 and T-3 share 09:10:00
    assert batch.last_event_at == utc("2026-03-02 01:10:00+00:00")

    assert f.step().events == 0  # read again at 09:10:00: both skipped, nothing written twice

    # (b) T-2 closed: its watermark grows; T-4 committed later with the watermark just read (09:20:00)
    closed = datetime(2026, 3, 2, 9, 20)
    change(engine, TICKETS, "ticket_no", "T-2", done=closed, updated_at=closed)
    assert f.step().events == 1
    put(engine, TICKETS, ticket("T-4", "2026-03-02 09:20:00", kind="refund", opened="2026-03-02 09:15:00"))
    assert f.step().events == 1  # the late row of the same second: read, and T-2 not again
    change(engine, TICKETS, "ticket_no", "T-4", level="V")  # changed in the same second: watermark unchanged
    assert f.step().events == 1
    assert f.step().events == 0
    assert complaints(engine) == [
        ("T-1", "BJ", "billing", "I", utc("2026-03-02 01:00:00"), None),
        ("T-2", "SH", "delivery", "III", utc("2026-03-02 01:05:30"), utc("2026-03-02 01:20:00")),
        ("T-3", "BJ", "staff", None, utc("2026-03-02 01:08:00"), None),
        ("T-4", "BJ", "refund", "V", utc("2026-03-02 01:15:00"), None)]
    assert f.status.rows == 3 + 1 + 1 + 1 and f.status.rejected == 0 and f.status.caught_up


def test_sql002_bad_rows_rejected_the_rest_goes_on(engine, db_url, crm, tmp_path):
    """(c) an unparseable time, an empty required column, an unknown severity: rejected with their reasons,
    counted, written to the reject file; the rows around them are read."""
    cfg = config(db_url, "complaints", COMPLAINTS_QUERY, "updated_at")
    f = follower(engine, cfg, crm, rejects_dir=tmp_path)
    put(engine, TICKETS,
        ticket("T-1", "2026-03-02 10:00:00"),
        ticket("T-2", "2026-03-02 10:00:01", opened="yesterday"),
        ticket("T-3", "2026-03-02 10:00:02", shop=""),
        ticket("T-4", "2026-03-02 10:00:03", level="VI"),
        ticket("T-5", "2026-03-02 10:00:04", opened=""),
        ticket("T-6", "2026-03-02 10:00:05"))
    batch = f.step()
    assert batch.events == 2 and [r[0] for r in complaints(engine)] == ["T-1", "T-6"]
    reasons = {where.split("complaint_id ")[1]: reason for where, _raw, reason in batch.rejected}
    assert reasons == {"T-2": "received_at: not an ISO 8601 time: 'yesterday'", "T-3": "site is empty",
                       "T-4": "severity: expected I, II, III, IV or V, got 'VI'", "T-5": "received_at is empty"}
    raw = json.loads(batch.rejected[0][1])
    assert raw["complaint_id"] == "T-2" and raw["received_at"] == "yesterday"
    assert f.status.rejected == 4 and position_row(engine).rejected == 4
    with open(tmp_path / "crm.csv", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["where", "reason", "raw"] and len(lines) == 5
    assert re.fullmatch(r"updated_at 2026-03-02[T ]10:00:01(\.0+)?, complaint_id T-2", lines[1][0]), lines[1][0]

    change(engine, TICKETS, "ticket_no", "T-2", opened="2026-03-02 09:59:00",
           updated_at=datetime(2026, 3, 2, 10, 1))  # corrected at the source: read again, now accepted
    assert f.step().events == 1 and len(complaints(engine)) == 3 and f.status.rejected == 4


def test_sql003_restart_resumes_at_its_position(engine, db_url, crm, tmp_path):
    """(d) a new follower (a restart) reads nothing again, and then only what is new."""
    cfg = config(db_url, "complaints", COMPLAINTS_QUERY, "updated_at")
    put(engine, TICKETS, *[ticket(f"T-{i}", f"2026-03-02 11:{i:02d}:00") for i in range(1, 8)],
        ticket("T-8", "2026-03-02 11:07:00"))
    f = follower(engine, cfg, crm, batch_events=3)
    f.catch_up()
    assert f.status.events == 8 and len(complaints(engine)) == 8
    saved = position_row(engine)
    assert (saved.events, saved.rows_written, saved.rejected) == (8, 8, 0)
    assert saved.checkpoint is None  # the position is the whole memory
    position = json.loads(saved.position)
    assert position["since"].startswith("2026-03-02") and "11:07:00" in position["since"] and position["n"] == 2

    f = follower(engine, cfg, crm, batch_events=3)  # restarted
    batch = f.step()
    assert batch.events == 0 and position_row(engine).events == 8
    put(engine, TICKETS, ticket("T-9", "2026-03-02 11:07:00"), ticket("T-10", "2026-03-02 11:30:00"))
    f = follower(engine, cfg, crm, batch_events=3)  # restarted again, with new rows (one of the last second)
    assert f.step().events == 2
    assert position_row(engine).events == 10 and len(complaints(engine)) == 10
    assert json.loads(position_row(engine).position)["n"] == 1


@pytest.mark.parametrize("seen_max", [4000, 4])
def test_sql004_a_tie_longer_than_a_batch(engine, db_url, crm, monkeypatch, seen_max):
    """Many rows of one watermark value, read 3 at a time: each once. With fewer digests kept in the position
    than the tie has (seen_max 4), the follower running reads each once too, and a restart in the middle reads
    some again (upserted: no row twice) but misses none."""
    monkeypatch.setattr(sql_follow, "SEEN_MAX", seen_max)
    cfg = config(db_url, "complaints", COMPLAINTS_QUERY.replace(">", ">="), "updated_at")
    put(engine, TICKETS, *[ticket(f"T-{i:02d}", "2026-03-02 12:00:00") for i in range(10)],
        *[ticket(f"U-{i}", f"2026-03-02 12:00:0{i + 1}") for i in range(3)])
    f = follower(engine, cfg, crm, batch_events=3)
    f.catch_up()
    assert f.status.events == 13 and len(complaints(engine)) == 13

    put(engine, TICKETS, *[ticket(f"V-{i:02d}", "2026-03-02 12:30:00") for i in range(9)])
    f = follower(engine, cfg, crm, batch_events=3)
    f.step()
    f.step()  # 6 of the 9 read
    f = follower(engine, cfg, crm, batch_events=3)
    f.catch_up()
    assert len(complaints(engine)) == 22
    read = position_row(engine).events - 13
    assert read == 9 if seen_max > 9 else read >= 9
    assert position_row(engine).rows_written == 22


def test_sql005_surveys_by_a_version_number(engine, db_url, crm):
    """A number as the watermark (found by the first read), `>=` in the query, whole-number scores."""
    query = ("SELECT CAST(id AS CHAR(12)) AS survey_id, branch AS site, agent AS agent_id, stars AS score, "
             "sent AS submitted_at, version FROM crm_feedback WHERE version >= :since")
    if db_url.startswith("postgresql"):
        query = query.replace("CHAR(12)", "VARCHAR(12)")
    cfg = config(db_url, "surveys", query, "version")
    put(engine, FEEDBACK,
        {"id": 1, "branch": "BJ", "agent": "A1", "stars": 5, "sent": datetime(2026, 3, 2, 9, 30), "version": 7},
        {"id": 2, "branch": "SH", "agent": "A2", "stars": 7, "sent": datetime(2026, 3, 2, 9, 31), "version": 8},
        {"id": 3, "branch": "SH", "agent": None, "stars": 3, "sent": datetime(2026, 3, 2, 9, 32), "version": 9})
    f = follower(engine, cfg, crm)
    batch = f.step()
    assert batch.events == 2 and [r[2] for r in batch.rejected] == ["score: must be 1..5, got 7"]
    assert f.position["since"] == 9 and f.position["type"] == "int"
    change(engine, FEEDBACK, "id", 2, stars=4, version=10)
    assert f.step().events == 1
    s = schema.surveys.c
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(s.survey_id, s.site, s.agent_id, s.score, s.submitted_at)
                                               .order_by(s.survey_id))]
    assert rows == [("1", "BJ", "A1", 5, utc("2026-03-02 01:30:00")), ("2", "SH", "A2", 4, utc("2026-03-02 01:31:00")),
                    ("3", "SH", None, 3, utc("2026-03-02 01:32:00"))]


def test_sql006_agent_states_with_the_sources_site(engine, db_url, crm):
    """Agent states without a site column: the source's `site`; agents' names kept in `agents`."""
    query = ("SELECT login AS agent_id, full_name AS agent_name, status AS state, since_time AS started_at "
             "FROM crm_presence WHERE since_time > :since")
    cfg = config(db_url, "agent-states", query, "started_at", extra='site = "SH"\ntimezone = "UTC"\n')
    put(engine, PRESENCE,
        {"seq": 1, "login": "A1", "full_name": "Li Na", "status": "available", "since_time": datetime(2026, 3, 2, 9)},
        {"seq": 2, "login": "A1", "full_name": "Li Na", "status": "On_Call", "since_time": datetime(2026, 3, 2, 9, 5)},
        {"seq": 3, "login": "A2", "full_name": "Wang Wei", "status": "away?",
         "since_time": datetime(2026, 3, 2, 9, 5)})
    f = follower(engine, cfg, crm)
    batch = f.step()
    assert batch.events == 2 and len(batch.rejected) == 1 and batch.rejected[0][2].startswith("state: 'away?'")
    assert batch.rejected[0][0].endswith("09:05:00, agent_id A2") or ".000000, agent_id A2" in batch.rejected[0][0]
    a, g = schema.agent_states.c, schema.agents.c
    with engine.connect() as conn:
        states = [tuple(r) for r in conn.execute(select(a.agent_id, a.site, a.state, a.started_at)
                                                 .order_by(a.started_at))]
        agents = [tuple(r) for r in conn.execute(select(g.agent_id, g.agent_name, g.site))]
    assert states == [("A1", "SH", "available", utc("2026-03-02 09:00:00")),
                      ("A1", "SH", "on_call", utc("2026-03-02 09:05:00"))]
    assert agents == [("A1", "Li Na", "SH")]


def test_sql007_a_query_without_a_required_column_is_an_error_not_rejects(engine, db_url, crm):
    cfg = config(db_url, "complaints", "SELECT ticket_no AS complaint_id, opened AS received_at, updated_at "
                 "FROM crm_tickets WHERE updated_at >= :since", "updated_at")
    put(engine, TICKETS, ticket("T-1", "2026-03-02 10:00:00"))
    f = follower(engine, cfg, crm)
    with pytest.raises(ValueError, match="gives no site column"):
        f.step()
    with engine.begin() as conn:
        conn.execute(delete(TICKETS))


def test_sql008_inclusive_comparison():
    assert inclusive("SELECT * FROM t WHERE u > :since;") == "SELECT * FROM t WHERE u >= :since"
    assert inclusive("SELECT * FROM t WHERE :since < u AND v >= :since") == \
        "SELECT * FROM t WHERE :since <= u AND v >= :since"
    assert inclusive("SELECT * FROM t WHERE u >= :since OR u <> :since_x") == \
        "SELECT * FROM t WHERE u >= :since OR u <> :since_x"
