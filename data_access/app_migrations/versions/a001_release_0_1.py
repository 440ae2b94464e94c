"""Release 0.1's app tables (commit dfb7ed1): users, kiosks and settings, as that release created them.

The baseline of the app database's migrations. A database made by release 0.1 has these tables and no version
table: this revision creates only what is missing (`checkfirst`) and so adopts it, keeping every row. Frozen on
purpose: later changes are later revisions.

Revision ID: a001
Revises:
"""

from alembic import op
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

revision = "a001"
down_revision = None
branch_labels = None
depends_on = None

metadata = MetaData()

Table(
    "wallboard_users", metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("sites", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)
Table(
    "wallboard_kiosks", metadata,
    Column("name", String(64), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("sites", Text, nullable=False, default=""),
    Column("pages", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)
Table(
    "wallboard_settings", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("release 0.1 is the first schema: there is nothing to go back to")
