"""The app factory: `create_app(config)` builds the Dash app; `server` is its Flask app.

Three ways in, one module (`wallboard.app`):
* `python app.py [serve options]` from the repository root is `wallboard serve`;
* `gunicorn app:server` from the root and `gunicorn wallboard.wsgi:server` from anywhere
  build the app from the environment (WALLBOARD_CALLS_DB, WALLBOARD_CONFIG, …).
Loaded as the bare module `app` (the root on sys.path), this file hands over to
`wallboard.app` instead of becoming a second copy of it (docs/architecture.md).
"""

import sys

if __name__ == "app":  # `gunicorn app:server` from the root: the installed package's module, not a copy
    import importlib

    sys.modules[__name__] = importlib.import_module("wallboard.app")

import gc
import logging
import os
from pathlib import Path

import dash
from flask_caching import Cache

from wallboard.alerts.store import init_alert_tables
from wallboard.alerts.worker import AlertWorker
from wallboard.auth.accounts import default_app_db_url
from wallboard.auth.web import current_principal, init_auth
from wallboard.config import Config
from wallboard.data_access.engines import DatabaseUnreachable, check_tables, make_engine
from wallboard.data_access.leases import DatabaseLease
from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES
from wallboard.data_access.sources import Sources
from wallboard.i18n import t
from wallboard.live.feed import QueueFeed
from wallboard.live.history import HistoryKeeper
from wallboard.live.poller import Poller
from wallboard.live.reader import SnapshotReader
from wallboard.live.services import EXTENSION, Services
from wallboard.live.snapshot import live_queues, live_snapshot
from wallboard.live.warm import WARM_EVERY, Warmer
from wallboard.reports.first_views import first_views
from wallboard.urls import QUEUE_STREAM_PATH, WALL_PATH

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> None:
    """Fewer, shorter pauses of the cycle collector. With the defaults (700, 10, 10) a process that holds a 600-site
    snapshot and serves 100 callbacks a second ran a full collection every 2-3 s, each stopping every thread for
    100-400 ms (bench/many_screens_bench.py): the tail of the callbacks' latency. The snapshot, the answers and the
    pages are trees freed by reference counting; cycles are rare, so a young generation of 50,000 (a few ms to
    scan) and full collections 250 times rarer keep memory flat (the soak bench) without the pauses."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()  # what the start built (modules, config, layouts) is never garbage: not scanned again


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

        from wallboard.live.cache_fallback import FallbackCache

        cache = FallbackCache(cache, errors=(redis.RedisError, OSError), note=note)
    memo: dict = {}  # slow-moving parts of the snapshot, kept between polls by this process
    app_engine = make_engine(config.app_db or default_app_db_url())
    sources = _history_sources(Sources(calls_engine, tickets_engine, config), app_engine)
    poller = Poller(cache, lambda: live_snapshot(sources, memo), config.poll_seconds, lease=lease,
                    queues=lambda: live_queues(sources), queue_interval=config.queue_seconds)
    init_alert_tables(app_engine)
    alert_worker = AlertWorker(app_engine, config, lambda: SnapshotReader(cache, config.poll_seconds)) \
        if config.alerts.rules else None
    feed = QueueFeed(cache, spread=config.queue_seconds) if poller.queues is not None else None
    server.extensions[EXTENSION] = Services(sources=sources, cache=cache, poller=poller, demo=demo,
                                            app_db=app_engine, alert_board=alert_worker, feed=feed)
    if start_poller:
        poller.poll_once()
        poller.start()
        if feed is not None:
            feed.start()
        if alert_worker:
            alert_worker.start()
        if sources.intervals is not None:
            HistoryKeeper(sources, app_engine, cache).start()
        # one warmer of all processes when they share Redis, one per process with its own cache
        warm_lease = DatabaseLease(app_engine, "warm", ttl_seconds=3 * WARM_EVERY) if lease is not None else None
        Warmer(cache, lambda: first_views(sources), lease=warm_lease).start()
        if config.sources:
            _start_followers(config, calls_engine, tickets_engine, app_engine, cache)

    server.add_url_rule("/healthz", "healthz", health_view)
    server.add_url_rule(QUEUE_STREAM_PATH, "queue-stream", queue_stream_view)
    server.register_error_handler(Exception, _callback_error)
    init_auth(server, app_engine, config.secret_key, demo=demo,
              csp_hashes=app.csp_hashes, callback_map=lambda: app.callback_map,
              redis_client=getattr(lease, "client", None))
    _warn_of_kiosk_layouts(config, app_engine)

    from wallboard.shell import create_shell

    app.layout = create_shell(default_lang=config.language, poll_seconds=config.poll_seconds,
                              reload_at=config.reload_at)
    return app


def _warn_of_kiosk_layouts(config: Config, app_engine) -> None:
    """A wall screen given a layout the config no longer has shows "no layout named …" until it gets another kiosk:
    say so when the app starts, naming the screens, rather than only on the TV."""
    from wallboard.auth import accounts

    for kiosk in accounts.list_kiosks(app_engine):
        if kiosk.layout and kiosk.revoked_at is None and config.layout(kiosk.layout) is None:
            log.warning("kiosk %s shows layout %r, which %s does not define: add it back, or revoke the kiosk and "
                        "add it again with another --layout", kiosk.name, kiosk.layout, config.source)


def _history_sources(sources: Sources, app_engine) -> Sources:
    """The sources with their history aggregates, kept in the app database; without them when it cannot hold them
    now (the readers then use raw rows, and the next start tries again)."""
    try:
        return sources.with_history(app_engine)
    except Exception as e:  # an unreachable app or calls database must not stop the wall
        log.warning("history aggregates unavailable (%s); reading raw rows", " ".join(str(e).split())[:200])
        return sources


MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _callback_error(error: Exception):
    """What a hand-made request can cause is a 4xx with one log line, never a traceback: a callback request whose
    values do not have the shape its page sends (400), a file Dash does not serve (404). Anything else stays a
    500 with its traceback; HTTP errors (403, 404, 413) pass through."""
    from dash.exceptions import CallbackException, DependencyException
    from flask import Response, request
    from werkzeug.exceptions import HTTPException

    if isinstance(error, HTTPException):
        return error
    if request.path == "/_dash-update-component" and isinstance(error, (*MALFORMED, CallbackException)):
        log.warning("malformed callback request refused: %s: %s", type(error).__name__, str(error)[:200])
        return Response('{"error": "malformed callback request"}', status=400, mimetype="application/json")
    if request.path.startswith("/_dash-component-suites/") and isinstance(error, DependencyException | OSError):
        log.warning("not a served file: %s", request.path[:200])
        return Response("Not Found", status=404, mimetype="text/plain")
    log.exception("unhandled error on %s", request.path, exc_info=error)
    return Response("Internal Server Error", status=500, mimetype="text/plain")


def queue_stream_view():
    """A wall's calls waiting and longest wait as they are re-read (live/feed.py), for the scope the caller may
    see: the wall page open to it, and every site of the scope (403 otherwise, which a browser does not retry)."""
    from flask import Response, abort, request

    from wallboard.auth.web import require_page, wall_scope
    from wallboard.components.tile_values import QUEUE_TILES, queue_tile_updates
    from wallboard.live.services import services
    from wallboard.live.snapshot import scope_key

    svc = services()
    if svc.feed is None:
        abort(404)  # no re-read between polls: the wall's poll brings calls waiting
    require_page(WALL_PATH)
    args = request.args
    site, region, layout, lang = wall_scope(svc.config, args.get("site") or None, args.get("region") or None,
                                            args.get("lang"), args.get("layout") or None)
    if site and site not in svc.known_sites():
        abort(404)
    config = svc.config

    shown = config.layout(layout).tiles if layout else QUEUE_TILES

    def render(figures: dict) -> dict:
        return {"props": queue_tile_updates(figures, config, lang, shown),
                "meta": {"oldest_queued_at": figures.get("oldest_queued_at"), "lang": lang}}

    return Response(svc.feed.stream(scope_key(site, region, layout), lang, render), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _start_followers(config: Config, calls_engine, tickets_engine, app_engine, cache) -> None:
    """The live sources' followers (CONTRACT section 7): one of each source across all workers and hosts (a lease
    in the app database), their statuses in the cache for /data-quality and /healthz."""
    from dataclasses import asdict

    from wallboard.ingest.follow import LEASE_SECONDS, Follower, start_followers
    from wallboard.ingest.sources import reader_for, writes_tickets
    from wallboard.live.services import SOURCE_STATUS_KEY

    rejects = Path(os.environ.get("WALLBOARD_DATA_DIR", "data")).expanduser() / "rejected"
    followers = [Follower(s, reader_for(s, config), tickets_engine if writes_tickets(s) else calls_engine,
                          rejects_dir=rejects) for s in config.sources]
    leases = [DatabaseLease(app_engine, f"follow:{s.name}"[:64], ttl_seconds=LEASE_SECONDS) for s in config.sources]
    start_followers(followers, leases, lambda status: cache.set(SOURCE_STATUS_KEY + status.source, asdict(status),
                                                                timeout=0),
                    idle_seconds=min(0.25, config.queue_seconds / 2))


def health_view():
    """For load balancers and monitoring: the snapshot's age (503 when stale); database reachability, errors and
    poller details too for an admin, or when the app runs open."""

    from flask import jsonify
    from sqlalchemy import text

    from wallboard.live.services import services

    svc = services()
    databases = {}
    for name, engine in (("calls", svc.sources.calls), ("tickets", svc.sources.tickets)):
        if name == "tickets" and engine is svc.sources.calls:
            databases[name] = databases["calls"]  # one database in both roles: checked once
            continue
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            databases[name] = "ok"
        except Exception as e:  # reported, never raised: this endpoint must answer
            databases[name] = " ".join(str(getattr(e, "orig", None) or e).split())[:200]
    live = svc.reader()
    age, fresh = live.age_seconds(), not live.is_stale()
    status = svc.poll_status()
    from wallboard.data_access.engines import statements_executed

    body = {"status": "ok" if fresh else "stale", "snapshot_age_seconds": age, "databases": databases,
            "cache": type(svc.cache.cache).__name__,
            "cache_note": getattr(svc.cache, "config", {}).get("WALLBOARD_CACHE_NOTE"),
            "last_poll_error": status.get("last_error"), "snapshot_compute_seconds": status.get("compute_seconds"),
            "polls_total": status.get("polls_total"), "poller_statements_total": status.get("statements_total"),
            "process_statements": statements_executed(), "pid": os.getpid(),
            "poller_pid": live.get("poller_pid"), "replica_lag_seconds": live.get("replica_lag_seconds"),
            "sources": {s["source"]: {k: s.get(k) for k in ("caught_up", "lag_seconds", "last_event_at", "events",
                                                             "rejected", "last_error")}
                        for s in svc.source_statuses()}}
    who = current_principal()
    if who is None or not (who.open or who.role == "admin"):  # database errors name hosts and ports
        body = {k: body[k] for k in ("status", "snapshot_age_seconds")}
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

    from wallboard.live.poller import RedisLease

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


def __getattr__(name: str):
    """`server`, built from the environment on first use, so that importing this module starts nothing."""
    if name == "server":
        from wallboard.wsgi import server

        return server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # `python app.py`: the command line's `serve`, in the package's own modules
    from wallboard.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
