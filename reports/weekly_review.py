"""The weekly review and the satisfaction trends, built on the one KPI engine.

Every call and survey figure is a row of `kpi_report` (the `wallboard kpi` engine);
complaint figures come from `complaints.py` (deadlines and on-time stages) plus one count
of complaints received.  Two small survey queries live here because the engine does not
group by them: the spread of scores (Σ score², for a mean's confidence band) with the
survey-type breakdown, and the latest comments.  A review is a list of `Section`s of
plain values, which the page, the XLSX, the CSV and the PDF all show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from wallboard.data_access.complaints import complaints_received, open_complaints
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.sources import Sources
from wallboard.maths.confidence import is_low_sample, two_proportion_z, wilson_interval
from wallboard.maths.deadlines import STAGES
from wallboard.reports.complaints import stage_on_time
from wallboard.reports.periods import parse_week, week_label

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


COMPLAINT_DIMENSIONS = ("site", "severity", "category")


def _complaints_by(received: list[dict], overdue: list) -> list[dict]:
    """Complaints received in the week and overdue at its end, counted by site, by severity and by category
    (a missing value counts under "")."""
    frame = pd.concat([
        pd.DataFrame(received, columns=[*COMPLAINT_DIMENSIONS, "n"]).rename(columns={"n": "received"})
        .assign(overdue_at_end=0),
        pd.DataFrame([{d: getattr(c, d) for d in COMPLAINT_DIMENSIONS} for c in overdue],
                     columns=list(COMPLAINT_DIMENSIONS)).assign(received=0, overdue_at_end=1),
    ], ignore_index=True)
    rows = []
    for dim in COMPLAINT_DIMENSIONS:
        counts = frame.assign(value=frame[dim].fillna("")).groupby("value", sort=True)[["received", "overdue_at_end"]]
        rows += [{"dimension": dim, "value": value, "received": int(n.received),
                  "overdue_at_end": int(n.overdue_at_end)} for value, n in counts.sum().iterrows()]
    return rows


def _pick(row: dict, columns: tuple[Column, ...], key_field: str) -> dict:
    return {c.field: (row["key"] if c.field == key_field else row.get(c.field)) for c in columns}


def weekly_review(sources: Sources, week: str,
                  timezone: str | None = None, now: datetime | None = None) -> WeeklyReview:
    """The review of ISO week `week`: this week against last week and the 4 weeks before, by day, complaints,
    CSAT by site and the busiest hours.  Raises ValueError for a malformed week."""
    tickets_engine, config = sources.tickets, sources.config
    start = parse_week(week)
    zone = timezone or config.timezone
    lo, hi = datetime.combine(start, time(0), ZoneInfo(zone)), datetime.combine(start + timedelta(7), time(0),
                                                                                 ZoneInfo(zone))
    now = now or datetime.now(ZoneInfo(zone))

    def report(first: date, last: date, by: str = "none") -> dict:
        return kpi_report(sources, Period(first), Period(last), by=by,
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
    stages = stage_on_time(sources, at, days=(at - lo).total_seconds() / 86400) if at > lo \
        else {s: {"met": 0, "missed": 0} for s in STAGES}
    stage_rows = []
    for s in STAGES:
        met, missed = stages[s]["met"], stages[s]["missed"]
        stage_rows.append({"stage": s, "done": met + missed, "met": met, "missed": missed,
                           "on_time_rate": met / (met + missed) if met + missed else None})
    received = complaints_received(tickets_engine, lo, hi)
    board = open_complaints(tickets_engine, config, at)
    overdue = [d.complaint for d in board if any(s.status == "overdue" for s in d.stages)]
    by_rows = _complaints_by(received, overdue)
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
