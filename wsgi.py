"""WSGI entry point for production servers: `gunicorn -w 4 -b 0.0.0.0:8050 wallboard.wsgi:server`.

Configured entirely from the environment (WALLBOARD_CALLS_DB, WALLBOARD_TICKETS_DB,
WALLBOARD_REDIS_URL, WALLBOARD_CONFIG, …).  With WALLBOARD_REDIS_URL every worker shares
one snapshot and only one of them polls the databases.
"""

from wallboard.app import create_app, tune_gc
from wallboard.config import load_config

app = create_app(load_config())
server = app.server
tune_gc()
