"""Bad rows in the source databases: counted exactly, never a crash, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, MetaData, Table, insert

from wallboard.config import parse_config
from wallboard.data_access.data_quality import check_sources, live_snapshot
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import agent_states, calls, complaints, surveys

CONFIG = parse_config({"sites": [{"id": "T", "name": "Test", "timezone": "UTC"}],
                       "skill_groups": [{"id": "G1", "name": "G1", "site": "T"}]})


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def call(call_id: str, queued: datetime | None, answered: datetime | None = None, ended: datetime | None = None,
         **extra) -> dict:
    row = {"call_id": call_id, "site": "T", "skill_group": "G1", "arrived_at": queued, "queued_at": queued,
           "answered_at": answered, "ended_at": ended, "agent_id": "A1" if answered else None,
           "wrap_up_seconds": None, "transferred": 0, "direction": "inbound", "caller_id": None, "category": None,
           "quality_flags": 0}
    return {**row, **extra}


def bad_rows(now: datetime) -> list[dict]:
    h = timedelta(hours=1)
    return [
        call("ok-1", now - h, now - h + timedelta(seconds=8), now - h + timedelta(minutes=4)),
        call("ok-waiting", now - timedelta(seconds=30)),
        call("neg", now - 2 * h, now - 2 * h - timedelta(seconds=3), now - 2 * h + timedelta(minutes=2)),
        call("future", now + timedelta(minutes=10)),  # queued in the future: must not wait with a negative wait
        call("forty-hours", now - 41 * h, now - 41 * h + timedelta(seconds=5), now - h),  # ended an hour ago
        call("unknown-site", now - h, site="XX"),
        call("unknown-group", now - h, skill_group="NOPE"),
        call("no-group", now - h, skill_group=None),
        call("no-agent", now - h, now - h + timedelta(seconds=5), now - h + timedelta(minutes=1), agent_id=None),
        call("no-queue", now - h, None, now - h + timedelta(minutes=1), answered_at=now - h + timedelta(seconds=3),
             queued_at=None, arrived_at=now - h, agent_id="A1"),
        call("long-wrap", now - h, now - h + timedelta(seconds=5), now - h + timedelta(minutes=1),
             wrap_up_seconds=7200.0),
    ]


def seed(engine, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(calls), bad_rows(now))
        conn.execute(insert(agent_states), [
            {"agent_id": "A1", "started_at": now - timedelta(minutes=5), "site": "T", "state": "available",
             "reason": None},
            {"agent_id": "A2", "started_at": now - timedelta(minutes=5), "site": "T", "state": "busy", "reason": None},
            {"agent_id": "A3", "started_at": now + timedelta(hours=3), "site": "T", "state": "on_call",
             "reason": None}])
        conn.execute(insert(surveys), [
            {"survey_id": sid, "site": "T", "submitted_at": at, "score": score, "survey_type": None}
            for sid, at, score in (("S1", now - timedelta(minutes=3), 7), ("S2", now - timedelta(minutes=3), 4),
                                   ("S3", now + timedelta(days=3), 4))])
        conn.execute(insert(complaints), [
            {"complaint_id": "K1", "site": "T", "received_at": now - timedelta(hours=5),
             "closed_at": now - timedelta(hours=6)},
            {"complaint_id": "K2", "site": "T", "received_at": now + timedelta(days=1), "closed_at": None}])


def test_dq001_every_kind_of_bad_row_is_counted(engine):
    """Negative intervals, future times, a 40-hour call, unknown site and group, NULLs, bad states and scores."""
    now = _now()
    seed(engine, now)
    result = check_sources(engine, engine, CONFIG, now)
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
    now = _now()
    seed(engine, now)
    snap = live_snapshot(engine, engine, CONFIG, memo={})
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
        now = _now()
        with engine.begin() as conn:
            conn.execute(insert(loose), [call("D1", now - timedelta(hours=1)), call("D1", now - timedelta(hours=1)),
                                         call("D2", now - timedelta(hours=2))])
        result = check_sources(engine, engine, CONFIG, now)
        assert result["counts"]["calls.duplicate_id"] == 1
    finally:
        loose.drop(engine)
        calls.create(engine)
        engine.dispose()


def test_dq004_a_failing_check_is_reported_not_raised(engine, tmp_path):
    """Tickets database without tables: its check reports an error, the calls checks still count."""
    seed(engine, _now())
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    result = check_sources(engine, empty, CONFIG, _now())
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("surveys/complaints:")
    assert result["counts"]["calls.negative_interval"] == 1


def test_dq005_replica_lag_moves_the_snapshot_time_back(engine, monkeypatch):
    """A lagging replica (lag injected): computed_at is `lag` earlier than the poll, so the wall says stale."""
    from wallboard.data_access import data_quality

    monkeypatch.setattr(data_quality, "replica_lag_seconds", lambda _engine: 90.0)
    snap = live_snapshot(engine, engine, CONFIG, memo={})
    polled, computed = datetime.fromisoformat(snap["polled_at"]), datetime.fromisoformat(snap["computed_at"])
    assert (polled - computed).total_seconds() == 90.0 and snap["replica_lag_seconds"] == 90.0


def test_dq006_checks_run_once_a_minute(engine):
    """The checks are memoised by the poller: a second poll within a minute reuses them."""
    memo: dict = {}
    first = live_snapshot(engine, engine, CONFIG, memo)["data_quality"]["checked_at"]
    assert live_snapshot(engine, engine, CONFIG, memo)["data_quality"]["checked_at"] == first


def test_dq007_scores_outside_1_to_5_are_left_out_of_csat(engine):
    """Scores 5, 4, 7, 0 and 3 (the 3 outside the period): CSAT counts 2 surveys, mean 4.5, top-2 1.0."""
    from wallboard.data_access.kpi_queries import Scope, survey_counts
    from wallboard.maths.kpi import survey_figures

    now = _now()
    with engine.begin() as conn:
        conn.execute(insert(surveys), [
            {"survey_id": f"S{i}", "site": "T", "submitted_at": now - timedelta(minutes=i), "score": score,
             "survey_type": None} for i, score in enumerate((5, 4, 7, 0), start=1)])
        conn.execute(insert(surveys), [{"survey_id": "OLD", "site": "T", "submitted_at": now - timedelta(days=2),
                                        "score": 3, "survey_type": None}])
    with engine.connect() as conn:
        [(_, _, counts)] = survey_counts(conn, Scope(start=now - timedelta(hours=1), end=now))
    assert survey_figures(counts) == {"surveys": 2, "csat_mean": 4.5, "csat_top2": 1.0}
    assert check_sources(engine, engine, CONFIG, now)["counts"]["surveys.score_out_of_range"] == 2
