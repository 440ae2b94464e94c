"""The weekly review and the satisfaction trends, built on the one KPI engine.

Every call and survey figure is a row of `kpi_report` (the `wallboard kpi` engine);
complaint figures come from `complaints.py` (deadlines and on-time stages) plus one count
of complaints received.  Two small survey queries live here because the engine does not
group by them: the spread of scores (Σ score², for a mean's confidence band) with the
survey-type breakdown, and the latest comments.  A review is a list of `Section`s of
plain values, which the page, the XLSX, the CSV and the PDF all show.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, case, func, literal_column, select

from wallboard.config import Config
from wallboard.data_access.complaints import open_complaints, stage_on_time
from wallboard.data_access.kpi_queries import Scope, bin_seconds_for, bin_start, to_utc_naive
from wallboard.data_access.kpi_report import Period, kpi_report, zone_plan
from wallboard.data_access.schema import complaints, surveys
from wallboard.data_access.sql_time import time_bin
from wallboard.maths.confidence import is_low_sample, mean_interval, two_proportion_z, wilson_interval
from wallboard.maths.deadlines import STAGES

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
SURVEY_GROUPS = {"site": "site", "skill_group": "skill_group", "agent": "agent_id", "survey_type": "survey_type"}
SURVEY_TYPES = ("post_call", "return_visit_no_purchase", "return_visit_non_surgical", "return_visit_surgical")
BUSIEST = 10  # busiest hours listed in the review

# (KPI, kind, which way is better: "up", "down" or None for volumes and times that are neither)
REVIEW_KPIS = (
    ("offered", "count", None), ("answered", "count", None), ("service_level", "percent", "up"),
    ("asa_seconds", "seconds", "down"), ("abandon_rate", "percent", "down"), ("connection_rate", "percent", "up"),
    ("max_wait_seconds", "seconds", "down"), ("talk_seconds_avg", "seconds", None), ("aht_seconds", "seconds", None),
    ("transfer_rate", "percent", "down"), ("ivr_only", "count", None), ("surveys", "count", None),
    ("csat_mean", "score", "up"), ("csat_top2", "percent", "up"),
)
VOLUMES = ("offered", "answered", "ivr_only", "surveys")  # the 4-week figure of a count is its weekly average


# ------------------------------------------------------------------ weeks

def parse_week(text: str | None) -> date:
    """The Monday of an ISO week written `YYYY-Www`; ValueError says what is wrong."""
    m = WEEK_PATTERN.match(text or "")
    if not m:
        raise ValueError(f"not an ISO week (YYYY-Www): {text!r}")
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise ValueError(f"no such ISO week: {text!r}") from None


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_today(config: Config, timezone: str | None = None) -> date:
    return datetime.now(ZoneInfo(timezone or config.timezone)).date()


# ------------------------------------------------------------------ sections

@dataclass(frozen=True)
class Column:
    """A column: `kind` says how to show it (count, percent, seconds, score, text, site, stage, kpi, …).

    `row` takes the kind from the row's own `kind` (the KPI table mixes units); `row_delta`
    is a difference in that unit (percentage points for rates).
    """

    field: str
    kind: str


@dataclass(frozen=True)
class Section:
    id: str
    columns: tuple[Column, ...]
    rows: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class WeeklyReview:
    week: str
    start: str  # ISO 8601, local midnight of Monday in `timezone`
    end: str
    timezone: str
    partial: bool  # the week is not over yet
    sections: list[Section]

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


def _cols(*spec: str) -> tuple[Column, ...]:
    return tuple(Column(*s.split(":")) for s in spec)


KPI_COLUMNS = _cols("kpi:kpi", "this_week:row", "last_week:row", "change_vs_last_week:row_delta",
                    "avg_4_weeks:row", "change_vs_4_weeks:row_delta", "judgement:judgement", "note:note")
DAY_COLUMNS = _cols("date:date", "offered:count", "answered:count", "service_level:percent", "asa_seconds:seconds",
                    "abandon_rate:percent", "connection_rate:percent", "surveys:count", "csat_top2:percent")
STAGE_COLUMNS = _cols("stage:stage", "done:count", "met:count", "missed:count", "on_time_rate:percent")
COMPLAINT_COLUMNS = _cols("measure:measure", "value:count")
COMPLAINT_BY_COLUMNS = _cols("dimension:dimension", "value:group", "received:count", "overdue_at_end:count")
CSAT_COLUMNS = _cols("site:site", "surveys:count", "csat_mean:score", "csat_top2:percent", "top2_low:percent",
                     "top2_high:percent", "low_sample:flag")
BUSY_COLUMNS = _cols("hour:hour", "offered:count", "answered:count", "service_level:percent", "asa_seconds:seconds",
                     "abandon_rate:percent", "max_wait_seconds:seconds")


def _change(now, then):
    return None if now is None or then is None else now - then


# a change smaller than half the last shown digit reads as "same"
SAME_WITHIN = {"percent": 0.0005, "seconds": 0.05, "score": 0.005, "count": 0.5}


def _judge(change, better: str | None, kind: str) -> str | None:
    """better / worse / same for a KPI with a direction; None for volumes and missing figures."""
    if better is None or change is None:
        return None
    if abs(change) < SAME_WITHIN[kind]:
        return "same"
    return "better" if (change > 0) == (better == "up") else "worse"


def _kpi_rows(this: dict, last: dict, four: dict) -> list[dict]:
    rows = []
    for name, kind, better in REVIEW_KPIS:
        avg = four[name] / 4 if name in VOLUMES else four[name]
        change_last, change_avg = _change(this[name], last[name]), _change(this[name], avg)
        note = None
        if name in ("csat_mean", "csat_top2") and is_low_sample(this["surveys"]):
            note = "low_sample"
        elif name == "csat_top2" and this[name] is not None and last[name] is not None:
            z = two_proportion_z(round(this[name] * this["surveys"]), this["surveys"],
                                 round(last[name] * last["surveys"]), last["surveys"])
            note = "within_noise" if z is None or abs(z) < 1.96 else "significant"
        rows.append({"kpi": name, "kind": kind, "this_week": this[name], "last_week": last[name],
                     "change_vs_last_week": change_last, "avg_4_weeks": avg, "change_vs_4_weeks": change_avg,
                     "judgement": _judge(change_last, better, kind),
                     "judgement_4_weeks": _judge(change_avg, better, kind),
                     "note": note})
    return rows


def _pick(row: dict, columns: tuple[Column, ...], key_field: str) -> dict:
    return {c.field: (row["key"] if c.field == key_field else row.get(c.field)) for c in columns}


def weekly_review(calls_engine: Engine, tickets_engine: Engine, config: Config, week: str,
                  timezone: str | None = None, now: datetime | None = None) -> WeeklyReview:
    """The review of ISO week `week`: this week against last week and the 4 weeks before, by day, complaints,
    CSAT by site and the busiest hours.  Raises ValueError for a malformed week."""
    start = parse_week(week)
    zone = timezone or config.timezone
    lo, hi = datetime.combine(start, time(0), ZoneInfo(zone)), datetime.combine(start + timedelta(7), time(0),
                                                                                 ZoneInfo(zone))
    now = now or datetime.now(ZoneInfo(zone))

    def report(first: date, last: date, by: str = "none") -> dict:
        return kpi_report(calls_engine, tickets_engine, config, Period(first), Period(last), by=by,
                          timezone=timezone)

    end = start + timedelta(days=7)
    this = report(start, end)["rows"][0]
    last = report(start - timedelta(days=7), start)["rows"][0]
    four = report(start - timedelta(days=28), start)["rows"][0]
    days = report(start, end, "day")["rows"]
    hours = report(start, end, "hour")["rows"]
    sites = report(start, end, "site")["rows"]

    busiest = sorted((h for h in hours if h["offered"]), key=lambda r: (-r["offered"], r["key"]))[:BUSIEST]
    csat = []
    for r in sites:
        n = r["surveys"]
        band = wilson_interval(round(r["csat_top2"] * n), n) if n else None
        csat.append({"site": r["key"], "surveys": n, "csat_mean": r["csat_mean"], "csat_top2": r["csat_top2"],
                     "top2_low": band[0] if band else None, "top2_high": band[1] if band else None,
                     "low_sample": is_low_sample(n)})
    at = min(hi, now) if now >= lo else lo
    # stages completed between Monday and the week's end (or now, for the current week)
    stages = stage_on_time(tickets_engine, config, at, days=(at - lo).total_seconds() / 86400) if at > lo \
        else {s: {"met": 0, "missed": 0} for s in STAGES}
    stage_rows = []
    for s in STAGES:
        met, missed = stages[s]["met"], stages[s]["missed"]
        stage_rows.append({"stage": s, "done": met + missed, "met": met, "missed": missed,
                           "on_time_rate": met / (met + missed) if met + missed else None})
    received = complaints_received(tickets_engine, lo, hi)
    board = open_complaints(tickets_engine, config, at)
    overdue = [d.complaint for d in board if any(s.status == "overdue" for s in d.stages)]
    by_rows = []
    for dim in ("site", "severity", "category"):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in received:
            counts[row[dim] or ""][0] += row["n"]
        for c in overdue:
            counts[getattr(c, dim) or ""][1] += 1
        by_rows += [{"dimension": dim, "value": v, "received": n[0], "overdue_at_end": n[1]}
                    for v, n in sorted(counts.items())]
    summary = [{"measure": "received", "value": sum(r["n"] for r in received)},
               {"measure": "closed", "value": stages["close"]["met"] + stages["close"]["missed"]},
               {"measure": "closed_on_time", "value": stages["close"]["met"]},
               {"measure": "open_at_end", "value": len(board)},
               {"measure": "overdue_at_end", "value": len(overdue)}]
    sections = [
        Section("kpis", KPI_COLUMNS, _kpi_rows(this, last, four)),
        Section("by_day", DAY_COLUMNS, [_pick(r, DAY_COLUMNS, "date") for r in days]),
        Section("complaints", COMPLAINT_COLUMNS, summary),
        Section("complaint_stages", STAGE_COLUMNS, stage_rows),
        Section("complaints_by", COMPLAINT_BY_COLUMNS, by_rows),
        Section("csat_by_site", CSAT_COLUMNS, csat),
        Section("busiest_hours", BUSY_COLUMNS, [_pick(r, BUSY_COLUMNS, "hour") for r in busiest]),
    ]
    return WeeklyReview(week=week_label(start), start=lo.isoformat(), end=hi.isoformat(),
                        timezone=timezone or "per-site", partial=now < hi, sections=sections)


def complaints_received(engine: Engine, lo: datetime, hi: datetime) -> list[dict]:
    """Complaints received in [lo, hi), counted by site, severity and category."""
    c = complaints.c
    stmt = (select(c.site, c.severity, c.category, func.count())
            .where(c.received_at >= to_utc_naive(lo), c.received_at < to_utc_naive(hi))
            .group_by(c.site, c.severity, c.category))
    with engine.connect() as conn:
        return [{"site": r[0], "severity": r[1], "category": r[2], "n": int(r[3])} for r in conn.execute(stmt)]


# ------------------------------------------------------------------ satisfaction

@dataclass(frozen=True)
class ScoreStats:
    """n, Σ score, Σ score² and the top-2-box count of a set of surveys."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    top2: int = 0

    def __add__(self, other: ScoreStats) -> ScoreStats:
        return ScoreStats(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq,
                          self.top2 + other.top2)


def score_stats(tickets_engine: Engine, config: Config, start: Period, end: Period, by: str | None = None,
                by_day: bool = False, site: str | None = None, timezone: str | None = None) -> dict:
    """Surveys of a local period as `ScoreStats` keyed by (group value or None, local day or None).

    The engine's own zone plan and scope, so n, Σ and top-2 equal `kpi_report`'s; `by` may also
    be `survey_type`, which the engine does not group by.
    """
    s = surveys.c
    out: dict[tuple, ScoreStats] = defaultdict(ScoreStats)
    for zone, include, exclude in zone_plan(config, timezone, site):
        lo, hi = start.in_zone(zone), end.in_zone(zone)
        scope = Scope(start=to_utc_naive(lo), end=to_utc_naive(hi), sites=include, exclude_sites=exclude)
        groups = [getattr(s, SURVEY_GROUPS[by])] if by else []
        width = bin_seconds_for(zone, scope.start, scope.end) if by_day else None
        if width:
            groups.append(time_bin(s.submitted_at, literal_column(str(width))))
        where = [s.submitted_at >= scope.start, s.submitted_at < scope.end]
        if include is not None:
            where.append(s.site.in_(include))
        if exclude:
            where.append(s.site.not_in(exclude))
        stmt = (select(*groups, func.count(), func.sum(s.score), func.sum(s.score * s.score),
                       func.sum(case((s.score >= 4, 1), else_=0))).where(and_(*where)).group_by(*groups))
        zone_info = ZoneInfo(zone)
        with tickets_engine.connect() as conn:
            for row in conn.execute(stmt):
                g = row[0] if by else None
                day = bin_start(int(row[len(groups) - 1]), width).astimezone(zone_info).strftime("%Y-%m-%d") \
                    if width else None
                m = row[len(groups):]
                out[(g, day)] += ScoreStats(int(m[0] or 0), float(m[1] or 0), float(m[2] or 0), int(m[3] or 0))
    return dict(out)


def latest_comments(tickets_engine: Engine, limit: int = 25, site: str | None = None,
                    before: datetime | None = None) -> list[dict]:
    """The newest surveys with a comment (time as naive UTC, as stored)."""
    s = surveys.c
    stmt = select(s.submitted_at, s.site, s.skill_group, s.agent_id, s.survey_type, s.score, s.comment).where(
        s.comment.is_not(None), s.comment != "")
    if site:
        stmt = stmt.where(s.site == site)
    if before is not None:
        stmt = stmt.where(s.submitted_at < to_utc_naive(before))
    stmt = stmt.order_by(s.submitted_at.desc()).limit(limit)
    with tickets_engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def csat_row(key, n: int, mean: float | None, top2: float | None, stats: ScoreStats | None) -> dict:
    """One satisfaction row: the engine's n, mean and top-2-box with their 95 % bands and the low-sample flag."""
    band = wilson_interval(round(top2 * n), n) if n and top2 is not None else None
    spread = mean_interval(stats.n, stats.total, stats.total_sq) if stats else None
    return {"key": key, "surveys": n, "csat_mean": mean, "csat_top2": top2,
            "top2_low": band[0] if band else None, "top2_high": band[1] if band else None,
            "mean_low": spread[0] if spread else None, "mean_high": spread[1] if spread else None,
            "low_sample": is_low_sample(n)}


def satisfaction(calls_engine: Engine, tickets_engine: Engine, config: Config, weeks: int = 4,
                 site: str | None = None, today: date | None = None, timezone: str | None = None) -> dict:
    """CSAT of the last `weeks` ISO weeks (the current one so far): by day, by week, by site, skill group,
    survey type and agent, each with its 95 % bands; and the latest comments."""
    today = today or local_today(config, timezone)
    first = monday(today) - timedelta(days=7 * (weeks - 1))
    start, end = Period(first), Period(today + timedelta(days=1))

    def rows(by: str, lo: Period = start, hi: Period = end) -> list[dict]:
        return kpi_report(calls_engine, tickets_engine, config, lo, hi, by=by, site=site, timezone=timezone)["rows"]

    def merged(by: str | None, report_rows: list[dict], by_day: bool = False) -> list[dict]:
        stats = score_stats(tickets_engine, config, start, end, by=by, by_day=by_day, site=site, timezone=timezone)
        out = []
        for r in report_rows:
            if not r["surveys"]:
                continue
            key = (None, r["key"]) if by_day else (r["key"], None)
            out.append(csat_row(r["key"], r["surveys"], r["csat_mean"], r["csat_top2"], stats.get(key)))
        return out

    by_week = []
    for i in range(weeks):
        lo = first + timedelta(days=7 * i)
        hi = min(lo + timedelta(days=7), today + timedelta(days=1))
        r = rows("none", Period(lo), Period(hi))[0]
        st = score_stats(tickets_engine, config, Period(lo), Period(hi), site=site, timezone=timezone).get(
            (None, None))
        by_week.append(csat_row(week_label(lo), r["surveys"], r["csat_mean"], r["csat_top2"], st))
    types = score_stats(tickets_engine, config, start, end, by="survey_type", site=site, timezone=timezone)
    by_type = [csat_row(k[0] or "", v.n, round(v.total / v.n, 6), round(v.top2 / v.n, 6), v)
               for k, v in sorted(types.items(), key=lambda kv: kv[0][0] or "") if v.n]
    total = rows("none")[0]
    total_stats = score_stats(tickets_engine, config, start, end, site=site, timezone=timezone).get((None, None))
    return {
        "from": first.isoformat(), "to": (today + timedelta(days=1)).isoformat(), "weeks": weeks, "site": site,
        "total": csat_row("all", total["surveys"], total["csat_mean"], total["csat_top2"], total_stats),
        "by_day": merged(None, rows("day"), by_day=True), "by_week": by_week,
        "by_site": merged("site", rows("site")), "by_skill_group": merged("skill_group", rows("skill_group")),
        "by_survey_type": by_type,
        "by_agent": sorted(merged("agent", rows("agent")), key=lambda r: (-r["surveys"], r["key"] or "")),
        "comments": latest_comments(tickets_engine, site=site),
    }
