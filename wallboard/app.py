"""The app factory: `create_app(config)` builds the Dash app; `server` is its Flask app.

For a WSGI server (gunicorn), `wallboard.wsgi:server` builds the app from the environment.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dash
from flask_caching import Cache

from wallboard.auth import init_auth
from wallboard.config import Config
from wallboard.data_access.accounts import default_app_db_url
from wallboard.data_access.data_quality import live_snapshot
from wallboard.data_access.engines import DatabaseUnreachable, check_tables, make_engine
from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES
from wallboard.data_access.snapshot import Poller
from wallboard.i18n import t
from wallboard.services import EXTENSION, Services

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def create_app(config: Config, demo: bool = False, start_poller: bool = True) -> dash.Dash:
    """A ready app, poller started; a bad URL or a missing table is a one-line DatabaseError.

    An unreachable database does not stop the start: the wall says it has no data and
    why (/healthz, /data-quality), and the poller connects as soon as it can.
    """
    calls_url = config.calls_db
    tickets_url = config.tickets_db or calls_url
    calls_engine = make_engine(calls_url)
    tickets_engine = calls_engine if tickets_url == calls_url else make_engine(tickets_url)
    for engine, tables, url in ((calls_engine, CALLS_TABLES, calls_url), (tickets_engine, TICKETS_TABLES, tickets_url)):
        try:
            check_tables(engine, tables, url)
        except DatabaseUnreachable as e:
            log.warning("%s; starting anyway, the poller retries every poll", e)

    app = dash.Dash(
        "wallboard",
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title=t("app.title", config.language),
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    server = app.server
    cache_config, lease, note = _shared_cache(config)
    cache = Cache(server, config=cache_config)
    if lease is not None:  # Redis: fall back to a per-process cache whenever it stops answering
        import redis

        from wallboard.data_access.cache_fallback import FallbackCache

        cache = FallbackCache(cache, errors=(redis.RedisError, OSError), note=note)
    memo: dict = {}  # slow-moving parts of the snapshot, kept between polls by this process
    poller = Poller(cache, lambda: live_snapshot(calls_engine, tickets_engine, config, memo),
                    config.poll_seconds, lease=lease)
    server.extensions[EXTENSION] = Services(config=config, calls_engine=calls_engine, tickets_engine=tickets_engine,
                                            cache=cache, poller=poller, demo=demo)
    if start_poller:
        poller.poll_once()
        poller.start()

    server.add_url_rule("/healthz", "healthz", _health)
    server.register_error_handler(Exception, _callback_error)
    init_auth(server, make_engine(config.app_db or default_app_db_url()), config.secret_key, demo=demo,
              csp_hashes=app.csp_hashes)

    from wallboard.shell import create_shell

    app.layout = create_shell(default_lang=config.language, poll_seconds=config.poll_seconds,
                              reload_at=config.reload_at)
    return app


MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _callback_error(error: Exception):
    """A callback request whose values do not have the shape its page sends (hand-made, or from an old tab):
    400, logged with its traceback; anything else stays a 500. HTTP errors (403, 404) pass through."""
    from flask import Response, request
    from werkzeug.exceptions import HTTPException

    if isinstance(error, HTTPException):
        return error
    if request.path == "/_dash-update-component" and isinstance(error, MALFORMED):
        log.warning("malformed callback request refused: %r", error, exc_info=error)
        return Response('{"error": "malformed callback request"}', status=400, mimetype="application/json")
    log.exception("unhandled error on %s", request.path, exc_info=error)
    return Response("Internal Server Error", status=500, mimetype="text/plain")


def _health():
    """For load balancers and monitoring: database reachability and the snapshot's age (503 when stale)."""
    from datetime import UTC, datetime

    from flask import jsonify
    from sqlalchemy import text

    from wallboard.services import services

    svc = services()
    databases = {}
    for name, engine in (("calls", svc.calls_engine), ("tickets", svc.tickets_engine)):
        if name == "tickets" and engine is svc.calls_engine:
            databases[name] = databases["calls"]  # one database in both roles: checked once
            continue
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            databases[name] = "ok"
        except Exception as e:  # reported, never raised: this endpoint must answer
            databases[name] = " ".join(str(getattr(e, "orig", None) or e).split())[:200]
    snapshot = svc.snapshot()
    age = None
    if snapshot:
        age = (datetime.now(UTC) - datetime.fromisoformat(snapshot["computed_at"])).total_seconds()
    fresh = age is not None and age <= 2 * svc.config.poll_seconds
    status = svc.poll_status()
    from wallboard.data_access.engines import statements_executed

    body = {"status": "ok" if fresh else "stale", "snapshot_age_seconds": age, "databases": databases,
            "cache": type(svc.cache.cache).__name__,
            "cache_note": getattr(svc.cache, "config", {}).get("WALLBOARD_CACHE_NOTE"),
            "last_poll_error": status.get("last_error"), "snapshot_compute_seconds": status.get("compute_seconds"),
            "polls_total": status.get("polls_total"), "poller_statements_total": status.get("statements_total"),
            "process_statements": statements_executed(), "pid": os.getpid(),
            "poller_pid": (snapshot or {}).get("poller_pid"),
            "replica_lag_seconds": (snapshot or {}).get("replica_lag_seconds")}
    return jsonify(body), 200 if fresh else 503


def _shared_cache(config: Config) -> tuple[dict, object | None, str | None]:
    """Redis (one poller for all workers, via a lease) when configured, else in-process.

    Redis being down at start is not fatal: the caller's FallbackCache uses a per-process
    cache until it answers (the returned note says why).
    """
    local = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 0, "CACHE_THRESHOLD": 10_000}
    if not config.redis_url:
        return local, None, None
    import redis

    from wallboard.data_access.snapshot import RedisLease

    try:
        client = redis.Redis.from_url(config.redis_url, socket_connect_timeout=2, socket_timeout=2)
    except ValueError as e:
        log.warning("Redis URL %s unusable (%s): using a per-process cache", config.redis_url, e)
        return {**local, "WALLBOARD_CACHE_NOTE": f"Redis URL unusable: {e}"}, None, None
    note = None
    try:
        client.ping()
    except redis.RedisError as e:
        log.warning("Redis %s unreachable (%s): per-process cache until it answers", config.redis_url, e)
        note = str(e)
    lease = RedisLease(client, Poller.LEASE_KEY, ttl_seconds=max(15.0, 3 * config.poll_seconds))
    options = {"socket_timeout": 2, "socket_connect_timeout": 2}
    return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config.redis_url, "CACHE_DEFAULT_TIMEOUT": 0,
            "CACHE_KEY_PREFIX": "", "CACHE_OPTIONS": options}, lease, note  # keys are already "wallboard:…"
