"""Release 0.1's canonical tables (commit dfb7ed1, the first release), as that release created them.

The baseline of every later migration. A database made by release 0.1's `init-db` has
these tables and no version table: this revision creates only what is missing
(`checkfirst`) and so adopts it, keeping every row; an empty database gets them all.
The definitions are frozen here on purpose: later changes to schema.py are later
revisions, never edits of this one.

Revision ID: 0001
Revises:
"""

from alembic import op
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

metadata = MetaData()

# Millisecond precision on MySQL/MariaDB (whose DATETIME otherwise drops fractions);
# importers truncate to the millisecond so that every backend stores the same value.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")


def Key(length: int) -> String:  # noqa: N802 - a column type, named like one
    """An identifier column: case-sensitive everywhere (MariaDB's default collation is not)."""
    return String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


MYSQL = {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"}

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


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("release 0.1 is the first schema: there is nothing to go back to")
