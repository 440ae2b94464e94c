"""The KPI engine against hand-computed figures, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
from support.kpi_data import CONTRACT_CALLS, HEADER, TZ, config_from, load_calls, load_surveys, report

from wallboard.config import Config
from wallboard.data_access.schema import calls


def test_kpi001_contract_example(engine):
    """Every figure of the contract's worked example, computed by hand."""
    load_calls(engine, CONTRACT_CALLS)
    load_surveys(engine, [("V1", "T", "S", "2026-03-02T09:06:00", 5), ("V2", "T", "S", "2026-03-02T09:04:00", 3)])
    out = report(engine)
    assert out["by"] == "none" and out["timezone"] == TZ
    assert out["from"] == "2026-03-02T00:00:00+08:00" and out["to"] == "2026-03-03T00:00:00+08:00"
    (row,) = out["rows"]
    assert row == {
        "key": "all", "offered": 7, "answered": 4, "abandoned": 3, "short_abandoned": 1,
        "answered_within_threshold": 3, "service_level": 0.5, "abandon_rate": round(2 / 6, 6),
        "connection_rate": round(4 / 7, 6), "asa_seconds": 12.75, "max_wait_seconds": 60.0,
        "talk_seconds_avg": 165.0, "aht_seconds": 187.5, "transfer_rate": 0.25, "ivr_only": 1,
        "surveys": 2, "csat_mean": 4.0, "csat_top2": 0.5}
    assert out["data_quality"]["flagged_calls"] == 1  # C8
    # the satisfaction pages' rows: the same survey figures, no call read
    assert report(engine, surveys_only=True)["rows"] == [{"key": "all", "surveys": 2, "csat_mean": 4.0,
                                                          "csat_top2": 0.5}]


@pytest.mark.parametrize("formula, expected", [
    ("abandons_against", 3 / 6),      # 3 within / (7 offered - 1 short)
    ("ignore_abandons", 3 / 4),       # 3 within / 4 answered
    ("abandons_in_favour", 4 / 6),    # (3 within + 2 abandoned within 20 s (C4, C5) - 1 short) / 6
])
def test_kpi002_service_level_formulas(engine, formula, expected):
    load_calls(engine, CONTRACT_CALLS)
    cfg = config_from(f'[service_level]\nformula = "{formula}"\n')
    (row,) = report(engine, config=cfg)["rows"]
    assert row["service_level"] == round(expected, 6)


def test_kpi003_short_abandon_off_and_per_group_threshold(engine):
    """S = 0 turns short abandons off; a skill group's own threshold applies to its calls only."""
    load_calls(engine, CONTRACT_CALLS)
    cfg = config_from('[service_level]\nshort_abandon_seconds = 0\n'
                      '[[skill_groups]]\nid = "S"\nthreshold_seconds = 10\n')
    (row,) = report(engine, config=cfg)["rows"]
    # within 10 s: C1 (10), C8 (0) = 2; short 0; SL 2/7; abandon 3/7
    assert (row["short_abandoned"], row["answered_within_threshold"]) == (0, 2)
    assert row["service_level"] == round(2 / 7, 6)
    assert row["abandon_rate"] == round(3 / 7, 6)
    assert out_settings(report(engine, config=cfg))["skill_groups"]["S"]["threshold_seconds"] == 10


def out_settings(out: dict) -> dict:
    return out["settings"]


def test_kpi004_empty_period_has_null_rates(engine):
    load_calls(engine, CONTRACT_CALLS)
    (row,) = report(engine, start="2026-03-05", end="2026-03-06")["rows"]
    assert row["key"] == "all" and row["offered"] == 0 and row["ivr_only"] == 0 and row["surveys"] == 0
    for k in ("service_level", "abandon_rate", "connection_rate", "asa_seconds", "max_wait_seconds",
              "talk_seconds_avg", "aht_seconds", "transfer_rate", "csat_mean", "csat_top2"):
        assert row[k] is None, k


def test_kpi005_by_hour_day_site_skill_group_agent(engine):
    load_calls(engine, CONTRACT_CALLS + [
        # another site and group, 10:15 local: answered after 5 s by A3, talk 100, no wrap given
        ["D1", "U", "V", "2026-03-02T10:14:55", "2026-03-02T10:15:00", "2026-03-02T10:15:05",
         "2026-03-02T10:16:45", "A3", "", "0"],
    ])
    by_hour = {r["key"]: r for r in report(engine, by="hour")["rows"]}
    assert set(by_hour) == {"2026-03-02T09", "2026-03-02T10"}
    assert (by_hour["2026-03-02T09"]["offered"], by_hour["2026-03-02T10"]["offered"]) == (7, 1)
    (day,) = report(engine, by="day")["rows"]
    assert day["key"] == "2026-03-02" and day["offered"] == 8
    by_site = {r["key"]: r for r in report(engine, by="site")["rows"]}
    assert by_site["U"]["aht_seconds"] == 100.0  # missing wrap-up counts as 0
    assert by_site["T"]["offered"] == 7
    by_group = {r["key"]: r["offered"] for r in report(engine, by="skill_group")["rows"]}
    assert by_group == {"S": 7, "V": 1}
    by_agent = {r["key"]: r for r in report(engine, by="agent")["rows"]}
    # A1: C1, C3 → within 1 of 2; A2: C2, C8 → both within; abandoned calls have no agent (key None)
    assert by_agent["A1"]["answered"] == 2 and by_agent["A1"]["service_level"] == 0.5
    assert by_agent["A2"]["answered_within_threshold"] == 2
    assert by_agent[None]["abandoned"] == 3
    filtered = report(engine, site="T", skill_group="S")["rows"][0]
    assert filtered["offered"] == 7


def test_kpi006_midnight_and_time_zone_boundaries(engine):
    """A call belongs to the day it queued in; days follow the given zone."""
    load_calls(engine, [
        # queued 23:59:50, answered 00:00:05 the next day: belongs to 03-02, wait 15
        ["M1", "T", "S", "2026-03-02T23:59:45", "2026-03-02T23:59:50", "2026-03-03T00:00:05",
         "2026-03-03T00:02:05", "A1", "0", "0"],
        # 01:00 Shanghai on 03-03 = 17:00 UTC on 03-02
        ["M2", "T", "S", "2026-03-03T00:59:00", "2026-03-03T01:00:00", "2026-03-03T01:00:30",
         "2026-03-03T01:01:00", "A1", "0", "0"],
    ])
    shanghai = {r["key"]: r["offered"] for r in report(engine, start="2026-03-02", end="2026-03-04", by="day")["rows"]}
    assert shanghai == {"2026-03-02": 1, "2026-03-03": 1}
    utc = {r["key"]: r["offered"] for r in report(engine, start="2026-03-02", end="2026-03-04", by="day",
                                                  timezone="UTC")["rows"]}
    assert utc == {"2026-03-02": 2}  # both calls fall on 03-02 in UTC (15:59:50 and 17:00)
    (row,) = report(engine, start="2026-03-02", end="2026-03-03")["rows"]
    assert row["answered_within_threshold"] == 1 and row["asa_seconds"] == 15.0


def test_kpi007_dst_change_by_hour_and_day(engine):
    """Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST; the day has 23 hours."""
    berlin = "Europe/Berlin"
    load_calls(engine, [
        ["B1", "DE", "S", "2026-03-29T01:30:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T01:30:10+01:00",
         "2026-03-29T01:31:00+01:00", "A1", "0", "0"],
        ["B2", "DE", "S", "2026-03-29T03:30:00+02:00", "2026-03-29T03:30:00+02:00", "2026-03-29T03:30:30+02:00",
         "2026-03-29T03:31:00+02:00", "A1", "0", "0"],
        ["B3", "DE", "S", "2026-03-29T23:30:00+02:00", "2026-03-29T23:30:00+02:00", "2026-03-29T23:30:05+02:00",
         "2026-03-29T23:31:00+02:00", "A1", "0", "0"],
        ["B4", "DE", "S", "2026-03-30T00:10:00+02:00", "2026-03-30T00:10:00+02:00", "2026-03-30T00:10:05+02:00",
         "2026-03-30T00:11:00+02:00", "A1", "0", "0"],
    ])
    hours = {r["key"]: r["offered"] for r in report(engine, start="2026-03-29", end="2026-03-31", by="hour",
                                                    timezone=berlin)["rows"]}
    assert hours == {"2026-03-29T01": 1, "2026-03-29T03": 1, "2026-03-29T23": 1, "2026-03-30T00": 1}
    days = {r["key"]: r["offered"] for r in report(engine, start="2026-03-29", end="2026-03-31", by="day",
                                                   timezone=berlin)["rows"]}
    assert days == {"2026-03-29": 3, "2026-03-30": 1}
    out = report(engine, start="2026-03-29", end="2026-03-30", timezone=berlin)
    assert out["from"] == "2026-03-29T00:00:00+01:00" and out["to"] == "2026-03-30T00:00:00+02:00"
    assert out["rows"][0]["offered"] == 3


def test_kpi008_half_hour_zone_uses_quarter_bins(engine):
    """Asia/Kolkata is UTC+5:30: local hours are not UTC hours, yet keys are right."""
    load_calls(engine, [
        ["K1", "IN", "S", "2026-03-02T09:10:00+05:30", "2026-03-02T09:10:00+05:30", "2026-03-02T09:10:05+05:30",
         "2026-03-02T09:11:00+05:30", "A1", "0", "0"],
        ["K2", "IN", "S", "2026-03-02T09:50:00+05:30", "2026-03-02T09:50:00+05:30", "2026-03-02T09:50:05+05:30",
         "2026-03-02T09:51:00+05:30", "A1", "0", "0"],
        ["K3", "IN", "S", "2026-03-02T10:05:00+05:30", "2026-03-02T10:05:00+05:30", "2026-03-02T10:05:05+05:30",
         "2026-03-02T10:06:00+05:30", "A1", "0", "0"],
    ])
    hours = {r["key"]: r["offered"] for r in report(engine, by="hour", timezone="Asia/Kolkata")["rows"]}
    assert hours == {"2026-03-02T09": 2, "2026-03-02T10": 1}


def test_kpi009_per_site_time_zones_without_timezone_option(engine):
    """Without --timezone each site's configured zone sets its day boundaries."""
    cfg = config_from('[general]\ntimezone = "Asia/Shanghai"\n'
                      '[[sites]]\nid = "BER"\ntimezone = "Europe/Berlin"\n')
    load_calls(engine, [
        # 2026-03-02 23:30 Berlin = 2026-03-03 06:30 Shanghai
        ["P1", "BER", "S", "2026-03-02T23:30:00+01:00", "2026-03-02T23:30:00+01:00", "2026-03-02T23:30:05+01:00",
         "2026-03-02T23:31:00+01:00", "A1", "0", "0"],
        ["P2", "SHA", "S", "2026-03-02T08:00:00+08:00", "2026-03-02T08:00:00+08:00", "2026-03-02T08:00:05+08:00",
         "2026-03-02T08:01:00+08:00", "A2", "0", "0"],
    ], config=cfg, timezone=None)
    out = report(engine, config=cfg, timezone=None, by="site")
    assert out["timezone"] == "per-site"
    assert {r["key"]: r["offered"] for r in out["rows"]} == {"BER": 1, "SHA": 1}
    # with Shanghai days for everyone, P1 falls on 03-03
    assert {r["key"]: r["offered"] for r in report(engine, config=cfg, by="site")["rows"]} == {"SHA": 1}


def test_kpi010_in_progress_and_negative_talk(engine):
    """An answered call still in progress counts as answered but not in talk/AHT; negative talk counts 0."""
    load_calls(engine, [
        ["N1", "T", "S", "2026-03-02T10:00:00", "2026-03-02T10:00:00", "2026-03-02T10:00:05", "", "A1", "", "0"],
        # ended 10 s before it was answered (clocks): talk 0, wrap 20 → AHT 20
        ["N2", "T", "S", "2026-03-02T11:00:00", "2026-03-02T11:00:00", "2026-03-02T11:00:10", "2026-03-02T11:00:00",
         "A1", "20", "0"],
    ])
    (row,) = report(engine)["rows"]
    assert (row["offered"], row["answered"]) == (2, 2)
    assert row["talk_seconds_avg"] == 0.0 and row["aht_seconds"] == 20.0
    assert report(engine)["data_quality"]["flagged_calls"] == 1


def test_kpi011_thirty_day_file_imported_twice_gives_identical_figures(engine, tmp_path):
    """30 days of messy calls (duplicates, clock skew, in-progress, IVR-only, two sites and zones' worth of
    times with and without offsets): importing the file again changes no figure and no row."""
    import csv
    import random
    from datetime import datetime, timedelta

    from wallboard.ingest.importers import import_csv

    rng = random.Random(11)
    path = tmp_path / "calls-30d.csv"
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for day in range(30):
            for i in range(120):
                q = datetime(2026, 3, 1) + timedelta(days=day, seconds=rng.randint(0, 86399))
                wait = rng.choice([-1, 0, 5, 19, 20, 21, 45, 200])
                kind = rng.random()
                answered = q + timedelta(seconds=wait) if kind < 0.8 else None
                ended = (answered + timedelta(seconds=rng.randint(-2, 900)) if answered
                         else q + timedelta(seconds=abs(wait))) if kind < 0.97 else None

                def iso(t, i=i):
                    return t.isoformat() + ("+08:00" if i % 2 else "")  # half with an offset, half local
                w.writerow([f"D{day}-{i}", rng.choice(["BJ", "SH"]), rng.choice(["claims", "vip"]),
                            iso(q - timedelta(seconds=8)), "" if kind > 0.99 else iso(q),
                            iso(answered) if answered else "", iso(ended) if ended else "",
                            "A1" if answered else "", rng.choice(["", "0", "30"]), rng.choice(["0", "1"])])
                rows += 1
            w.writerow([f"D{day}-0", "BJ", "claims", "2026-03-01T00:00:00", "", "", "", "", "", "0"])  # dup id
            rows += 1
    first = import_csv("calls", str(path), engine, Config(), timezone=TZ)
    assert first.imported + first.updated + first.unchanged + first.duplicates + first.rejected == rows
    figures = report(engine, start="2026-03-01", end="2026-04-01", by="day")
    stored = _all_calls(engine)
    second = import_csv("calls", str(path), engine, Config(), timezone=TZ)
    assert (second.imported, second.rejected) == (0, first.rejected)
    # an id repeated in two different batches is rewritten on the way (last row wins again): the
    # importer keeps constant memory and does not remember ids across batches (docs/architecture.md)
    assert second.updated == 2 * first.updated  # each split duplicate: its first row, then its last again
    assert _all_calls(engine) == stored
    assert report(engine, start="2026-03-01", end="2026-04-01", by="day") == figures
    assert len(figures["rows"]) == 30  # March 1-30, local days


def _all_calls(engine) -> list[tuple]:
    from sqlalchemy import select

    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(calls).order_by(calls.c.call_id))]
