"""The app tables added after release 0.1: login sessions, leases, alerts and the history aggregates.

Tables only (nothing of release 0.1 changes), created where missing, so the revision is re-runnable (MariaDB
commits DDL as it goes) and adopts the tables a development build made before migrations. Frozen on purpose.

Revision ID: a002
Revises: a001
"""

from alembic import op
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

revision = "a002"
down_revision = "a001"
branch_labels = None
depends_on = None

metadata = MetaData()
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
MYSQL = {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"}


def Key(length: int) -> String:  # noqa: N802 - a column type, named like one
    return String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


Table("wallboard_user_sessions", metadata,
      Column("name", String(64), primary_key=True),
      Column("epoch", String(32), nullable=False))

Table("wallboard_leases", metadata,
      Column("name", String(64), primary_key=True),
      Column("holder", String(64), nullable=False),
      Column("expires_at", Timestamp, nullable=False))

Table("wallboard_alerts", metadata,
      Column("id", Integer, primary_key=True, autoincrement=True),
      Column("rule_key", String(200), nullable=False, index=True),
      Column("subject", String(160)),
      Column("tile", String(40), nullable=False),
      Column("scope", String(160), nullable=False),
      Column("site", String(64)),
      Column("level", String(8), nullable=False),
      Column("since", Timestamp, nullable=False),
      Column("opened_at", Timestamp, nullable=False),
      Column("closed_at", Timestamp, index=True),
      Column("value", Float),
      Column("threshold", Float),
      Column("detail", Text),
      Column("notified", Boolean, nullable=False, default=False),
      Column("acked_by", String(64)),
      Column("acked_at", Timestamp))

Table("wallboard_alert_conditions", metadata,
      Column("rule_key", String(200), primary_key=True),
      Column("since", Timestamp),
      Column("firing", Boolean, nullable=False, default=False),
      Column("clear_since", Timestamp),
      Column("reminded_at", Timestamp),
      Column("alert_id", Integer))

Table("wallboard_alert_outbox", metadata,
      Column("id", Integer, primary_key=True, autoincrement=True),
      Column("alert_id", Integer, index=True),
      Column("kind", String(16), nullable=False),
      Column("channel", String(64), nullable=False),
      Column("url_index", Integer, nullable=False),
      Column("title", Text, nullable=False),
      Column("body", Text, nullable=False),
      Column("created_at", Timestamp, nullable=False),
      Column("next_attempt_at", Timestamp, nullable=False, index=True),
      Column("attempts", Integer, nullable=False, default=0),
      Column("claimed_until", Timestamp),
      Column("sent_at", Timestamp),
      Column("failed_at", Timestamp),
      Column("last_error", Text))

CALL_MEASURES = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_threshold",
                 "abandoned_within_threshold", "answered_wait_sum", "max_wait", "ended_answered", "talk_sum",
                 "handle_sum", "transferred", "ivr_only", "flagged")
SURVEY_MEASURES = ("surveys", "score_sum", "top2")
DIMENSIONS = ("source", "settings", "bin", "site", "skill_group", "agent_id")


def measures(names: tuple[str, ...]) -> list[Column]:
    return [Column(name, Double if name.endswith(("_sum", "max_wait")) else Integer, nullable=name == "max_wait")
            for name in names]


def dimensions() -> list[Column]:
    return [Column("source", String(32), nullable=False), Column("settings", String(16), nullable=False),
            Column("bin", BigInteger, nullable=False), Column("site", Key(32), nullable=False),
            Column("skill_group", Key(64), nullable=False), Column("agent_id", Key(64), nullable=False)]


def rollup(name: str, names: tuple[str, ...]) -> None:
    Table(name, metadata,
          Column("source", String(32), nullable=False), Column("settings", String(16), nullable=False),
          Column("grain", String(48), nullable=False), Column("start_bin", BigInteger, nullable=False),
          Column("site", Key(32), nullable=False), Column("skill_group", Key(64), nullable=False),
          *measures(names),
          PrimaryKeyConstraint("source", "settings", "grain", "start_bin", "site", "skill_group"), **MYSQL)


Table("wallboard_call_intervals", metadata, *dimensions(), *measures(CALL_MEASURES),
      PrimaryKeyConstraint(*DIMENSIONS), **MYSQL)
Table("wallboard_survey_intervals", metadata, *dimensions(), *measures(SURVEY_MEASURES),
      PrimaryKeyConstraint(*DIMENSIONS), **MYSQL)
Table("wallboard_state_intervals", metadata, *dimensions(),
      Column("state", String(16), nullable=False), Column("reason", String(64), nullable=False),
      Column("seconds", Double, nullable=False),
      PrimaryKeyConstraint(*DIMENSIONS, "state", "reason"), **MYSQL)
rollup("wallboard_call_rollups", CALL_MEASURES)
rollup("wallboard_survey_rollups", SURVEY_MEASURES)
Table("wallboard_interval_coverage", metadata,
      Column("source", String(32), nullable=False), Column("settings", String(16), nullable=False),
      Column("first_bin", BigInteger, nullable=False), Column("end_bin", BigInteger, nullable=False),
      Column("built_at", Timestamp, nullable=False),
      PrimaryKeyConstraint("source", "settings"))


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for name in reversed([t.name for t in metadata.sorted_tables]):
        op.drop_table(name)
