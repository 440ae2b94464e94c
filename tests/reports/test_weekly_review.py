"""The weekly review and satisfaction figures against hand-computed values, on SQLite, PostgreSQL and MariaDB.

Week 2026-W10 starts Monday 2026-03-02, local time Asia/Shanghai (UTC+8): the rows below
are written in UTC, eight hours earlier.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from wallboard.config import Config
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import calls, complaints, surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.survey_stats import latest_comments, score_stats
from wallboard.i18n import CATALOGUE
from wallboard.maths.confidence import wilson_interval
from wallboard.reports.periods import parse_week, week_label
from wallboard.reports.satisfaction import satisfaction
from wallboard.reports.weekly_review import weekly_review

TZ = "Asia/Shanghai"
CONFIG = Config()


def utc(local: str) -> datetime:
    """A local Shanghai time as the naive UTC value stored."""
    return datetime.fromisoformat(local) - timedelta(hours=8)


def call(cid: str, queued: str, wait: float, talk: float | None, wrap: float = 0, site: str = "BJ") -> dict:
    """An answered call (talk given) or an abandoned one (talk None) after `wait` seconds in the queue."""
    q = utc(queued)
    end = q + timedelta(seconds=wait + (talk or 0))
    return {"call_id": cid, "site": site, "skill_group": "S", "arrived_at": q - timedelta(seconds=5),
            "queued_at": q, "answered_at": q + timedelta(seconds=wait) if talk is not None else None,
            "ended_at": end, "agent_id": "A1" if talk is not None else None, "wrap_up_seconds": wrap,
            "transferred": 0}


def survey(sid: str, at: str, score: int, site: str = "BJ", kind: str = "post_call", comment: str | None = None,
           agent: str = "A1") -> dict:
    return {"survey_id": sid, "call_id": None, "site": site, "skill_group": "S", "agent_id": agent,
            "submitted_at": utc(at), "score": score, "survey_type": kind, "comment": comment}


def complaint(cid: str, site: str, severity: str, category: str, received: str, **done: str) -> dict:
    row = {"complaint_id": cid, "site": site, "severity": severity, "category": category, "channel": "phone",
           "received_at": utc(received), "owner": None}
    for name in ("handed_over_at", "registered_at", "first_contact_at", "refund_requested_at",
                 "refund_completed_at", "closed_at", "archived_at"):
        row[name] = utc(done[name]) if name in done else None
    return row


CALLS = [
    # this week: Monday 10:00 three calls, Tuesday 11:00 one
    call("A", "2026-03-02T10:00:00", 10, 100, 20),   # answered within 20 s
    call("B", "2026-03-02T10:10:00", 30, 200),       # answered late
    call("C", "2026-03-02T10:20:00", 40, None),      # abandoned after 40 s
    call("D", "2026-03-03T11:00:00", 5, 60, site="SH"),
    # last week (W09)
    call("E", "2026-02-23T09:00:00", 10, 50),
    call("F", "2026-02-24T09:00:00", 10, None),
    # earlier weeks of the 4 before this one (W06, W08)
    call("G", "2026-02-02T09:00:00", 50, 50),
    call("H", "2026-02-16T09:00:00", 0, 50),
    # next week: in no figure of W10
    call("I", "2026-03-09T00:00:00", 1, 10),
]
SURVEYS = [
    survey("S1", "2026-03-02T10:05:00", 5, comment="很好"),
    survey("S2", "2026-03-02T10:15:00", 4),
    survey("S3", "2026-03-02T10:30:00", 2, comment="等待太长"),
    survey("S4", "2026-03-03T12:00:00", 5, site="SH", kind="return_visit_surgical", comment="满意", agent="A2"),
    survey("S5", "2026-02-25T12:00:00", 3),  # last week
]
COMPLAINTS = [
    # handed over in time, never registered: the register stage is overdue at the week's end
    complaint("BJ-2026-03-01", "BJ", "II", "billing", "2026-03-02T09:00:00", handed_over_at="2026-03-02T11:00:00"),
    # every stage on time, archived within the week
    complaint("SH-2026-03-01", "SH", "III", "service_attitude", "2026-03-03T09:00:00",
              handed_over_at="2026-03-03T10:00:00", registered_at="2026-03-03T11:00:00",
              first_contact_at="2026-03-04T09:00:00", closed_at="2026-03-05T09:00:00",
              archived_at="2026-03-05T10:00:00"),
    # received the week before: not counted as received
    complaint("BJ-2026-02-01", "BJ", "I", "process", "2026-02-25T09:00:00", handed_over_at="2026-02-25T10:00:00",
              registered_at="2026-02-25T11:00:00", first_contact_at="2026-02-26T09:00:00",
              closed_at="2026-02-27T09:00:00", archived_at="2026-02-27T10:00:00"),
]
AFTER_THE_WEEK = datetime.fromisoformat("2026-03-20T12:00:00+08:00")


@pytest.fixture
def filled(engine):
    with engine.begin() as conn:
        conn.execute(calls.insert(), CALLS)
        conn.execute(surveys.insert(), SURVEYS)
        conn.execute(complaints.insert(), COMPLAINTS)
    return engine


def review(engine):
    return weekly_review(Sources.single(engine, CONFIG), "2026-W10", timezone=TZ, now=AFTER_THE_WEEK)


def rows_by(section, key: str) -> dict:
    return {r[key]: r for r in section.rows}


def test_week001_parse_and_label():
    assert parse_week("2026-W10") == date(2026, 3, 2)
    assert parse_week("2020-W53") == date(2020, 12, 28)  # a 53-week year
    assert week_label(date(2027, 1, 1)) == "2026-W53" and week_label(date(2026, 3, 8)) == "2026-W10"
    for bad in ("2026-10", "2026-W1", "2026W10", "", None, "2026-W54", "2026-W00"):
        with pytest.raises(ValueError):
            parse_week(bad)


def test_week002_kpis_against_last_week_and_four_weeks(filled):
    """Every comparison figure by hand (T = 20 s, S = 5 s, default formula)."""
    r = review(filled)
    assert (r.week, r.start, r.end, r.partial) == ("2026-W10", "2026-03-02T00:00:00+08:00",
                                                    "2026-03-09T00:00:00+08:00", False)
    k = rows_by(r.section("kpis"), "kpi")
    # this week A B C D: offered 4, answered 3, within 20 s A D; last week E F; 4 weeks E F G H
    assert (k["offered"]["this_week"], k["offered"]["last_week"], k["offered"]["avg_4_weeks"]) == (4, 2, 1.0)
    assert k["offered"]["change_vs_last_week"] == 2 and k["offered"]["judgement"] is None  # volume: no verdict
    sl = k["service_level"]
    assert (sl["this_week"], sl["last_week"], sl["avg_4_weeks"], sl["judgement"]) == (0.5, 0.5, 0.5, "same")
    asa = k["asa_seconds"]  # (10+30+5)/3 = 15; last week 10; 4 weeks (10+50+0)/3 = 20
    assert (asa["this_week"], asa["last_week"], asa["avg_4_weeks"]) == (15.0, 10.0, 20.0)
    assert (asa["change_vs_last_week"], asa["judgement"]) == (5.0, "worse")  # longer answer: worse
    assert (asa["change_vs_4_weeks"], asa["judgement_4_weeks"]) == (-5.0, "better")
    ab = k["abandon_rate"]  # 1/4 against 1/2 last week
    assert (ab["this_week"], ab["last_week"], ab["judgement"]) == (0.25, 0.5, "better")
    assert (k["connection_rate"]["this_week"], k["connection_rate"]["judgement"]) == (0.75, "better")
    assert k["aht_seconds"]["this_week"] == round((120 + 200 + 60) / 3, 6)
    assert k["max_wait_seconds"]["this_week"] == 40.0
    # surveys: 5 4 2 5 this week (mean 4, top-2 3/4), one 3 last week
    assert (k["csat_mean"]["this_week"], k["csat_top2"]["this_week"], k["csat_top2"]["last_week"]) == (4.0, 0.75, 0.0)
    assert k["csat_top2"]["note"] == "low_sample" and k["csat_mean"]["judgement"] == "better"


def test_week003_by_day_and_busiest_hours(filled):
    r = review(filled)
    days = rows_by(r.section("by_day"), "date")
    assert set(days) == {"2026-03-02", "2026-03-03"}
    assert (days["2026-03-02"]["offered"], days["2026-03-02"]["service_level"]) == (3, round(1 / 3, 6))
    assert (days["2026-03-03"]["offered"], days["2026-03-03"]["service_level"]) == (1, 1.0)
    assert days["2026-03-02"]["csat_top2"] == round(2 / 3, 6)
    hours = r.section("busiest_hours").rows
    assert [(h["hour"], h["offered"]) for h in hours] == [("2026-03-02T10", 3), ("2026-03-03T11", 1)]


def test_week004_complaints(filled):
    r = review(filled)
    summary = {x["measure"]: x["value"] for x in r.section("complaints").rows}
    assert summary == {"received": 2, "closed": 1, "closed_on_time": 1, "open_at_end": 1, "overdue_at_end": 1}
    stages = rows_by(r.section("complaint_stages"), "stage")
    assert (stages["hand_over"]["met"], stages["hand_over"]["missed"]) == (2, 0)
    assert (stages["register"]["done"], stages["close"]["on_time_rate"], stages["refund"]["done"]) == (1, 1.0, 0)
    assert stages["refund"]["on_time_rate"] is None
    by = {(x["dimension"], x["value"]): (x["received"], x["overdue_at_end"]) for x in r.section("complaints_by").rows}
    assert by == {("site", "BJ"): (1, 1), ("site", "SH"): (1, 0), ("severity", "II"): (1, 1),
                  ("severity", "III"): (1, 0), ("category", "billing"): (1, 1),
                  ("category", "service_attitude"): (1, 0)}


def test_week005_csat_by_site_with_wilson_band(filled):
    sites = rows_by(review(filled).section("csat_by_site"), "site")
    bj = sites["BJ"]  # 5 4 2: mean 11/3, top-2 2/3
    assert (bj["surveys"], bj["csat_mean"], bj["csat_top2"], bj["low_sample"]) == (3, round(11 / 3, 6),
                                                                                    round(2 / 3, 6), True)
    assert (bj["top2_low"], bj["top2_high"]) == wilson_interval(2, 3)
    assert sites["SH"]["csat_top2"] == 1.0


def test_week006_current_week_is_partial(filled):
    now = datetime.fromisoformat("2026-03-03T12:00:00+08:00")
    r = weekly_review(Sources.single(filled, CONFIG), "2026-W10", timezone=TZ, now=now)
    assert r.partial
    summary = {x["measure"]: x["value"] for x in r.section("complaints").rows}
    # at Tuesday noon the SH complaint (received 09:00) is handed over and registered, not closed
    assert summary["closed"] == 0 and summary["open_at_end"] == 2


def test_week007_score_stats_agree_with_the_engine(filled):
    """The spread query sees exactly the engine's surveys: n, Σ and top-2 per site and per day."""
    start, end = Period(date(2026, 2, 23)), Period(date(2026, 3, 9))
    for by in ("site", "agent", "skill_group"):
        engine_rows = kpi_report(Sources.single(filled, CONFIG), start, end, by=by, timezone=TZ)["rows"]
        stats = score_stats(Sources.single(filled, CONFIG), start, end, by=by, timezone=TZ)
        assert {k[0] for k in stats} == {r["key"] for r in engine_rows if r["surveys"]}
        for r in (r for r in engine_rows if r["surveys"]):
            s = stats[(r["key"], None)]
            assert (s.n, round(s.total / s.n, 6), round(s.top2 / s.n, 6)) == (r["surveys"], r["csat_mean"],
                                                                              r["csat_top2"])
    days = score_stats(Sources.single(filled, CONFIG), start, end, by_day=True, timezone=TZ)
    assert {k[1]: v.n for k, v in days.items()} == {"2026-02-25": 1, "2026-03-02": 3, "2026-03-03": 1}
    assert days[(None, "2026-03-02")].total_sq == 25 + 16 + 4
    types = score_stats(Sources.single(filled, CONFIG), start, end, by="survey_type", timezone=TZ)
    assert {k[0]: v.n for k, v in types.items()} == {"post_call": 4, "return_visit_surgical": 1}


def test_week008_satisfaction_trends(filled):
    s = satisfaction(Sources.single(filled, CONFIG), weeks=2, today=date(2026, 3, 8), timezone=TZ)
    assert (s["from"], s["to"]) == ("2026-02-23", "2026-03-09")
    assert (s["total"]["surveys"], s["total"]["csat_mean"], s["total"]["csat_top2"]) == (5, 3.8, 0.6)  # 5 4 2 5 3
    weeks = {w["key"]: w for w in s["by_week"]}
    assert (weeks["2026-W09"]["surveys"], weeks["2026-W09"]["csat_top2"]) == (1, 0.0)
    assert (weeks["2026-W10"]["surveys"], weeks["2026-W10"]["csat_mean"]) == (4, 4.0)
    # mean band of 5 4 2 5: variance (1+0+4+1)/3 = 2, half-width 1.96·√(2/4)
    assert weeks["2026-W10"]["mean_high"] - 4.0 == pytest.approx(1.959964 * (2 / 4) ** 0.5, abs=1e-5)
    assert weeks["2026-W10"]["low_sample"]
    assert [d["key"] for d in s["by_day"]] == ["2026-02-25", "2026-03-02", "2026-03-03"]
    types = {t["key"]: t for t in s["by_survey_type"]}
    assert (types["post_call"]["surveys"], types["post_call"]["csat_top2"]) == (4, 0.5)  # 5 4 2 3
    assert sum(t["surveys"] for t in s["by_survey_type"]) == 5
    assert [a["key"] for a in s["by_agent"]] == ["A1", "A2"]
    assert [c["comment"] for c in s["comments"]] == ["满意", "等待太长", "很好"]  # newest first


def test_week009_satisfaction_for_one_site(filled):
    s = satisfaction(Sources.single(filled, CONFIG), weeks=1, site="SH", today=date(2026, 3, 8), timezone=TZ)
    assert [r["key"] for r in s["by_site"]] == ["SH"] and s["by_week"][0]["surveys"] == 1
    assert [c["site"] for c in s["comments"]] == ["SH"]
    assert latest_comments(filled, limit=1)[0]["comment"] == "满意"


def test_week010_every_label_in_both_languages(filled):
    """Section titles, column headers and the values shown as words exist in the catalogue."""
    r = review(filled)
    keys = {f"review.section.{s.id}" for s in r.sections}
    keys |= {f"review.col.{c.field}" for s in r.sections for c in s.columns}
    keys |= {f"review.kpi.{row['kpi']}" for row in r.section("kpis").rows}
    keys |= {f"review.measure.{row['measure']}" for row in r.section("complaints").rows}
    keys |= {f"review.judge.{j}" for j in ("better", "worse", "same")}
    keys |= {f"review.note.{n}" for n in ("low_sample", "within_noise", "significant")}
    keys |= {f"review.weekday.{i}" for i in range(7)} | {f"review.dim.{d}" for d in ("site", "severity", "category")}
    keys |= {f"survey_type.{t}" for t in ("post_call", "return_visit_no_purchase", "return_visit_non_surgical",
                                          "return_visit_surgical")}
    assert keys <= set(CATALOGUE), keys - set(CATALOGUE)
