"""The satisfaction trends (/satisfaction): CSAT by day, week, site, skill group, survey type and agent, each
with its 95 % bands, built on the KPI engine's rows and the survey spread."""

from __future__ import annotations

from datetime import date, timedelta

from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.sources import Sources
from wallboard.data_access.survey_stats import ScoreStats, latest_comments, score_stats
from wallboard.maths.confidence import is_low_sample, mean_interval, wilson_interval
from wallboard.reports.periods import local_today, monday, week_label


def csat_row(key, n: int, mean: float | None, top2: float | None, stats: ScoreStats | None) -> dict:
    """One satisfaction row: the engine's n, mean and top-2-box with their 95 % bands and the low-sample flag."""
    band = wilson_interval(round(top2 * n), n) if n and top2 is not None else None
    spread = mean_interval(stats.n, stats.total, stats.total_sq) if stats else None
    return {"key": key, "surveys": n, "csat_mean": mean, "csat_top2": top2,
            "top2_low": band[0] if band else None, "top2_high": band[1] if band else None,
            "mean_low": spread[0] if spread else None, "mean_high": spread[1] if spread else None,
            "low_sample": is_low_sample(n)}


DEFAULT_WEEKS = 4  # what /satisfaction shows first


def satisfaction(sources: Sources, weeks: int = DEFAULT_WEEKS,
                 site: str | None = None, today: date | None = None, timezone: str | None = None) -> dict:
    """CSAT of the last `weeks` ISO weeks (the current one so far): by day, by week, by site, skill group,
    survey type and agent, each with its 95 % bands; and the latest comments."""
    tickets_engine, config = sources.tickets, sources.config
    today = today or local_today(config, timezone=timezone)
    first = monday(today) - timedelta(days=7 * (weeks - 1))
    start, end = Period(first), Period(today + timedelta(days=1))

    def rows(by: str, lo: Period = start, hi: Period = end) -> list[dict]:
        return kpi_report(sources, lo, hi, by=by, site=site, timezone=timezone, surveys_only=True)["rows"]

    def merged(by: str | None, report_rows: list[dict], by_day: bool = False) -> list[dict]:
        stats = score_stats(sources, start, end, by=by, by_day=by_day, site=site, timezone=timezone)
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
        st = score_stats(sources, Period(lo), Period(hi), site=site, timezone=timezone).get(
            (None, None))
        by_week.append(csat_row(week_label(lo), r["surveys"], r["csat_mean"], r["csat_top2"], st))
    types = score_stats(sources, start, end, by="survey_type", site=site, timezone=timezone)
    by_type = [csat_row(k[0] or "", v.n, round(v.total / v.n, 6), round(v.top2 / v.n, 6), v)
               for k, v in sorted(types.items(), key=lambda kv: kv[0][0] or "") if v.n]
    total = rows("none")[0]
    total_stats = score_stats(sources, start, end, site=site, timezone=timezone).get((None, None))
    return {
        "from": first.isoformat(), "to": (today + timedelta(days=1)).isoformat(), "weeks": weeks, "site": site,
        "total": csat_row("all", total["surveys"], total["csat_mean"], total["csat_top2"], total_stats),
        "by_day": merged(None, rows("day"), by_day=True), "by_week": by_week,
        "by_site": merged("site", rows("site")), "by_skill_group": merged("skill_group", rows("skill_group")),
        "by_survey_type": by_type,
        "by_agent": sorted(merged("agent", rows("agent")), key=lambda r: (-r["surveys"], r["key"] or "")),
        "comments": latest_comments(tickets_engine, site=site),
    }
