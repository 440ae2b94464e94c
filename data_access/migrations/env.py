"""Alembic's environment for the canonical tables: run by `wallboard db upgrade` / `init-db` (data_access/migrate.py),
always on the connection that command opened, never from an alembic.ini."""

from alembic import context

from wallboard.data_access.migrate import VERSION_TABLE
from wallboard.data_access.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying them
with context.begin_transaction():
    context.run_migrations()
