"""A kiosk may carry a wall layout (`wallboard kiosk add … --layout NAME`, CONTRACT section 9).

Adds the nullable column `wallboard_kiosks.layout`; existing kiosks keep none (the wall's default). Re-runnable: the
column is added only where it is missing (MariaDB commits DDL as it goes). Frozen on purpose.

Revision ID: a003
Revises: a002
"""

import sqlalchemy as sa
from alembic import op

revision = "a003"
down_revision = "a002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("wallboard_kiosks")}
    if "layout" not in columns:
        with op.batch_alter_table("wallboard_kiosks") as batch:
            batch.add_column(sa.Column("layout", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("wallboard_kiosks") as batch:
        batch.drop_column("layout")
