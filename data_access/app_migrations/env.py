"""Alembic's environment for the app's own tables (users, kiosks, leases, alerts, history aggregates): run by
`ensure_app_schema` (data_access/migrate.py) on the connection it opened, never from an alembic.ini."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  version_table=context.config.attributes["version_table"],
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying them
with context.begin_transaction():
    context.run_migrations()
