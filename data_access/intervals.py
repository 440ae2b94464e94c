"""History aggregates: additive call and survey counts per 15-minute interval × site × skill group × agent, kept in
the app database.

Why 15 minutes: every UTC offset in use is a whole number of quarter hours (+05:45 included), so local days, hours
and quarter hours in any zone, DST changes included, are unions of 15-minute UTC intervals; thresholds and
short-abandon limits are per call, decided when a call is counted, so an interval's counts are exact for the
settings they were built with (`settings_key`). Ratios are computed on read (maths/kpi.py), never stored.

Where: the app's own database (the calls database may be a read-only production system), keyed by the calls
database's identity (`wallboard_identity`, revision 0002; else its URL without password) and by the settings
that decide the counts: `kpi --db A` never reads the aggregates of another database, and a config with other
thresholds reads raw rows until its own aggregates are built.

Exactness: a period is read as its whole intervals inside the covered range from here, and its edges (not on the
15-minute grid, or outside the covered range) from raw rows, through the same `call_counts` of kpi_queries.py.
Counts are identical; time sums equal to float precision (tests/data_access/test_intervals_properties.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from wallboard.config import Config
from wallboard.data_access.agent_activity import state_time
from wallboard.data_access.kpi_queries import Scope, call_counts, survey_counts
from wallboard.data_access.migrate import ensure_app_schema
from wallboard.data_access.schema import Key, Timestamp, identity
from wallboard.maths.kpi import CallCounts, StateTime, SurveyCounts

GRID = 900  # seconds: one interval
MEASURES = tuple(f.name for f in fields(CallCounts))
NONE = ""  # a call without a skill group or agent (a primary key cannot hold NULL)
# Sums are Double: 8 bytes on every backend (MariaDB's FLOAT is 4 bytes, and a day's talk seconds would round).

metadata = MetaData()

call_intervals = Table(
    "wallboard_call_intervals", metadata,
    Column("source", String(32), nullable=False),
    Column("settings", String(16), nullable=False),
    Column("bin", BigInteger, nullable=False),  # floor(epoch seconds / GRID) of the call's queue entry (UTC)
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64), nullable=False),
    Column("agent_id", Key(64), nullable=False),
    *[Column(name, Double if name.endswith(("_sum", "max_wait")) else Integer, nullable=name == "max_wait")
      for name in MEASURES],
    PrimaryKeyConstraint("source", "settings", "bin", "site", "skill_group", "agent_id"),
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4",
)

SURVEY_MEASURES = tuple(f.name for f in fields(SurveyCounts))
survey_intervals = Table(
    "wallboard_survey_intervals", metadata,
    Column("source", String(32), nullable=False),  # the tickets database's identity
    Column("settings", String(16), nullable=False),  # survey_key(zones): no setting decides a survey's counts
    Column("bin", BigInteger, nullable=False),  # floor(epoch seconds / GRID) of submitted_at (UTC)
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64), nullable=False),
    Column("agent_id", Key(64), nullable=False),
    *[Column(name, Double if name.endswith("_sum") else Integer, nullable=False) for name in SURVEY_MEASURES],
    PrimaryKeyConstraint("source", "settings", "bin", "site", "skill_group", "agent_id"),
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4",
)
SURVEYS = "surveys"

STATE_MEASURES = ("seconds",)
state_intervals = Table(
    "wallboard_state_intervals", metadata,
    Column("source", String(32), nullable=False),  # the calls database's identity
    Column("settings", String(16), nullable=False),  # STATES: no setting decides agent time
    Column("bin", BigInteger, nullable=False),
    Column("site", Key(32), nullable=False),
    Column("skill_group", Key(64), nullable=False),  # the agent's primary group
    Column("agent_id", Key(64), nullable=False),
    Column("state", String(16), nullable=False),  # every state but logged_out
    Column("reason", String(64), nullable=False),  # the not-ready reason (NONE: none)
    Column("seconds", Double, nullable=False),
    PrimaryKeyConstraint("source", "settings", "bin", "site", "skill_group", "agent_id", "state", "reason"),
    mysql_charset="utf8mb4", mariadb_charset="utf8mb4",
)
CALLS, STATES = "calls", "states"
DIMENSIONS = ("site", "skill_group", "agent")


def _rollup_table(name: str, measures: tuple[str, ...]) -> Table:
    """Sums of whole hours (UTC) and whole local days (per zone) of the intervals, per site and skill group: what a
    month by day or a week by hour reads at 600 sites instead of millions of interval rows."""
    return Table(
        name, metadata,
        Column("source", String(32), nullable=False),
        Column("settings", String(16), nullable=False),
        Column("grain", String(48), nullable=False),  # HOUR, or DAY + a zone name
        Column("start_bin", BigInteger, nullable=False),  # the period's first interval
        Column("site", Key(32), nullable=False),
        Column("skill_group", Key(64), nullable=False),
        *[Column(name, Double if name.endswith(("_sum", "max_wait")) else Integer, nullable=name == "max_wait")
          for name in measures],
        PrimaryKeyConstraint("source", "settings", "grain", "start_bin", "site", "skill_group"),
        mysql_charset="utf8mb4", mariadb_charset="utf8mb4",
    )


call_rollups = _rollup_table("wallboard_call_rollups", MEASURES)
survey_rollups = _rollup_table("wallboard_survey_rollups", SURVEY_MEASURES)
HOUR, DAY = "hour", "day:"
ANALYZE_AFTER = 50_000  # rows written by one build after which PostgreSQL's statistics are refreshed
ALL_SITES = "*"  # a roll-up row of every site together: what the all-sites figures read (a site id is never "*")
HOUR_BINS = 3600 // GRID
ROLL_BATCH = 31  # local days per roll-up statement (hours: as many days' worth)

coverage = Table(
    "wallboard_interval_coverage", metadata,
    Column("source", String(32), nullable=False),
    Column("settings", String(16), nullable=False),
    Column("first_bin", BigInteger, nullable=False),  # the covered intervals: [first_bin, end_bin)
    Column("end_bin", BigInteger, nullable=False),
    Column("built_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("source", "settings"),
)


def init_interval_tables(engine: Engine) -> None:
    ensure_app_schema(engine)


def source_key(engine: Engine) -> str:
    """The calls database's identity: its token (revision 0002), else a digest of its URL without password."""
    try:
        with engine.connect() as conn:
            token = conn.execute(select(identity.c.token)).scalar()
    except SQLAlchemyError:
        token = None
    if token:
        return token[:32]
    url = engine.url.set(password=None).render_as_string(hide_password=False)
    return "url-" + hashlib.sha256(url.encode()).hexdigest()[:28]


def settings_key(config: Config) -> str:
    """What decides the stored counts: each group's threshold and short-abandon limit (not targets or formulas),
    and the zones whose local days are rolled up (a config with another zone must not read missing days)."""
    def pair(s):
        return [s.threshold_seconds, s.short_abandon_seconds]
    decisive = {"": pair(config.default_settings), **{g.id: pair(g.settings) for g in config.skill_groups},
                "zones": list(config_zones(config))}
    return hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()[:16]


def survey_key(zones: tuple[str, ...]) -> str:
    """The surveys' key: no setting decides a survey's counts, only the zones of the day roll-ups."""
    return SURVEYS[0] + hashlib.sha256(json.dumps(list(zones)).encode()).hexdigest()[:15]


def config_zones(config: Config) -> tuple[str, ...]:
    """The zones a `kpi` without `--timezone` counts local days in: the config's and each site's."""
    return tuple(sorted({config.timezone} | {s.timezone for s in config.sites}))


def day_periods(zone: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """[start, end) bins of the local days of `zone` overlapping [lo, hi); none where a local midnight is off the
    15-minute grid (no zone in use since 1980)."""
    tz = ZoneInfo(zone)
    day = bin_time(lo).replace(tzinfo=UTC).astimezone(tz).date()
    out = []
    while True:
        start = datetime.combine(day, time(0), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
        if start.timestamp() % GRID or end.timestamp() % GRID:
            return []
        a, b = int(start.timestamp()) // GRID, int(end.timestamp()) // GRID
        if a >= hi:
            return out
        if b > lo:
            out.append((a, b))
        day += timedelta(days=1)


def to_bin(moment: datetime) -> int:
    """The interval holding a naive-UTC moment."""
    return int(moment.replace(tzinfo=UTC).timestamp() // GRID)


def bin_time(index: int) -> datetime:
    """The naive-UTC start of interval `index`."""
    return datetime(1970, 1, 1) + timedelta(seconds=index * GRID)


class Covered(NamedTuple):
    first: int  # the covered intervals: [first, end)
    end: int
    changed_at: datetime | None  # the last write: a reader's cached sums older than this are stale


@dataclass(frozen=True)
class Intervals:
    """The aggregates of one source database (calls under one config, or surveys) in one app database."""

    app: Engine
    source: str
    settings: str  # settings_key(config) for calls; survey_key(zones) for surveys
    zones: tuple[str, ...] = ()  # the zones whose local days are rolled up (the config's and its sites')
    kind: str = CALLS  # CALLS, SURVEYS or STATES (agent seconds per state and reason)

    @classmethod
    def of(cls, app: Engine, calls: Engine, config: Config) -> Intervals:
        """The call intervals of the calls database `calls` under `config`'s thresholds."""
        init_interval_tables(app)
        return cls(app, source_key(calls), settings_key(config), config_zones(config))

    @classmethod
    def surveys_of(cls, app: Engine, tickets: Engine, config: Config | None = None) -> Intervals:
        """The survey intervals of the tickets database `tickets`."""
        init_interval_tables(app)
        zones = config_zones(config) if config else ()
        return cls(app, source_key(tickets), survey_key(zones), zones, SURVEYS)

    @classmethod
    def states_of(cls, app: Engine, calls: Engine) -> Intervals:
        """Agent seconds per state and not-ready reason, from the calls database's state log (no roll-ups: every
        reader of agent time is per site or agent and bounded by days)."""
        init_interval_tables(app)
        return cls(app, source_key(calls), STATES, (), STATES)

    @property
    def table(self) -> Table:
        return {CALLS: call_intervals, SURVEYS: survey_intervals, STATES: state_intervals}[self.kind]

    @property
    def rollups(self) -> Table | None:
        return {CALLS: call_rollups, SURVEYS: survey_rollups}.get(self.kind)

    @property
    def measures(self) -> tuple[str, ...]:
        return {CALLS: MEASURES, SURVEYS: SURVEY_MEASURES, STATES: STATE_MEASURES}[self.kind]

    @property
    def dimensions(self) -> tuple[str, ...]:
        """What one stored row is per interval."""
        return DIMENSIONS + (("state", "reason") if self.kind == STATES else ())

    def raw(self, conn: Connection, config: Config, scope: Scope, group_by: Sequence[str],
            bin_seconds: int | None) -> list:
        """The same figures from raw rows (the source of truth, and the reader of what is not built)."""
        if self.kind == SURVEYS:
            return survey_counts(conn, scope, group_by, bin_seconds)
        if self.kind == STATES:
            return state_time(conn, scope, group_by, bin_seconds)
        return call_counts(conn, config, scope, group_by, bin_seconds)

    def make(self, values: dict):
        """The kind's counts from a row's measures ({}: zero)."""
        return {CALLS: CallCounts, SURVEYS: SurveyCounts, STATES: StateTime}[self.kind](**_typed(values))

    def covered(self) -> Covered | None:
        """[first_bin, end_bin) built so far and when it last changed, or None."""
        c = coverage.c
        with self.app.connect() as conn:
            row = conn.execute(select(c.first_bin, c.end_bin, c.built_at).where(self._coverage_row)).first()
        return Covered(int(row[0]), int(row[1]), row[2]) if row else None

    # ------------------------------------------------------------------ building

    def build(self, calls_conn: Connection, config: Config, first_bin: int, end_bin: int,
              step_bins: int = 96) -> int:
        """(Re)build the intervals [first_bin, end_bin) from raw rows, a day at a time; extends the covered range
        when it touches it. Returns the rows written."""
        written = 0
        for lo in range(first_bin, end_bin, step_bins):
            hi = min(end_bin, lo + step_bins)
            written += self.replace(calls_conn, config, lo, hi, only_changed=False, roll=False)
        span = self._span_after(first_bin, end_bin)
        self.roll(first_bin, end_bin, span)
        self._cover(span)
        if written > ANALYZE_AFTER and self.app.dialect.name == "postgresql":
            quote = self.app.dialect.identifier_preparer.format_table
            with self.app.begin() as conn:  # fresh statistics: else the planner scans the new rows (docs)
                tables = [t for t in (self.table, self.rollups) if t is not None]
                conn.execute(text("ANALYZE " + ", ".join(quote(t) for t in tables)))
        return written

    def replace(self, calls_conn: Connection, config: Config, lo: int, hi: int, only_changed: bool = True,
                roll: bool = True) -> int:
        """Recompute [lo, hi) from raw rows and write what differs (late answers, corrected or deleted rows), and the
        hours and days around it."""
        scope = Scope(start=bin_time(lo), end=bin_time(hi))
        dimensions = self.dimensions
        fresh = {(b, *(NONE if v is None else v for v in key)): counts
                 for key, b, counts in self.raw(calls_conn, config, scope, dimensions, GRID)}
        table = self.table
        c = table.c
        columns = ["agent_id" if d == "agent" else d for d in dimensions]
        mine = and_(c.source == self.source, c.settings == self.settings, c.bin >= lo, c.bin < hi)
        with self.app.begin() as conn:
            if only_changed:  # the intervals where anything differs are rewritten whole: one DELETE, one INSERT
                stored = {(int(r.bin), *(getattr(r, d) for d in columns)):
                          self.make({m: getattr(r, m) for m in self.measures})
                          for r in conn.execute(select(table).where(mine))}
                keys = {k for k in stored.keys() | fresh.keys() if stored.get(k) != fresh.get(k)}
                bins = {k[0] for k in keys}
                if bins:
                    conn.execute(delete(table).where(mine, c.bin.in_(sorted(bins))))
                rows = {k: v for k, v in fresh.items() if k[0] in bins}
            else:
                conn.execute(delete(table).where(mine))
                keys = rows = fresh
            if rows:
                conn.execute(insert(table), [
                    {"source": self.source, "settings": self.settings, "bin": k[0],
                     **dict(zip(columns, k[1:], strict=True)), **{m: getattr(v, m) for m in self.measures}}
                    for k, v in rows.items()])
        changed = len(keys)
        if roll and changed:
            self.roll(lo, hi)
        if only_changed and changed:
            self._touch()
        return changed

    # ------------------------------------------------------------------ hours and days

    def periods(self, grain: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """[start, end) bins of the grain's periods overlapping [lo, hi) (local days: midnight to midnight)."""
        if grain == HOUR:
            first = lo - lo % HOUR_BINS
            return [(b, b + HOUR_BINS) for b in range(first, hi, HOUR_BINS)]
        return day_periods(grain.removeprefix(DAY), lo, hi)

    def grains(self) -> list[str]:
        return [] if self.rollups is None else [HOUR] + [DAY + zone for zone in self.zones]

    def roll(self, lo: int, hi: int, span: Covered | None = None) -> None:
        """(Re)compute the hours and days overlapping [lo, hi) that lie wholly in the covered range (`span`: the one
        about to be published), inside the app database (INSERT … SELECT: the interval rows never travel), a month
        of periods per statement."""
        span = span or self.covered()
        if span is None:
            return
        c, r = self.table.c, self.rollups
        for grain in self.grains():
            periods = [(a, b) for a, b in self.periods(grain, lo, hi) if a >= span.first and b <= span.end]
            for i in range(0, len(periods), ROLL_BATCH if grain != HOUR else ROLL_BATCH * 24):
                batch = periods[i:i + (ROLL_BATCH if grain != HOUR else ROLL_BATCH * 24)]
                p_lo, p_hi = batch[0][0], batch[-1][1]
                if grain == HOUR:
                    start = c.bin - c.bin % HOUR_BINS
                else:  # local days are not a linear function of the bin (DST): which day each bin falls in
                    start = (case(*[(c.bin < b, a) for a, b in batch[:-1]], else_=batch[-1][0]) if len(batch) > 1
                             else literal(batch[0][0], BigInteger))
                inner = select(start.label("start_bin"), c.site, c.skill_group, *[c[m] for m in self.measures]).where(
                    c.source == self.source, c.settings == self.settings, c.bin >= p_lo, c.bin < p_hi).subquery()
                i_c = inner.c
                sums = [(func.max if m == "max_wait" else func.sum)(i_c[m]) for m in self.measures]
                head = [literal(self.source, String), literal(self.settings, String), literal(grain, String),
                        i_c.start_bin]
                per_site = select(*head, i_c.site, i_c.skill_group, *sums).group_by(
                    i_c.start_bin, i_c.site, i_c.skill_group)
                centre = select(*head, literal(ALL_SITES, String), i_c.skill_group, *sums).group_by(
                    i_c.start_bin, i_c.skill_group)
                columns = ["source", "settings", "grain", "start_bin", "site", "skill_group", *self.measures]
                with self.app.begin() as conn:
                    conn.execute(delete(r).where(r.c.source == self.source, r.c.settings == self.settings,
                                                 r.c.grain == grain, r.c.start_bin >= p_lo, r.c.start_bin < p_hi))
                    for query in (per_site, centre):
                        conn.execute(insert(r).from_select(columns, query))

    # Every change ends by stamping the coverage's `built_at`, after its intervals and roll-ups are written: a reader
    # that read the stamp before a change memoises under a stamp the change makes obsolete, and a range becomes
    # covered only once its hours and days are rolled up (a reader never sees a covered day without its roll-up).

    def _span_after(self, first_bin: int, end_bin: int) -> Covered:
        """The covered range once [first_bin, end_bin) is built: joined to the current one when they touch, else the
        larger of the two (the rest reads raw rows)."""
        span = self.covered()
        if span is None:
            return Covered(first_bin, end_bin, None)
        if end_bin < span.first or first_bin > span.end:
            return span if end_bin - first_bin <= span.end - span.first else Covered(first_bin, end_bin, None)
        return Covered(min(span.first, first_bin), max(span.end, end_bin), None)

    @property
    def _coverage_row(self):
        return and_(coverage.c.source == self.source, coverage.c.settings == self.settings)

    def _cover(self, span: Covered) -> None:
        """Publish `span` (from `_span_after`) as the covered range."""
        with self.app.begin() as conn:
            if conn.execute(select(coverage.c.first_bin).where(self._coverage_row)).first() is None:
                conn.execute(insert(coverage).values(source=self.source, settings=self.settings, first_bin=span.first,
                                                     end_bin=span.end, built_at=_now()))
            else:
                conn.execute(coverage.update().where(self._coverage_row).values(
                    first_bin=span.first, end_bin=span.end, built_at=_now()))

    def _touch(self) -> None:
        with self.app.begin() as conn:
            conn.execute(coverage.update().where(self._coverage_row).values(built_at=_now()))

    # ------------------------------------------------------------------ reading

    def counts(self, group_by: Sequence[str], scope: Scope, lo: int, hi: int, grain: str | None = None,
               starts: Sequence[int] = (), per_bin: bool = True) -> list[tuple[tuple, int | None, object]]:
        """Sums over the intervals [lo, hi) per group (and interval) — or, with a `grain`, over the rolled-up periods
        starting at `starts` — as rows shaped as `call_counts`' with bin = the first 15-minute interval (None and
        summed over the whole range without `per_bin`)."""
        if grain is not None:
            t = self.rollups
            c = t.c
            columns = {"site": c.site, "skill_group": c.skill_group}
            bin_col = c.start_bin
            every_site = scope.sites is None and not scope.exclude_sites and "site" not in group_by
            where = [c.source == self.source, c.settings == self.settings, c.grain == grain,
                     c.start_bin.in_(list(starts)), (c.site == ALL_SITES) if every_site else (c.site != ALL_SITES)]
        else:
            c = self.table.c
            columns = {d: c.agent_id if d == "agent" else c[d] for d in self.dimensions}
            bin_col = c.bin
            where = [c.source == self.source, c.settings == self.settings, c.bin >= lo, c.bin < hi]
        groups = [columns[g] for g in group_by] + ([bin_col] if per_bin else [])
        if scope.sites is not None:
            where.append(c.site.in_(list(scope.sites)))
        if scope.exclude_sites:
            where.append(c.site.not_in(list(scope.exclude_sites)))
        if scope.skill_group is not None:
            where.append(c.skill_group == scope.skill_group)
        if scope.agent_id is not None:
            where.append(c.agent_id == scope.agent_id)
        sums = [func.max(c.max_wait) if m == "max_wait" else func.sum(getattr(c, m)) for m in self.measures]
        if not where or (grain is not None and not starts):
            return []
        stmt = select(*groups, *sums).where(*where).group_by(*groups)
        n = len(group_by)
        out = []
        with self.app.connect() as conn:
            for row in conn.execute(stmt):
                key = tuple(None if v == NONE and g != "site" else v for g, v in zip(group_by, row[:n], strict=True))
                values = row[n + 1:] if per_bin else row[n:]
                out.append((key, int(row[n]) if per_bin else None,
                            self.make(dict(zip(self.measures, values, strict=True)))))
        return out


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _typed(values: dict) -> dict:
    """Database values as the counts' types: sums and the longest wait float (None: no wait), the rest int."""
    return {m: (None if v is None else float(v)) if m == "max_wait"
            else (float(v or 0) if m.endswith("_sum") or m == "seconds" else int(v or 0)) for m, v in values.items()}


def history_call_counts(calls_conn: Connection, config: Config, scope: Scope, group_by: Sequence[str] = (),
                        bin_seconds: int | None = None, intervals: Intervals | None = None,
                        memo: dict | None = None, zone: str | None = None,
                        labels: str | None = None) -> list[tuple[tuple, int | None, CallCounts]]:
    """`call_counts` through the call intervals (see `history_counts`)."""
    if intervals is None:
        return call_counts(calls_conn, config, scope, group_by, bin_seconds)
    return history_counts(intervals, calls_conn, config, scope, group_by, bin_seconds, memo, zone, labels)


def history_survey_counts(tickets_conn: Connection, scope: Scope, group_by: Sequence[str] = (),
                          bin_seconds: int | None = None, intervals: Intervals | None = None,
                          memo: dict | None = None, zone: str | None = None,
                          labels: str | None = None) -> list[tuple[tuple, int | None, SurveyCounts]]:
    """`survey_counts` through the survey intervals (see `history_counts`)."""
    if intervals is None:
        return survey_counts(tickets_conn, scope, group_by, bin_seconds)
    return history_counts(intervals, tickets_conn, None, scope, group_by, bin_seconds, memo, zone, labels)


def history_state_time(calls_conn: Connection, scope: Scope, group_by: Sequence[str] = (),
                       bin_seconds: int | None = None, intervals: Intervals | None = None,
                       memo: dict | None = None) -> list[tuple[tuple, int | None, StateTime]]:
    """`state_time` (agent seconds per state and reason) through the agent-time intervals."""
    if intervals is None:
        return state_time(calls_conn, scope, group_by, bin_seconds)
    return history_counts(intervals, calls_conn, None, scope, group_by, bin_seconds, memo)


def _pieces(intervals: Intervals, lo: int, hi: int, group_by: Sequence[str], scope: Scope,
            bin_seconds: int | None, zone: str | None, labels: str | None) -> list[tuple]:
    """How to read [lo, hi): whole local days and whole hours from the roll-ups where the caller's grouping allows,
    the rest from the intervals: [(grain, starts) or (None, lo, hi)]."""
    if "agent" in group_by or scope.agent_id is not None or intervals.rollups is None:
        return [(None, lo, hi)]
    pieces, ranges = [], [(lo, hi)]
    if zone in intervals.zones and labels != "hour" and (bin_seconds is None or labels == "day"):
        days = [(a, b) for a, b in day_periods(zone, lo, hi) if a >= lo and b <= hi]
        if days:
            pieces.append((DAY + zone, tuple(a for a, _ in days)))
            ranges = [(lo, days[0][0]), (days[-1][1], hi)]
    if bin_seconds in (None, 3600):
        rest = []
        for a, b in ranges:
            hours = [(x, y) for x, y in intervals.periods(HOUR, a, b) if x >= a and y <= b]
            if hours:
                pieces.append((HOUR, tuple(x for x, _ in hours)))
                rest += [(a, hours[0][0]), (hours[-1][1], b)]
            else:
                rest.append((a, b))
        ranges = rest
    return pieces + [(None, a, b) for a, b in ranges if a < b]


def history_counts(intervals: Intervals, conn: Connection, config: Config | None, scope: Scope,
                   group_by: Sequence[str] = (), bin_seconds: int | None = None, memo: dict | None = None,
                   zone: str | None = None, labels: str | None = None) -> list:
    """The raw path's figures, read from the aggregates where they cover the period and from raw rows elsewhere.

    Bins (when asked) must be multiples of the grid (900 or 3600 s); rows are merged by (group, bin). `zone` and
    `labels` ("day", "hour" or None: how the caller will label the bins) let whole local days and hours come
    from the roll-ups. With a `memo` (the poller's), the aggregates' part is read once per covered range: a live
    poll then reads only the raw rows after it, so its cost does not grow with the day's volume.
    """
    span = intervals.covered()
    if span is None or (bin_seconds and bin_seconds % GRID):
        return intervals.raw(conn, config, scope, group_by, bin_seconds)
    lo = max(span.first, _ceil_bin(scope.start))
    hi = min(span.end, to_bin(scope.end))
    if lo >= hi:
        return intervals.raw(conn, config, scope, group_by, bin_seconds)
    ratio = (bin_seconds or 0) // GRID
    pieces = _pieces(intervals, lo, hi, group_by, scope, bin_seconds, zone, labels)
    memo_key = ("intervals", intervals.settings, tuple(group_by), scope.sites and tuple(scope.sites),
                scope.exclude_sites and tuple(scope.exclude_sites), scope.skill_group, scope.agent_id, lo, hi,
                span.changed_at, tuple(pieces), bin_seconds)
    stored = memo.get(memo_key) if memo is not None else None
    if stored is None:  # the aggregates' part, summed per (group, bin): a poll then adds only the raw edges to it
        stored = {}
        per_bin = bool(bin_seconds)
        for piece in pieces:
            rows = (intervals.counts(group_by, scope, piece[1], piece[2], per_bin=per_bin) if piece[0] is None
                    else intervals.counts(group_by, scope, lo, hi, grain=piece[0], starts=piece[1], per_bin=per_bin))
            for key, b15, counts in rows:
                _add(stored, (key, b15 // ratio if per_bin else None), counts)
        if memo is not None:
            for old in [k for k in memo if isinstance(k, tuple) and k[:7] == memo_key[:7]]:
                del memo[old]  # the range moved on: the older read is not needed again
            memo[memo_key] = stored
    merged = dict(stored)
    for edge_start, edge_end in ((scope.start, bin_time(lo)), (bin_time(hi), scope.end)):
        if edge_start < edge_end:
            edge = Scope(start=edge_start, end=edge_end, sites=scope.sites, exclude_sites=scope.exclude_sites,
                         skill_group=scope.skill_group, agent_id=scope.agent_id)
            for key, b, counts in intervals.raw(conn, config, edge, group_by, bin_seconds):
                _add(merged, (key, b), counts)
    if not merged and not group_by and not bin_seconds:  # as SQL's aggregate without GROUP BY: one row of zeros
        merged[((), None)] = intervals.make({})
    return [(key, b, counts) for (key, b), counts in merged.items()]


def _add(totals: dict, key: tuple, counts) -> None:
    totals[key] = totals[key] + counts if key in totals else counts


def _ceil_bin(moment: datetime) -> int:
    """The first interval starting at or after `moment`."""
    seconds = moment.replace(tzinfo=UTC).timestamp()
    return int(-(-seconds // GRID))
