"""The history keeper on SQLite, PostgreSQL and MariaDB: aggregates built, kept current through late answers,
corrections and deleted days, and a change that bypassed everything found by the check and repaired."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from support.kpi_data import config_from

from wallboard.data_access import intervals as iv
from wallboard.data_access.kpi_queries import Scope, call_counts
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.schema import calls, surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.writes import upsert
from wallboard.live.history import DAY_BINS, STATUS_KEY, HistoryKeeper, catch_up, check_day, first_call_bin

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
CONFIG = config_from('[[sites]]\nid = "A"\n[[sites]]\nid = "B"\n[[skill_groups]]\nid = "G1"\nthreshold_seconds = 15\n')


def rows(n: int = 600, days: int = 6, seed: int = 4) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        queued = NOW - timedelta(seconds=rnd.randint(0, days * 86400))
        wait = rnd.randint(0, 60)
        answered = rnd.random() < 0.85
        out.append({"call_id": f"K{i}", "site": rnd.choice("AB"), "skill_group": rnd.choice(["G1", "G2"]),
                    "arrived_at": queued, "queued_at": queued,
                    "answered_at": queued + timedelta(seconds=wait) if answered else None,
                    "ended_at": queued + timedelta(seconds=wait + (rnd.randint(30, 600) if answered else 0)),
                    "agent_id": rnd.choice(["a1", "a2", "a3"]) if answered else None, "wrap_up_seconds": None,
                    "transferred": 0, "direction": "inbound", "caller_id": None, "category": None,
                    "quality_flags": 0})
    return out


def survey_rows(calls_rows: list[dict]) -> list[dict]:
    return [{"survey_id": f"S{r['call_id']}", "call_id": r["call_id"], "site": r["site"],
             "skill_group": r["skill_group"], "agent_id": r["agent_id"],
             "submitted_at": r["queued_at"] + timedelta(minutes=5), "score": 1 + i % 5, "comment": None}
            for i, r in enumerate(calls_rows) if r["answered_at"] and i % 3 == 0]


def sources_for(engine) -> Sources:
    iv.init_interval_tables(engine)
    with engine.begin() as conn:
        conn.execute(delete(iv.call_intervals))
        conn.execute(delete(iv.survey_intervals))
        conn.execute(delete(iv.call_rollups))
        conn.execute(delete(iv.survey_rollups))
        conn.execute(delete(iv.coverage))
    return Sources(engine, engine, CONFIG, iv.Intervals.of(engine, engine, CONFIG),
                   iv.Intervals.surveys_of(engine, engine, CONFIG))


def figures(sources: Sources) -> dict:
    start, end = Period((NOW - timedelta(days=7)).replace(tzinfo=UTC)), Period((NOW + timedelta(hours=1))
                                                                               .replace(tzinfo=UTC))
    return {by: kpi_report(sources, start, end, by=by, timezone="Asia/Kathmandu")["rows"]
            for by in ("day", "hour", "site", "skill_group", "agent", "none")}


def raw(sources: Sources) -> dict:
    return figures(Sources(sources.calls, sources.tickets, sources.config))


def test_his001_built_read_and_kept_current(engine, monkeypatch):
    monkeypatch.setattr(iv, "ANALYZE_AFTER", 0)  # PostgreSQL: the statistics refreshed after a build (it runs)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), rows())
        upsert(conn, surveys, ("survey_id",), survey_rows(rows()))
    sources = sources_for(engine)
    done = catch_up(sources, now=NOW)
    covered = sources.intervals.covered()
    assert covered.end == iv.to_bin(NOW - timedelta(hours=1)) and done["rows_written"] > 0
    assert covered.first == first_call_bin(sources) <= iv.to_bin(NOW - timedelta(days=5))
    assert figures(sources) == raw(sources)  # +05:45: days and hours on the 15-minute grid

    # a call waiting at build time and answered later; a re-import correcting another; a new late row
    late = NOW - timedelta(hours=2)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [{**rows(1)[0], "call_id": "LATE", "queued_at": late, "arrived_at": late,
                                             "answered_at": None, "ended_at": None, "agent_id": None}])
    catch_up(sources, now=NOW)
    with engine.begin() as conn:
        conn.execute(update(calls).where(calls.c.call_id == "LATE").values(
            answered_at=late + timedelta(seconds=90), ended_at=late + timedelta(seconds=400), agent_id="a1"))
        conn.execute(update(calls).where(calls.c.queued_at >= NOW - timedelta(hours=3),
                                         calls.c.queued_at < NOW - timedelta(hours=1)).values(transferred=1))
        conn.execute(update(surveys).where(surveys.c.submitted_at >= NOW - timedelta(hours=3),
                                           surveys.c.submitted_at < NOW - timedelta(hours=1)).values(score=1))
    assert figures(sources) != raw(sources)  # until the keeper's next pass
    assert catch_up(sources, now=NOW)["intervals_changed"] > 0
    assert figures(sources) == raw(sources)


def test_his002_a_change_that_bypassed_the_keeper_is_found_and_repaired(engine):
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), rows())
    sources = sources_for(engine)
    catch_up(sources, now=NOW)
    day_bin = iv.to_bin(NOW - timedelta(days=4)) // DAY_BINS * DAY_BINS
    with engine.begin() as conn:  # a day deleted in the source, older than the keeper's recent window
        conn.execute(delete(calls).where(calls.c.queued_at >= iv.bin_time(day_bin),
                                         calls.c.queued_at < iv.bin_time(day_bin + DAY_BINS)))
    catch_up(sources, now=NOW)
    assert figures(sources) != raw(sources)  # the aggregates still hold the deleted day
    assert check_day(sources, day_bin) > 0
    assert check_day(sources, day_bin) == 0  # repaired: nothing left to find
    assert figures(sources) == raw(sources)


class DictCache(dict):
    def set(self, key, value, timeout=None):
        self[key] = value


def test_his003_the_keeper_reports_its_checks(engine):
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), rows(days=8))
    sources = sources_for(engine)
    cache = DictCache()
    keeper = HistoryKeeper(sources, engine, cache)
    first = keeper.tick()
    assert first["last_error"] is None and first["covered_to"] and first["last_check_repaired"] == 0
    with engine.begin() as conn:  # a bypassing change in the next day the check will look at
        target = keeper._check_cursor - DAY_BINS  # noqa: SLF001 - the day the keeper checks next
        conn.execute(delete(calls).where(calls.c.queued_at >= iv.bin_time(target),
                                         calls.c.queued_at < iv.bin_time(target + DAY_BINS)))
    keeper._next_check = 0  # noqa: SLF001 - the next pass checks now instead of in ten minutes
    second = keeper.tick()
    assert second["last_check_repaired"] > 0 and cache[STATUS_KEY]["repaired_total"] == second["last_check_repaired"]
    with engine.connect() as conn:
        day = Scope(start=iv.bin_time(target), end=iv.bin_time(target + DAY_BINS))
        assert all(c.offered == 0 for _, _, c in iv.history_call_counts(conn, CONFIG, day, (), None,
                                                                         sources.intervals))
        assert all(c.offered == 0 for _, _, c in call_counts(conn, CONFIG, day))


def test_his004_another_zone_or_threshold_never_reads_these_aggregates(engine):
    """Day roll-ups exist only for the zones they were built with: a config with a site in another zone (or other
    thresholds) has its own key, so it reads raw rows until its own aggregates are built, never missing days."""
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), rows(200))
    sources = sources_for(engine)
    catch_up(sources, now=NOW)
    other_zone = config_from('[[sites]]\nid = "A"\n[[sites]]\nid = "B"\ntimezone = "America/New_York"\n'
                             '[[skill_groups]]\nid = "G1"\nthreshold_seconds = 15\n')
    other_threshold = config_from('[[sites]]\nid = "A"\n[[sites]]\nid = "B"\n[[skill_groups]]\nid = "G1"\n'
                                  'threshold_seconds = 25\n')
    for config in (other_zone, other_threshold):
        mine = iv.Intervals.of(engine, engine, config)
        assert mine.settings != sources.intervals.settings and mine.covered() is None
        assert iv.Intervals.surveys_of(engine, engine, config).settings != sources.survey_intervals.settings \
            or config is other_threshold  # surveys depend on the zones only
        other = Sources(engine, engine, config, mine, iv.Intervals.surveys_of(engine, engine, config))
        assert figures(other) == figures(Sources(engine, engine, config))
