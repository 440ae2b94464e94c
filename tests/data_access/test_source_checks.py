"""Bad rows in the source databases: counted exactly, never a crash, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, MetaData, Table, insert
from support.bad_rows import CONFIG, call, now_utc, seed

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls, surveys
from wallboard.data_access.source_checks import check_sources
from wallboard.data_access.sources import Sources
from wallboard.live.snapshot import live_snapshot


def test_dq001_every_kind_of_bad_row_is_counted(engine):
    """Negative intervals, future times, a 40-hour call, unknown site and group, NULLs, bad states and scores."""
    now = now_utc()
    seed(engine, now)
    result = check_sources(Sources.single(engine, CONFIG), now)
    assert result["errors"] == []
    counts = result["counts"]
    assert {k: v for k, v in counts.items() if v} == {
        "calls.negative_interval": 1, "calls.future_time": 1, "calls.absurd_duration": 2,  # 40 h talk, 2 h wrap-up
        "calls.missing_skill_group": 1, "calls.answered_without_agent": 1, "calls.answered_without_queue": 1,
        "agent_states.unknown_state": 1, "agent_states.future_time": 1,
        "surveys.score_out_of_range": 1, "surveys.future_time": 1,
        "complaints.future_time": 1, "complaints.negative_interval": 1}
    assert "calls.duplicate_id" not in counts  # call_id is the primary key: duplicates cannot exist
    assert result["unknown_sites"] == {"XX": 1}
    assert result["unknown_skill_groups"] == {"NOPE": 1}


def test_dq002_the_snapshot_survives_bad_rows_and_the_future_call_is_not_waiting(engine):
    """The poller's snapshot on the bad rows: no crash; only the real waiting call waits; no negative wait."""
    now = now_utc()
    seed(engine, now)
    snap = live_snapshot(Sources.single(engine, CONFIG), memo={})
    tiles = snap["scopes"]["all"]
    assert tiles["calls_waiting"] == 4  # ok-waiting, unknown-site, unknown-group, no-group — not "future"
    assert 0 <= tiles["longest_wait"] <= 3600 + 60
    assert snap["data_quality"]["counts"]["calls.future_time"] == 1
    assert snap["data_quality"]["flagged_calls_today"] == 0  # importer flags: none, these rows came from "outside"
    assert snap["replica_lag_seconds"] == 0.0 and snap["polled_at"] == snap["computed_at"]


def test_dq003_duplicate_ids_are_counted_when_the_source_has_no_key(db_url):
    """A source `calls` without a primary key (a view, a copy): duplicate ids are counted."""
    engine = make_engine(db_url)
    meta = MetaData()
    loose = Table("calls", meta, *[Column(c.name, c.type, nullable=True) for c in calls.columns])
    calls.drop(engine, checkfirst=True)
    loose.create(engine)
    try:
        now = now_utc()
        with engine.begin() as conn:
            conn.execute(insert(loose), [call("D1", now - timedelta(hours=1)), call("D1", now - timedelta(hours=1)),
                                         call("D2", now - timedelta(hours=2))])
        result = check_sources(Sources.single(engine, CONFIG), now)
        assert result["counts"]["calls.duplicate_id"] == 1
    finally:
        loose.drop(engine)
        calls.create(engine)
        engine.dispose()


def test_dq004_a_failing_check_is_reported_not_raised(engine, tmp_path):
    """Tickets database without tables: its check reports an error, the calls checks still count."""
    seed(engine, now_utc())
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    result = check_sources(Sources(engine, empty, CONFIG), now_utc())
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("surveys/complaints:")
    assert result["counts"]["calls.negative_interval"] == 1


def test_dq005_replica_lag_moves_the_snapshot_time_back(engine, monkeypatch):
    """A lagging replica (lag injected): computed_at is `lag` earlier than the poll, so the wall says stale."""
    from wallboard.live import snapshot

    monkeypatch.setattr(snapshot, "replica_lag_seconds", lambda _engine: 90.0)
    snap = live_snapshot(Sources.single(engine, CONFIG), memo={})
    polled, computed = datetime.fromisoformat(snap["polled_at"]), datetime.fromisoformat(snap["computed_at"])
    assert (polled - computed).total_seconds() == 90.0 and snap["replica_lag_seconds"] == 90.0


def test_dq006_checks_run_once_a_minute(engine):
    """The checks are memoised by the poller: a second poll within a minute reuses them."""
    memo: dict = {}
    first = live_snapshot(Sources.single(engine, CONFIG), memo)["data_quality"]["checked_at"]
    assert live_snapshot(Sources.single(engine, CONFIG), memo)["data_quality"]["checked_at"] == first


def test_dq007_scores_outside_1_to_5_are_left_out_of_csat(engine):
    """Scores 5, 4, 7, 0 and 3 (the 3 outside the period): CSAT counts 2 surveys, mean 4.5, top-2 1.0."""
    from wallboard.data_access.kpi_queries import Scope, survey_counts
    from wallboard.maths.kpi import survey_figures

    now = now_utc()
    with engine.begin() as conn:
        conn.execute(insert(surveys), [
            {"survey_id": f"S{i}", "site": "T", "submitted_at": now - timedelta(minutes=i), "score": score,
             "survey_type": None} for i, score in enumerate((5, 4, 7, 0), start=1)])
        conn.execute(insert(surveys), [{"survey_id": "OLD", "site": "T", "submitted_at": now - timedelta(days=2),
                                        "score": 3, "survey_type": None}])
    with engine.connect() as conn:
        [(_, _, counts)] = survey_counts(conn, Scope(start=now - timedelta(hours=1), end=now))
    assert survey_figures(counts) == {"surveys": 2, "csat_mean": 4.5, "csat_top2": 1.0}
    assert check_sources(Sources.single(engine, CONFIG), now)["counts"]["surveys.score_out_of_range"] == 2
