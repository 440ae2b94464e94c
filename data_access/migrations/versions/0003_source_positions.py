"""Live sources: where each follower stands (`wallboard_source_positions`), in the database it writes to.

Re-runnable (MariaDB commits DDL as it goes): the table is created if missing.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
metadata = MetaData()
Table("wallboard_source_positions", metadata,
      Column("source", String(64), primary_key=True),
      Column("position", Text, nullable=False),
      Column("checkpoint_position", Text),
      Column("checkpoint", LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")),
      Column("checkpoint_events", BigInteger),
      Column("events", BigInteger, nullable=False, default=0),
      Column("rows_written", BigInteger, nullable=False, default=0),
      Column("rejected", BigInteger, nullable=False, default=0),
      Column("last_event_at", Timestamp),
      Column("updated_at", Timestamp, nullable=False),
      mysql_charset="utf8mb4", mariadb_charset="utf8mb4")


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    op.drop_table("wallboard_source_positions")
