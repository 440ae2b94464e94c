"""The canonical tables (CONTRACT section 2) as SQLAlchemy Core metadata.

Timestamps are stored as naive UTC `DATETIME`s on every backend: the database never
converts time zones, the KPI engine does (see `sql_time`).  The calls database holds
`calls`, `agent_states`, `agents`; the tickets database `surveys` and `complaints`;
`init-db` creates all of them so that one database can serve both roles.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

# Millisecond precision on MySQL/MariaDB (whose DATETIME otherwise drops fractions);
# importers truncate to the millisecond so that every backend stores the same value.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")


def Key(length: int) -> String:  # noqa: N802 - a column type, named like one
    """An identifier column: case-sensitive everywhere (MariaDB's default collation is not)."""
    return String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


MYSQL = {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"}

# Data-quality flags on a call row (bit mask); the row is kept and the interval counts as 0.
FLAG_ANSWER_BEFORE_QUEUE = 1
FLAG_END_BEFORE_ANSWER = 2
FLAG_END_BEFORE_QUEUE = 4
FLAG_QUEUE_BEFORE_ARRIVAL = 8
FLAG_NEGATIVE_WRAP_UP = 16
FLAG_ENDED_BY_RESTART = 32  # the PBX started again (queue_log QUEUESTART) while the call waited or talked

calls = Table(
    "calls", metadata,
    Column("call_id", Key(64), primary_key=True),
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64)),
    Column("arrived_at", Timestamp, nullable=False),
    Column("queued_at", Timestamp),
    Column("answered_at", Timestamp),
    Column("ended_at", Timestamp),
    Column("agent_id", Key(64)),
    Column("wrap_up_seconds", Float),
    Column("transferred", SmallInteger, nullable=False, default=0),
    Column("direction", String(8), nullable=False, default="inbound"),
    Column("caller_id", String(64)),
    Column("category", String(64)),
    Column("quality_flags", SmallInteger, nullable=False, default=0),
    # a period's calls: queued in it, or (IVR-only: queued_at NULL) arrived in it — one range seek each
    Index("ix_calls_queued_arrived", "queued_at", "arrived_at"),
    Index("ix_calls_arrived", "arrived_at"),
    Index("ix_calls_site_group_queued", "site", "skill_group", "queued_at"),
    # the live queue: calls not ended (ended_at NULL), by queue entry
    Index("ix_calls_ended_queued", "ended_at", "queued_at"),
    Index("ix_calls_agent_queued", "agent_id", "queued_at"),
    **MYSQL,
)

agent_states = Table(
    "agent_states", metadata,
    Column("agent_id", Key(64), primary_key=True),
    Column("started_at", Timestamp, primary_key=True),
    Column("site", Key(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(64)),
    # latest state per agent = the primary key (agent_id, started_at); recent changes:
    Index("ix_agent_states_started", "started_at"),
    **MYSQL,
)

agents = Table(
    "agents", metadata,
    Column("agent_id", Key(64), primary_key=True),
    Column("agent_name", String(128)),
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64)),
    **MYSQL,
)

surveys = Table(
    "surveys", metadata,
    Column("survey_id", Key(64), primary_key=True),
    Column("call_id", Key(64)),
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64)),
    Column("agent_id", Key(64)),
    Column("submitted_at", Timestamp, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("survey_type", String(32)),
    Column("comment", Text),
    Index("ix_surveys_submitted", "submitted_at"),
    Index("ix_surveys_site_submitted", "site", "submitted_at"),
    **MYSQL,
)

COMPLAINT_TIMES = ("received_at", "handed_over_at", "registered_at", "first_contact_at", "refund_requested_at",
                   "refund_completed_at", "closed_at", "archived_at")

complaints = Table(
    "complaints", metadata,
    Column("complaint_id", Key(64), primary_key=True),
    Column("site", Key(32), nullable=False),
    Column("category", String(64)),
    Column("severity", String(3)),
    Column("channel", String(32)),
    *[Column(name, Timestamp, nullable=name != "received_at") for name in COMPLAINT_TIMES],
    Column("owner", String(64)),
    # open complaints: not archived (NULL first in the index on every backend)
    Index("ix_complaints_archived", "archived_at"),
    Index("ix_complaints_site_received", "site", "received_at"),
    **MYSQL,
)

import_runs = Table(
    "import_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("file", String(512), nullable=False),
    Column("finished_at", Timestamp, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    **MYSQL,
)

# One row: this database's identity, so that history aggregates kept elsewhere (the app database) belong to it and
# to no other database reached by the same URL later (a re-created demo file). Revision 0002.
identity = Table(
    "wallboard_identity", metadata,
    Column("token", String(32), primary_key=True),
    **MYSQL,
)

# Where each live source's follower stands (ingest/follow.py), in the database it writes to, changed in the same
# transaction as the rows it wrote: a restart resumes with nothing twice and nothing lost. `checkpoint` is the
# reader's memory (zlib-compressed JSON: the queue_log parser's open calls and agents) at `checkpoint_position`,
# taken every minute; a restart replays from there. Revision 0003.
source_positions = Table(
    "wallboard_source_positions", metadata,
    Column("source", String(64), primary_key=True),
    Column("position", Text, nullable=False),  # JSON: where the next read starts
    Column("checkpoint_position", Text),
    Column("checkpoint", LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")),
    Column("checkpoint_events", BigInteger),  # `events` when the checkpoint was taken
    Column("events", BigInteger, nullable=False, default=0),
    Column("rows_written", BigInteger, nullable=False, default=0),
    Column("rejected", BigInteger, nullable=False, default=0),
    Column("last_event_at", Timestamp),  # the newest event's own time (UTC)
    Column("updated_at", Timestamp, nullable=False),
    **MYSQL,
)

CALLS_TABLES = (calls, agent_states, agents)
TICKETS_TABLES = (surveys, complaints)
