"""The `wallboard` command (CONTRACT section 1).

Every failure the user can fix (bad argument, file, URL, config, unreachable database)
ends with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from wallboard.config import Config, ConfigError, load_config
from wallboard.exports import csv_cell, csv_row

EXIT_BAD_INPUT = 2


class UsageError(ValueError):
    """A problem the user can fix; printed as one line, exit 2."""


def _add_db(p: argparse.ArgumentParser, tickets: bool = True) -> None:
    p.add_argument("--db", required=True, metavar="URL", help="SQLAlchemy URL of the calls database")
    if tickets:
        p.add_argument("--tickets-db", metavar="URL", help="tickets database (surveys, complaints); default --db")
    p.add_argument("--config", metavar="FILE", help="wallboard.toml (default: $WALLBOARD_CONFIG)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wallboard", description="Contact-centre operations wallboard.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="simulated centre on an embedded database, served on 127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--data-dir", default="data/demo", metavar="DIR", help="where the demo database lives")
    p.add_argument("--history-days", type=float, default=56, help="days of history to back-fill (default 8 weeks)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--poll-seconds", type=float)
    _add_sites(p)

    p = sub.add_parser("serve", help="serve the app against existing databases")
    p.add_argument("--calls-db", metavar="URL", help="default: $WALLBOARD_CALLS_DB")
    p.add_argument("--tickets-db", metavar="URL", help="default: $WALLBOARD_TICKETS_DB, else the calls database")
    p.add_argument("--app-db", metavar="URL", help="the app's own database (users, kiosks); default $WALLBOARD_APP_DB")
    p.add_argument("--config", metavar="FILE")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--poll-seconds", type=float)

    p = sub.add_parser("init-db", help="create the canonical tables (idempotent; upgrades an existing database)")
    p.add_argument("--db", required=True, metavar="URL")
    p.add_argument("--config", metavar="FILE", help="wallboard.toml (default: $WALLBOARD_CONFIG)")
    _add_app_db(p)

    p = sub.add_parser("db", help="the canonical tables' schema and their history aggregates")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("upgrade", help="bring a database written by any earlier release to this release's schema, "
                                          "in place, keeping every row, and build its history aggregates")
    a.add_argument("--db", required=True, metavar="URL")
    a = actions.add_parser("aggregate", help="rebuild the history aggregates of a period from the raw rows "
                                            "(after a change that bypassed the importers)")
    a.add_argument("--db", required=True, metavar="URL")
    a.add_argument("--from", dest="start", metavar="DATE", help="first day (default: the first call)")
    a.add_argument("--to", dest="end", metavar="DATE", help="day after the last (default: now)")
    for action in actions.choices.values():
        action.add_argument("--config", metavar="FILE", help="wallboard.toml: the thresholds the aggregates count "
                                                            "with (default: $WALLBOARD_CONFIG)")
        _add_app_db(action)

    p = sub.add_parser("simulate", help="write simulated traffic up to now (and on, with --live)")
    p.add_argument("--db", required=True, metavar="URL")
    p.add_argument("--tickets-db", metavar="URL")
    p.add_argument("--history-days", type=float, default=7)
    p.add_argument("--live", action="store_true", help="keep writing in real time until interrupted")
    p.add_argument("--seed", type=int, default=1)
    _add_sites(p)
    p.add_argument("--write-config", metavar="FILE", help="also write the wallboard.toml of the simulated centre "
                                                        "(its regions, sites and skill groups)")

    p = sub.add_parser("follow", help="keep the canonical tables in step with the live sources of the config "
                                      "([[sources]]: Asterisk's queue_log file or table…), printing progress")
    p.add_argument("--config", metavar="FILE", help="wallboard.toml (default: $WALLBOARD_CONFIG)")
    p.add_argument("--db", metavar="URL", help="the calls database written to (default: $WALLBOARD_CALLS_DB)")
    p.add_argument("--tickets-db", metavar="URL", help="the tickets database (default: $WALLBOARD_TICKETS_DB, "
                                                       "else --db)")
    p.add_argument("--once", action="store_true", help="catch up with every source and exit 0")
    p.add_argument("--every", type=float, default=0.25, metavar="S", help="seconds between reads when caught up")
    p.add_argument("--lease-seconds", type=float, default=30.0, metavar="S",
                   help="how long a follower that died keeps its sources from another process (default 30)")
    _add_app_db(p)
    p.add_argument("--batch-events", type=int, default=5000, metavar="N",
                   help="events read and written per transaction (default 5000)")
    p.add_argument("--checkpoint-seconds", type=float, default=60.0, metavar="S",
                   help="how often each reader's memory (calls open, agents) is saved with its position: a restart "
                        "reads again at most this much (default 60)")

    p = sub.add_parser("import", help="load a canonical CSV or an Asterisk queue_log file")
    p.add_argument("kind", choices=["calls", "agent-states", "surveys", "complaints", "queue-log"])
    p.add_argument("file")
    _add_db(p, tickets=False)
    p.add_argument("--timezone", metavar="TZ", help="zone of timestamps without an offset (default: the site's)")
    p.add_argument("--encoding", default="utf-8", help="file encoding, e.g. gb18030 (default utf-8)")
    p.add_argument("--site", help="queue-log only: site of queues not configured in the config")

    p = sub.add_parser("kpi", help="the KPI engine's figures for a period")
    _add_db(p)
    p.add_argument("--from", dest="start", required=True, metavar="T", help="inclusive; a date means local midnight")
    p.add_argument("--to", dest="end", required=True, metavar="T", help="exclusive")
    p.add_argument("--by", default="none", choices=["none", "day", "hour", "site", "skill_group", "agent"])
    p.add_argument("--site")
    p.add_argument("--skill-group")
    p.add_argument("--timezone", metavar="TZ")
    p.add_argument("--format", default="json", choices=["json", "csv"])

    p = sub.add_parser("staffing", help="Erlang C: the fewest agents that reach the target service level")
    p.add_argument("--calls", type=float, required=True)
    p.add_argument("--interval-seconds", type=float, required=True)
    p.add_argument("--aht-seconds", type=float, required=True)
    p.add_argument("--threshold-seconds", type=float, required=True)
    p.add_argument("--target", type=float, required=True, help="fraction, e.g. 0.8")
    p.add_argument("--format", default="json", choices=["json"])

    p = sub.add_parser("complaints", help="open complaints with each stage's deadline and status")
    _add_db(p, tickets=False)
    p.add_argument("--at", metavar="T", help="default: now")
    p.add_argument("--site")
    p.add_argument("--format", default="json", choices=["json", "csv"])

    p = sub.add_parser("alerts", help="alert channels (docs/alerts.md)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("test", help="send one test message through a channel of [alerts.channels]; exit 2 when "
                                        "any of its URLs did not accept it")
    a.add_argument("channel", metavar="CHANNEL", help="a channel name of [alerts.channels]")
    a.add_argument("--config", metavar="FILE", help="wallboard.toml (default: $WALLBOARD_CONFIG)")

    p = sub.add_parser("report", help="the weekly review as a file (XLSX, CSV or PDF)")
    _add_db(p)
    p.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W09 (Monday 00:00 local)")
    p.add_argument("--format", required=True, choices=["xlsx", "csv", "pdf"])
    p.add_argument("--out", required=True, metavar="PATH", help="file to write")
    p.add_argument("--timezone", metavar="TZ", help="day boundaries (default: each site's zone)")

    p = sub.add_parser("user", help="manage logins (managers, admins) in the app's own database")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="add a login; the password is read from standard input")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=["manager", "admin"])
    a.add_argument("--site", action="append", default=[], help="a site the manager sees (repeat for several)")
    actions.add_parser("remove", help="remove a login (its sessions end)").add_argument("name")
    actions.add_parser("passwd", help="set a new password, read from standard input (the user's sessions end)"
                       ).add_argument("name")
    a = actions.add_parser("set", help="change a login's role or sites (the user's sessions end)")
    a.add_argument("name")
    a.add_argument("--role", choices=["manager", "admin"])
    a.add_argument("--site", action="append", default=[], help="the sites the manager sees (replaces them)")
    actions.add_parser("list", help="list the logins")
    for action in actions.choices.values():
        _add_app_db(action)

    p = sub.add_parser("kiosk", help="manage wall-screen credentials in the app's own database")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="add a wall screen; prints the URL path to open on it")
    a.add_argument("name")
    a.add_argument("--site", action="append", default=[], help="a site the screen shows (default: every site)")
    a.add_argument("--pages", default="/,/complaints", help="comma-separated pages it cycles (default /,/complaints)")
    a.add_argument("--layout", metavar="NAME", help="the wall layout it shows ([layouts.NAME] of the config)")
    a.add_argument("--config", metavar="FILE", help="the config that defines the layout (default $WALLBOARD_CONFIG)")
    actions.add_parser("revoke", help="end a wall screen's access at once").add_argument("name")
    actions.add_parser("list", help="list the wall screens")
    for action in actions.choices.values():
        _add_app_db(action)
    return parser


def _add_sites(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sites", type=int, default=3, metavar="N",
                   help="the centre's size: 3 (default) is the three-site insurance hotline; any other N is the "
                        "national health-check hotline of N centres in regions (600: ~100,000 calls a day)")


def _centre(args):
    from wallboard.demo.centre import centre_for

    if args.sites < 1:
        raise UsageError(f"--sites: must be at least 1, got {args.sites}")
    return centre_for(args.sites, args.seed)


def _add_app_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--app-db", metavar="URL",
                   help="the app's own database (default: $WALLBOARD_APP_DB, else SQLite in "
                        "$WALLBOARD_DATA_DIR or ./data)")


# ------------------------------------------------------------------ helpers

def _config(path: str | None) -> Config:
    return load_config(path)


def _engine(url: str, tables=None):
    from wallboard.data_access.engines import check_tables, make_engine

    engine = make_engine(url)
    if tables is not None:
        check_tables(engine, tables, url)
    return engine


def _parse_time(text: str, option: str, tz: str | None = None) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(tz or "UTC"))
    return value


def _check_timezone(tz: str | None) -> None:
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone: unknown time zone {tz!r}") from None


# ------------------------------------------------------------------ commands

def cmd_init_db(args) -> int:
    """The canonical tables, created or brought up to date: the same migrations as `db upgrade`."""
    from wallboard.data_access.migrate import upgrade

    engine = _engine(args.db)
    upgrade(engine)
    print(f"tables ready in {engine.url.render_as_string(hide_password=True)}")
    _build_history(engine, args)
    return 0


def cmd_db(args) -> int:
    from wallboard.data_access.migrate import upgrade

    engine = _engine(args.db)
    where = engine.url.render_as_string(hide_password=True)
    if args.action == "aggregate":
        return _rebuild_history(engine, args)
    before, after = upgrade(engine)
    if before == after:
        print(f"{where}: already at schema {after}")
    else:
        print(f"{where}: schema {before or 'release 0.1 (no version)'} -> {after}")
    _build_history(engine, args)
    return 0


def _history_sources(calls, tickets, config: Config, app_db: str | None, create: bool):
    """Sources with the calls database's history aggregates: from --app-db, $WALLBOARD_APP_DB or the data
    directory's app database (made only when `create`; else, when there is none, raw rows are read)."""
    from wallboard.auth.accounts import default_app_db_path, default_app_db_url
    from wallboard.data_access.engines import make_engine
    from wallboard.data_access.sources import Sources

    url = app_db or os.environ.get("WALLBOARD_APP_DB")
    if url is None:
        if not create and not default_app_db_path().exists():
            return Sources(calls, tickets, config)
        url = default_app_db_url()
    try:
        return Sources(calls, tickets, config).with_history(make_engine(url))
    except SQLAlchemyError as e:
        if create:
            raise
        logging.getLogger(__name__).warning("history aggregates unavailable (%s): reading raw rows",
                                            " ".join(str(e).split())[:160])
        return Sources(calls, tickets, config)


def _build_history(engine, args) -> None:
    """The history aggregates of every call up to the settled past, so that history reads at full speed at once."""
    from wallboard.live.history import catch_up

    sources = _history_sources(engine, engine, _config(getattr(args, "config", None)), args.app_db, create=True)
    from wallboard.data_access.migrate import APP_VERSION_TABLE, current

    app = sources.intervals.app
    print(f"app database {app.url.render_as_string(hide_password=True)}: schema {current(app, APP_VERSION_TABLE)}")
    done = catch_up(sources, progress=_progress("history aggregates"))
    if done["covered_from"]:
        print(f"history aggregates: {done['covered_from'][:16]} to {done['covered_to'][:16]} (UTC) "
              f"({done['rows_written']:,} interval rows written)")


def _rebuild_history(engine, args) -> int:
    """`db aggregate`: the period's intervals recomputed from raw rows, whatever they held."""
    from wallboard.data_access.intervals import to_bin
    from wallboard.data_access.kpi_queries import to_utc_naive
    from wallboard.data_access.kpi_report import Period
    from wallboard.live.history import first_call_bin, kinds

    config = _config(args.config)
    sources = _history_sources(engine, engine, config, args.app_db, create=True)
    try:
        lo = to_bin(to_utc_naive(Period.parse(args.start).in_zone(config.timezone))) if args.start \
            else first_call_bin(sources)
        hi = to_bin(to_utc_naive(Period.parse(args.end).in_zone(config.timezone))) if args.end \
            else to_bin(datetime.now(UTC).replace(tzinfo=None))
    except ValueError as e:
        raise UsageError(f"--from/--to: {e}") from None
    if lo is None or lo >= hi:
        print("nothing to rebuild: no calls in that period")
        return 0
    written = 0
    for intervals, source, _ in kinds(sources):
        with source.connect() as conn:
            written += intervals.build(conn, config, lo, hi)
    print(f"history aggregates rebuilt: {written:,} interval rows")
    return 0


def cmd_simulate(args) -> int:
    from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES
    from wallboard.demo import simulator

    centre = _centre(args)
    calls = _engine(args.db, CALLS_TABLES)
    tickets = _engine(args.tickets_db, TICKETS_TABLES) if args.tickets_db else _engine(args.db, TICKETS_TABLES)
    if args.write_config:
        Path(args.write_config).write_text(centre.config_toml(), encoding="utf-8")
        print(f"config of the simulated centre: {args.write_config}", file=sys.stderr)
    sim = simulator.backfill(calls, tickets, args.history_days, seed=args.seed, progress=_progress("simulating"),
                             centre=centre)
    print(f"simulated {args.history_days:g} days up to now ({len(centre.sites)} sites, {len(sim.agents):,} agents)",
          file=sys.stderr)
    if args.live:
        print("writing live traffic; Ctrl-C to stop", file=sys.stderr)
        stop = threading.Event()
        try:
            simulator.run_live(calls, tickets, sim, stop)
        except KeyboardInterrupt:
            stop.set()
    return 0


def _progress(label: str):
    if not sys.stderr.isatty():
        return None

    def show(done: float, total: float) -> None:
        sys.stderr.write(f"\r{label}: {100 * done / max(total, 1):5.1f}%")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def cmd_follow(args) -> int:
    from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES
    from wallboard.ingest.follow import Follower
    from wallboard.ingest.sources import reader_for, writes_tickets

    config = _config(args.config).with_sources(calls_db=args.db, tickets_db=args.tickets_db, app_db=args.app_db)
    if not config.sources:
        raise UsageError(f"follow: {config.source} has no [[sources]] (CONTRACT section 7, docs/sources.md)")
    if not config.calls_db:
        raise UsageError("follow: no database to write to (give --db URL or set WALLBOARD_CALLS_DB)")
    engine = _engine(config.calls_db, CALLS_TABLES)
    tickets = _engine(config.tickets_db, TICKETS_TABLES) if config.tickets_db and config.tickets_db != \
        config.calls_db else engine
    rejects = Path(os.environ.get("WALLBOARD_DATA_DIR", "data")).expanduser() / "rejected"
    try:
        followers = [Follower(source, reader_for(source, config), tickets if writes_tickets(source) else engine,
                              rejects_dir=rejects, checkpoint_seconds=args.checkpoint_seconds,
                              batch_events=args.batch_events)
                     for source in config.sources]
    except NotImplementedError as e:
        raise UsageError(f"follow: {e}") from None
    last_print = [0.0]

    def progress(follower: Follower, batch) -> None:
        s = follower.status
        if batch.events or batch.rejected or batch.note:
            if batch.note:
                print(f"{s.source}: {batch.note}", file=sys.stderr)
            if time.monotonic() - last_print[0] >= 1 or not batch.more:
                last_print[0] = time.monotonic()
                lag = "caught up" if s.caught_up else f"{s.lag_seconds} s behind"
                print(f"{s.source}: events {s.events}, rows written {s.rows}, rejected {s.rejected}, {lag}",
                      flush=True)

    from wallboard.auth.accounts import default_app_db_url
    from wallboard.data_access.leases import DatabaseLease
    from wallboard.ingest.follow import LeaseTaken

    app_engine = _engine(config.app_db or default_app_db_url())
    if args.lease_seconds <= 0:
        raise UsageError(f"--lease-seconds: must be > 0, got {args.lease_seconds}")
    leases = [DatabaseLease(app_engine, f"follow:{s.name}"[:64], ttl_seconds=args.lease_seconds)
              for s in config.sources]
    if args.once:
        try:
            for follower, lease in zip(followers, leases, strict=True):
                follower.catch_up(progress, lease=lease)
        except LeaseTaken as e:
            raise UsageError(f"follow: {e}; try again once it stops") from None
        return 0
    stop = threading.Event()
    threads = [threading.Thread(target=f.run, args=(stop, args.every, progress, lease), daemon=True,
                                name=f.source.name) for f, lease in zip(followers, leases, strict=True)]
    for thread in threads:
        thread.start()
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            thread.join(10)
    return 0


def cmd_import(args) -> int:
    from wallboard.data_access.schema import metadata
    from wallboard.ingest.importers import import_csv

    _check_timezone(args.timezone)
    config = _config(args.config)
    engine = _engine(args.db, metadata.sorted_tables)
    if args.kind == "queue-log":
        from wallboard.ingest.queue_log_import import import_queue_log

        result = import_queue_log(args.file, engine, config, timezone=args.timezone, encoding=args.encoding,
                                  default_site=args.site)
    else:
        result = import_csv(args.kind, args.file, engine, config, timezone=args.timezone, encoding=args.encoding)
    print(result.summary())
    _refresh_history(engine, config, result)
    return 0


def _refresh_history(engine, config: Config, result) -> None:
    """After an import, the history aggregates of the period it wrote (when this database has any) are recomputed,
    so that `kpi` right after a re-import that corrected rows reads the corrected figures."""
    from wallboard.data_access.intervals import to_bin
    from wallboard.live.history import kinds

    if result.first_at is None:
        return
    for intervals, source, _ in kinds(_history_sources(engine, engine, config, None, create=False)):
        span = intervals.covered()
        if span is None:
            continue
        lo, hi = max(to_bin(result.first_at), span.first), min(to_bin(result.last_at) + 1, span.end)
        if lo < hi:
            with source.connect() as conn:
                intervals.replace(conn, config, lo, hi)


def cmd_kpi(args) -> int:
    from wallboard.data_access.kpi_report import ROW_FIELDS, Period, kpi_report
    from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES

    _check_timezone(args.timezone)
    try:
        start, end = Period.parse(args.start), Period.parse(args.end)
    except ValueError as e:
        raise UsageError(f"--from/--to: {e}") from None
    config = _config(args.config)
    calls = _engine(args.db, CALLS_TABLES)
    tickets = _engine(args.tickets_db or args.db, TICKETS_TABLES)
    report = kpi_report(_history_sources(calls, tickets, config, None, create=False), start, end, by=args.by,
                        site=args.site, skill_group=args.skill_group, timezone=args.timezone)
    if args.format == "json":
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=ROW_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in report["rows"])
    return 0


def cmd_staffing(args) -> int:
    from wallboard.maths.erlang_c import required_agents

    try:
        result = required_agents(args.calls, args.interval_seconds, args.aht_seconds, args.threshold_seconds,
                                 args.target)
    except ValueError as e:
        raise UsageError(str(e).replace("_seconds", "-seconds")) from None
    json.dump({"required_agents": result.required_agents, "service_level": round(result.service_level, 6),
               "asa_seconds": round(result.asa_seconds, 3), "occupancy": round(result.occupancy, 6),
               "probability_wait": round(result.probability_wait, 6)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


def cmd_complaints(args) -> int:
    from wallboard.data_access.complaints import complaints_json, open_complaints
    from wallboard.data_access.schema import TICKETS_TABLES

    config = _config(args.config)
    at = _parse_time(args.at, "--at", config.timezone) if args.at else datetime.now(UTC)
    engine = _engine(args.db, TICKETS_TABLES)
    data = complaints_json(open_complaints(engine, config, at, site=args.site), at)
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["complaint_id", "site", "severity", "category", "next_stage", "next_due_at", "stage",
                         "due_at", "done_at", "remaining_seconds", "status", "provisional"])
        for c in data["complaints"]:
            for s in c["stages"]:
                writer.writerow(csv_row([c["complaint_id"], c["site"], c["severity"], c["category"], c["next_stage"],
                                         c["next_due_at"], s["stage"], s["due_at"], s["done_at"],
                                         s["remaining_seconds"], s["status"], s["provisional"]]))
    return 0


def cmd_alerts(args) -> int:
    from wallboard.alerts.channels import test_channel

    config = _config(args.config)
    if args.channel not in config.alerts.channels:
        known = ", ".join(config.alerts.channels) or "none configured"
        raise UsageError(f"{args.channel!r} is not a channel of [alerts.channels] in {config.source} ({known})")
    failed = 0
    for i, (where, error) in enumerate(test_channel(config, args.channel)):
        if error is None:
            print(f"{args.channel}[{i}] {where}: sent")
        else:
            failed += 1
            print(f"wallboard alerts: error: {args.channel}[{i}] {where}: not accepted: {error}", file=sys.stderr)
    return EXIT_BAD_INPUT if failed else 0


def cmd_report(args) -> int:
    from wallboard.data_access.schema import CALLS_TABLES, TICKETS_TABLES
    from wallboard.reports.files import build_report
    from wallboard.reports.periods import parse_week
    from wallboard.reports.weekly_review import weekly_review

    _check_timezone(args.timezone)
    try:
        parse_week(args.week)
    except ValueError as e:
        raise UsageError(f"--week: {e}") from None
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"--out: no such directory: {out.parent}")
    config = _config(args.config)
    calls = _engine(args.db, CALLS_TABLES)
    tickets = _engine(args.tickets_db or args.db, TICKETS_TABLES)
    review = weekly_review(_history_sources(calls, tickets, config, None, create=False), args.week,
                           timezone=args.timezone)
    data = build_report(review, args.format, config, config.language)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise UsageError(f"--out: cannot write {out}: {e.strerror}") from None
    print(f"wrote {out} ({len(data):,} bytes, week {review.week})", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    config = _config(args.config).with_sources(calls_db=args.calls_db, tickets_db=args.tickets_db,
                                               app_db=args.app_db)
    if args.poll_seconds is not None:
        config = _with_poll(config, args.poll_seconds)
    if not config.calls_db:
        raise UsageError("serve: no calls database (give --calls-db URL or set WALLBOARD_CALLS_DB)")
    from wallboard.app import create_app, tune_gc

    app = create_app(config)
    tune_gc()
    print(f"wallboard serving on http://{args.host}:{args.port}/", file=sys.stderr)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def _with_poll(config: Config, seconds: float) -> Config:
    from dataclasses import replace

    if seconds <= 0:
        raise UsageError(f"--poll-seconds: must be > 0, got {seconds}")
    return replace(config, poll_seconds=seconds)


def cmd_demo(args) -> int:
    from wallboard.data_access.migrate import upgrade
    from wallboard.demo import simulator

    folder = Path(args.data_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    config_path = folder / "wallboard.toml"
    centre = _centre(args)
    config_path.write_text(centre.config_toml(), encoding="utf-8")
    url = f"sqlite:///{db_path.resolve()}"
    app_db = os.environ.get("WALLBOARD_APP_DB") or f"sqlite:///{(folder / 'app.db').resolve()}"
    config = load_config(config_path).with_sources(calls_db=url, tickets_db=url, app_db=app_db)
    if args.poll_seconds is not None:
        config = _with_poll(config, args.poll_seconds)
    engine = _engine(url)
    upgrade(engine)  # the same migrations as `init-db`: the demo database records its schema too
    print(f"demo: simulating a centre in {db_path}; {args.history_days:g} days of history fill in "
          "the background", file=sys.stderr)
    stop = threading.Event()
    simulator.start_demo_traffic(engine, engine, args.history_days, args.seed, stop, centre=centre)
    from wallboard.app import create_app, tune_gc

    app = create_app(config, demo=True)
    tune_gc()
    print(f"demo: live at http://127.0.0.1:{args.port}/  (Ctrl-C to stop)", file=sys.stderr)
    try:
        app.run(host="127.0.0.1", port=args.port, debug=False)
    finally:
        stop.set()
    return 0


def _app_engine(args):
    from wallboard.alerts.store import init_alert_tables
    from wallboard.auth.accounts import default_app_db_url, init_app_db

    engine = _engine(args.app_db or os.environ.get("WALLBOARD_APP_DB") or default_app_db_url())
    init_app_db(engine)
    init_alert_tables(engine)
    return engine


def _read_password() -> str:
    """From the terminal without echo, or the first line of standard input (scripts); never an argument."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("password: the two entries differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user(args) -> int:
    from wallboard.auth import accounts

    engine = _app_engine(args)
    try:
        if args.action == "add":
            account = accounts.add_user(engine, args.name, _read_password(), args.role, tuple(args.site))
            sites = ", ".join(account.sites) or "every site"
            print(f"user {account.name} added ({account.role}; {sites})")
        elif args.action == "remove":
            accounts.remove_user(engine, args.name)
            print(f"user {args.name} removed")
        elif args.action == "passwd":
            accounts.set_password(engine, args.name, _read_password())
            print(f"user {args.name}: password changed; signed-in sessions ended")
        elif args.action == "set":
            if not args.role and not args.site:
                raise UsageError("user set: give --role and/or --site")
            account = accounts.set_user(engine, args.name, args.role, tuple(args.site) or None)
            sites = ", ".join(account.sites) or "every site"
            print(f"user {account.name}: {account.role}; {sites}; signed-in sessions ended")
        else:
            for u in accounts.list_users(engine):
                print(f"{u.name}\t{u.role}\t{','.join(u.sites) or '*'}\t{u.created_at:%Y-%m-%d %H:%M}")
    except accounts.AccountError as e:
        raise UsageError(f"user {args.action}: {e}") from None
    return 0


def cmd_kiosk(args) -> int:
    from wallboard.auth import accounts

    engine = _app_engine(args)
    try:
        if args.action == "add":
            pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
            if args.layout is not None:
                _check_kiosk_layout(_config(args.config), args.layout, tuple(args.site))
            account, token = accounts.add_kiosk(engine, args.name, tuple(args.site), pages, args.layout)
            print(f"/kiosk/{token}")
            print(f"kiosk {account.name} added: open the path above on the screen once (it keeps a cookie; "
                  f"`wallboard kiosk revoke {account.name}` ends it)", file=sys.stderr)
        elif args.action == "revoke":
            accounts.revoke_kiosk(engine, args.name)
            print(f"kiosk {args.name} revoked")
        else:
            for k in accounts.list_kiosks(engine):
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                print(f"{k.name}\t{','.join(k.sites) or '*'}\t{','.join(k.pages)}\t{k.layout or '-'}\t{state}")
    except accounts.AccountError as e:
        raise UsageError(f"kiosk {args.action}: {e}") from None
    return 0


def _check_kiosk_layout(config: Config, name: str, sites: tuple[str, ...]) -> None:
    """A kiosk's layout must exist in the config it will be served with and show only sites the kiosk may see."""
    layout = config.layout(name)
    if layout is None:
        known = ", ".join(config.layouts) or "none"
        raise UsageError(f"kiosk add --layout: {name!r} is not a layout of {config.source} (layouts: {known})")
    outside = [s for s in layout.sites if s not in sites] if sites else []
    if sites and (outside or not layout.sites):
        raise UsageError(f"kiosk add --layout: layout {name!r} shows sites the kiosk's --site does not give it "
                         f"({', '.join(outside) or 'every site'})")


COMMANDS = {"init-db": cmd_init_db, "db": cmd_db, "simulate": cmd_simulate, "import": cmd_import,
            "follow": cmd_follow, "kpi": cmd_kpi, "staffing": cmd_staffing, "complaints": cmd_complaints,
            "serve": cmd_serve, "demo": cmd_demo,
            "report": cmd_report, "user": cmd_user, "kiosk": cmd_kiosk, "alerts": cmd_alerts}


def main(argv: list[str] | None = None) -> int:
    from wallboard.data_access.engines import DatabaseError, describe_error
    from wallboard.ingest.importers import ImportFileError

    logging.basicConfig(level=os.environ.get("WALLBOARD_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)  # (parse_args would exit without our one-line form)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError, DatabaseError, ImportFileError) as e:
        print(f"wallboard {args.command}: error: {e}", file=sys.stderr)
    except SQLAlchemyError as e:
        url = getattr(args, "db", None) or getattr(args, "calls_db", None) or "database"
        print(f"wallboard {args.command}: database error: {describe_error(e, url)}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
