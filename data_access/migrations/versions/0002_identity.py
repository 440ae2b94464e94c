"""The database's identity: one random token, so that history aggregates kept in the app database belong to it.

Aggregates are keyed by the calls database they sum (CONTRACT: `kpi --db A` never uses those of another database
B). A URL is not an identity: a demo file re-created at the same path is another database. Re-runnable (MariaDB
commits DDL as it goes): the table is created if missing and the token written if none is there.

Revision ID: 0002
Revises: 0001
"""

import uuid

from alembic import op
from sqlalchemy import Column, MetaData, String, Table, insert, select

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

metadata = MetaData()
identity = Table("wallboard_identity", metadata, Column("token", String(32), primary_key=True),
                 mysql_charset="utf8mb4", mariadb_charset="utf8mb4")


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, checkfirst=True)
    if bind.execute(select(identity.c.token)).first() is None:
        bind.execute(insert(identity).values(token=uuid.uuid4().hex))


def downgrade() -> None:
    op.drop_table("wallboard_identity")
