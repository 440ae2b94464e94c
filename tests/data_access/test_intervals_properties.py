"""Property (issue 15, item 4): figures read through the 15-minute aggregates equal figures from raw rows, for
any calls (and agent states), period, site, skill group, agent, bin width and settings,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from support.kpi_data import config_from

from wallboard.data_access import intervals as iv
from wallboard.data_access.agent_activity import state_time
from wallboard.data_access.kpi_queries import Scope, bin_seconds_for, bin_start, call_counts, survey_counts
from wallboard.data_access.schema import agent_states, agents, calls, surveys
from wallboard.data_access.writes import upsert

T0 = datetime(2026, 3, 1, 0, 0)  # naive UTC; the calls spread over three days from here
SPAN = 3 * 86400

call = st.fixed_dictionaries({
    "site": st.sampled_from(["A", "B"]),
    "group": st.sampled_from(["G1", "G2", None]),
    "agent": st.sampled_from(["a1", "a2", None]),
    "queued": st.integers(0, SPAN),
    "ivr_only": st.booleans(),
    "outcome": st.sampled_from(["answered", "abandoned", "waiting", "in_progress"]),
    "wait": st.one_of(st.sampled_from([0, 4, 5, 10, 20, 21]), st.integers(-3, 400)),
    "talk": st.integers(-5, 900),
    "wrap": st.one_of(st.none(), st.integers(0, 120)),
    "millis": st.integers(0, 999),
})


def to_survey(i: int, c: dict) -> dict:
    """A survey of the call, submitted a little after it (scores outside 1..5 too: left out by both paths)."""
    return {"survey_id": f"S{i}", "call_id": f"P{i}", "site": c["site"], "skill_group": c["group"],
            "agent_id": c["agent"], "submitted_at": T0 + timedelta(seconds=c["queued"] + 60, milliseconds=c["millis"]),
            "score": c["talk"] % 7, "comment": None}


def to_row(i: int, c: dict) -> dict:
    queued = T0 + timedelta(seconds=c["queued"], milliseconds=c["millis"])
    row = {"call_id": f"P{i}", "site": c["site"], "skill_group": c["group"], "arrived_at": queued, "queued_at": queued,
           "answered_at": None, "ended_at": None, "agent_id": c["agent"], "wrap_up_seconds": None,
           "transferred": int(c["talk"] % 3 == 0), "direction": "inbound", "caller_id": None, "category": None,
           "quality_flags": int(c["talk"] < 0)}
    if c["ivr_only"]:
        row.update(queued_at=None, ended_at=queued + timedelta(seconds=30))
    elif c["outcome"] in ("answered", "in_progress"):
        row.update(answered_at=queued + timedelta(seconds=c["wait"]), wrap_up_seconds=c["wrap"])
        if c["outcome"] == "answered":
            row["ended_at"] = row["answered_at"] + timedelta(seconds=c["talk"])
    elif c["outcome"] == "abandoned":
        row["ended_at"] = queued + timedelta(seconds=c["wait"])
    return row


question = st.fixed_dictionaries({
    "start": st.integers(-3600, SPAN // 2), "length": st.one_of(st.integers(86400, SPAN), st.integers(0, SPAN)),
    # the built range, in intervals from T0: mostly a day or more, so that hours and local days are rolled up
    "built_from": st.integers(-2, 100), "built_to": st.one_of(st.integers(150, 300), st.integers(0, 300)),
    "group_by": st.sampled_from([(), ("site",), ("skill_group",), ("agent",), ("site", "skill_group"), ()]),
    "bin": st.sampled_from([None, 900, 3600, 3600]),
    "sites": st.sampled_from([None, ["A"], ["B", "X"]]),
    "exclude": st.sampled_from([None, ["A"]]),
    "skill_group": st.sampled_from([None, "G1", "G2"]),
    "agent": st.sampled_from([None, None, None, "a1"]),
    "t1": st.sampled_from([10, 20, 30]), "t2": st.sampled_from([5, 20]), "short": st.sampled_from([0, 5, 10]),
    # the zone whose local days are rolled up, and how the caller labels bins (kpi: by day, by hour, or neither)
    "zone": st.sampled_from(["Asia/Shanghai", "Asia/Kathmandu", "America/New_York", "Europe/London"]),
    "labels": st.sampled_from([None, "day", "hour"]),
})


def relabel(rows: dict, labels: str | None, zone: str, width: int | None) -> dict:
    """Rows keyed by (group, bin) merged by what a caller shows: the local day or hour of the bin, as kpi does."""
    if labels is None or width is None:
        return rows
    fmt = "%Y-%m-%d" if labels == "day" else "%Y-%m-%dT%H"
    out: dict = {}
    for (key, b), counts in rows.items():
        label = (key, bin_start(b, width).astimezone(ZoneInfo(zone)).strftime(fmt))
        out[label] = out[label] + counts if label in out else counts
    return out


def as_dict(rows) -> dict:
    return {(key, b): counts for key, b, counts in rows}


def same(raw, fast, measures) -> None:
    assert set(raw) == set(fast)
    for k, a in raw.items():
        b = fast[k]
        for name in measures:
            x, y = getattr(a, name), getattr(b, name)
            if isinstance(x, int):
                assert x == y, (k, name)
            elif x is None or y is None:
                assert x is y, (k, name)
            else:  # sums of float seconds added in another order
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6), (k, name, x, y)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(call, max_size=40), st.lists(question, min_size=1, max_size=4))
def test_ivl_prop001_aggregates_equal_raw_rows(engine, call_set, questions):
    rows = [to_row(i, c) for i, c in enumerate(call_set)]
    with engine.begin() as conn:
        conn.execute(delete(calls))
        conn.execute(delete(surveys))
        if rows:
            upsert(conn, calls, ("call_id",), rows)
            upsert(conn, surveys, ("survey_id",), [to_survey(i, c) for i, c in enumerate(call_set)])
    for q in questions:
        config = config_from(f'[general]\ntimezone = "{q["zone"]}"\n'
                             f'[service_level]\nshort_abandon_seconds = {q["short"]}\n'
                             f'[[skill_groups]]\nid = "G1"\nthreshold_seconds = {q["t1"]}\n'
                             f'[[skill_groups]]\nid = "G2"\nthreshold_seconds = {q["t2"]}\n')
        store = iv.Intervals.of(engine, engine, config)
        survey_store = iv.Intervals.surveys_of(engine, engine, config)
        with engine.begin() as conn:
            for table in (iv.call_intervals, iv.survey_intervals, iv.call_rollups, iv.survey_rollups, iv.coverage):
                conn.execute(delete(table))
        first = iv.to_bin(T0) + q["built_from"]
        with engine.connect() as conn:
            store.build(conn, config, first, max(first + 1, iv.to_bin(T0) + q["built_to"]))
            survey_store.build(conn, config, first, max(first + 1, iv.to_bin(T0) + q["built_to"]))
            start = T0 + timedelta(seconds=q["start"])
            scope = Scope(start=start, end=start + timedelta(seconds=q["length"]), sites=q["sites"],
                          exclude_sites=q["exclude"], skill_group=q["skill_group"], agent_id=q["agent"])
            width, labels, zone = q["bin"], q["labels"] if q["bin"] else None, q["zone"]
            if labels == "hour" and width == 3600 and bin_seconds_for(zone, scope.start, scope.end) != 3600:
                width = 900  # as kpi does for a zone with a quarter-hour offset
            args = (q["group_by"], width)
            raw = relabel(as_dict(call_counts(conn, config, scope, *args)), labels, zone, width)
            fast = relabel(as_dict(iv.history_call_counts(conn, config, scope, *args, store, zone=zone,
                                                          labels=labels)), labels, zone, width)
            raw_surveys = relabel(as_dict(survey_counts(conn, scope, *args)), labels, zone, width)
            fast_surveys = relabel(as_dict(iv.history_survey_counts(conn, scope, *args, survey_store, zone=zone,
                                                                    labels=labels)), labels, zone, width)
        same(raw, fast, iv.MEASURES)
        same(raw_surveys, fast_surveys, iv.SURVEY_MEASURES)


def test_ivl002_interval_edges_and_the_open_interval(engine):
    """Hand-worked: calls at 09:59:59.999, 10:00:00 and 10:14:59 UTC; built 10:00-10:15; the period 09:30-10:14:59.5
    reads 10:00-10:15 minus its last half second, so the 10:14:59 call comes from raw rows, not the interval."""
    base = datetime(2026, 3, 2, 10, 0)
    stamps = [base - timedelta(milliseconds=1), base, base + timedelta(minutes=14, seconds=59)]
    rows = [to_row(i, {"site": "A", "group": "G1", "agent": "a1", "queued": 0, "ivr_only": False,
                       "outcome": "answered", "wait": 3, "talk": 60, "wrap": None, "millis": 0}) for i in range(3)]
    for row, ts in zip(rows, stamps, strict=True):
        row.update(arrived_at=ts, queued_at=ts, answered_at=ts + timedelta(seconds=3),
                   ended_at=ts + timedelta(seconds=63))
    with engine.begin() as conn:
        conn.execute(delete(calls))
        upsert(conn, calls, ("call_id",), rows)
    config = config_from("")
    store = iv.Intervals.of(engine, engine, config)
    with engine.begin() as conn:
        for table in (iv.call_intervals, iv.call_rollups, iv.coverage):
            conn.execute(delete(table))
    with engine.connect() as conn:
        assert store.build(conn, config, iv.to_bin(base), iv.to_bin(base) + 1) == 1  # one interval row: site A, G1, a1
        assert store.covered()[:2] == (iv.to_bin(base), iv.to_bin(base) + 1)
        for end, offered in ((base + timedelta(minutes=14, seconds=59, milliseconds=500), 3),
                             (base + timedelta(minutes=14, seconds=58), 2), (base + timedelta(minutes=15), 3)):
            scope = Scope(start=base - timedelta(minutes=30), end=end)
            ((_, _, fast),) = iv.history_call_counts(conn, config, scope, (), None, store)
            assert fast.offered == offered and fast.answered_within_threshold == offered
    with engine.begin() as conn:
        conn.execute(delete(calls))  # the interval is read from the aggregates, not from raw rows
    scope = Scope(start=base - timedelta(minutes=30), end=base + timedelta(minutes=15))
    with engine.connect() as conn:
        ((_, _, fast),) = iv.history_call_counts(conn, config, scope, ("site",), 3600, store)
        assert fast.offered == 2 and all(c.offered == 0 for _, _, c in call_counts(conn, config, scope))


state_change = st.fixed_dictionaries({
    "agent": st.sampled_from(["a1", "a2", "a3", "b1"]),
    "at": st.integers(-86400, SPAN),  # some before the data's first day: a state in force at a period's start
    "state": st.sampled_from(["available", "on_call", "wrap_up", "not_ready", "not_ready", "logged_out"]),
    "reason": st.sampled_from([None, "lunch", "training"]),
    "millis": st.integers(0, 999),
})
AGENT_SITES = {"a1": ("A", "G1"), "a2": ("A", "G2"), "a3": ("B", None), "b1": ("B", "G1")}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(state_change, max_size=40), st.lists(question, min_size=1, max_size=3),
       st.sampled_from([(), ("site",), ("state",), ("agent", "state", "reason"), ("site", "skill_group", "state")]))
def test_ivl_prop003_agent_time_equals_the_state_log(engine, changes, questions, group_by):
    """Agent seconds per state and reason through the aggregates = from the state log, for any period and filter
    (a state unchanged for longer than LOOKBACK is stale in both)."""
    rows = {(c["agent"], T0 + timedelta(seconds=c["at"], milliseconds=c["millis"])): c for c in changes}
    with engine.begin() as conn:
        conn.execute(delete(agent_states))
        conn.execute(delete(agents))
        upsert(conn, agents, ("agent_id",), [{"agent_id": a, "agent_name": a, "site": s, "skill_group": g}
                                             for a, (s, g) in AGENT_SITES.items() if a != "b1"])  # b1: no row
        if rows:
            upsert(conn, agent_states, ("agent_id", "started_at"), [
                {"agent_id": a, "started_at": at, "site": AGENT_SITES[a][0], "state": c["state"],
                 "reason": c["reason"] if c["state"] == "not_ready" else None} for (a, at), c in rows.items()])
    store = iv.Intervals.states_of(engine, engine)
    for q in questions:
        with engine.begin() as conn:
            conn.execute(delete(iv.state_intervals))
            conn.execute(delete(iv.coverage))
        first = iv.to_bin(T0) + q["built_from"]
        with engine.connect() as conn:
            store.build(conn, None, first, max(first + 1, iv.to_bin(T0) + q["built_to"]))
            start = T0 + timedelta(seconds=q["start"])
            scope = Scope(start=start, end=start + timedelta(seconds=q["length"]), sites=q["sites"],
                          exclude_sites=q["exclude"], skill_group=q["skill_group"],
                          agent_id=q["agent"])
            width = q["bin"]
            raw = as_dict(state_time(conn, scope, group_by, width))
            fast = as_dict(iv.history_state_time(conn, scope, group_by, width, store))
        raw = {k: v for k, v in raw.items() if v.seconds}  # the raw path's empty whole-period row
        fast = {k: v for k, v in fast.items() if v.seconds}
        same(raw, fast, iv.STATE_MEASURES)


def test_ivl004_agent_time_hand_worked(engine):
    """a1: not ready (lunch) 10:05, available 10:20, logged out 10:40, built 10:00-11:00 UTC: 600 s of lunch in
    10:00-10:15; 300 s of lunch and 600 s available in 10:15-10:30; 600 s available in 10:30-10:45; no logged-out
    row. A state row 3 days old with nothing after it is stale: no time at all."""
    base = datetime(2026, 3, 2, 10, 0)
    with engine.begin() as conn:
        conn.execute(delete(agent_states))
        conn.execute(delete(agents))
        upsert(conn, agents, ("agent_id",), [{"agent_id": "a1", "agent_name": "A", "site": "A", "skill_group": "G1"}])
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            {"agent_id": "a1", "started_at": base + timedelta(minutes=m), "site": "A", "state": s, "reason": r}
            for m, s, r in ((5, "not_ready", "lunch"), (20, "available", None), (40, "logged_out", None))] + [
            {"agent_id": "z9", "started_at": base - timedelta(days=3), "site": "B", "state": "available",
             "reason": None}])
        conn.execute(delete(iv.state_intervals))
        conn.execute(delete(iv.coverage))
    store = iv.Intervals.states_of(engine, engine)
    with engine.connect() as conn:
        assert store.build(conn, None, iv.to_bin(base), iv.to_bin(base) + 4) == 4
    with engine.connect() as conn:  # a new transaction (MariaDB's repeatable read: not the snapshot of the build's)
        stored = {(r.bin - iv.to_bin(base), r.agent_id, r.skill_group, r.state, r.reason): r.seconds
                  for r in conn.execute(select(iv.state_intervals))}
    assert stored == {(0, "a1", "G1", "not_ready", "lunch"): 600.0, (1, "a1", "G1", "not_ready", "lunch"): 300.0,
                      (1, "a1", "G1", "available", iv.NONE): 600.0, (2, "a1", "G1", "available", iv.NONE): 600.0}


def test_ivl005_a_reader_between_two_writes_never_sees_a_covered_day_without_its_roll_up(engine, monkeypatch):
    """The keeper writes while pages read (CI once showed a day with no surveys: read after the coverage grew and
    before the day was rolled up). Every time the coverage is published, and after every repair, a reader of days
    (with the poller's memo, read also just before each roll-up) gets the raw rows' figures."""
    rng = __import__("random").Random(5)
    call_set = [{"site": rng.choice("AB"), "group": rng.choice(["G1", "G2"]), "agent": "a1",
                 "queued": rng.randrange(SPAN), "ivr_only": False, "outcome": "answered", "wait": rng.randrange(40),
                 "talk": rng.randrange(1, 600), "wrap": None, "millis": 0} for _ in range(300)]
    zone = "Asia/Shanghai"
    config = config_from(f'[general]\ntimezone = "{zone}"\n')
    stores = [(iv.Intervals.of(engine, engine, config), call_counts, iv.history_call_counts, iv.MEASURES),
              (iv.Intervals.surveys_of(engine, engine, config), None, iv.history_survey_counts, iv.SURVEY_MEASURES)]
    with engine.begin() as conn:
        for table in (calls, surveys, iv.call_intervals, iv.survey_intervals, iv.call_rollups, iv.survey_rollups,
                      iv.coverage):
            conn.execute(delete(table))
        upsert(conn, calls, ("call_id",), [to_row(i, c) for i, c in enumerate(call_set)])
        upsert(conn, surveys, ("survey_id",), [to_survey(i, c) for i, c in enumerate(call_set)])
    scope = Scope(start=T0 - timedelta(hours=8), end=T0 + timedelta(seconds=SPAN))
    memo: dict = {}
    checked = []

    def read(check: bool, written: iv.Intervals) -> None:
        with engine.connect() as conn:
            for store, raw_of, fast_of, measures in stores:
                if store is not written:  # the other kind: its repair has not run yet
                    continue
                args = ((config,) if raw_of else ()) + (scope, (), 3600)
                fast = fast_of(conn, *args, store, memo, zone=zone, labels="day")
                if check:
                    raw = (raw_of or survey_counts)(conn, *args)
                    same(relabel(as_dict(raw), "day", zone, 3600), relabel(as_dict(fast), "day", zone, 3600),
                         measures)
                    checked.append(store.kind)

    def after(method, check_when=lambda *a, **k: True):
        def wrapped(self, *args, **kwargs):
            out = method(self, *args, **kwargs)
            if check_when(*args, **kwargs):
                read(True, self)
            return out
        return wrapped

    def before(method):
        def wrapped(self, *args, **kwargs):
            read(False, self)  # memoised under the coverage's stamp of the moment
            return method(self, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(iv.Intervals, "roll", before(iv.Intervals.roll))
    monkeypatch.setattr(iv.Intervals, "_cover", after(iv.Intervals._cover))
    monkeypatch.setattr(iv.Intervals, "replace", after(
        iv.Intervals.replace, lambda *a, only_changed=True, **k: only_changed))
    middle = iv.to_bin(T0) + 130  # not on a local day: the first build covers no whole day
    with engine.connect() as conn:
        for store, *_ in stores:
            store.build(conn, config, middle, middle + 96)  # a day of intervals, as the keeper's first pass
            store.build(conn, config, middle - 96, middle)  # ... and the day before it, as its next pass
            store.build(conn, config, middle + 96, middle + 150)  # ... and forward
    with engine.begin() as conn:  # late answers and corrected scores in the covered range
        upsert(conn, calls, ("call_id",), [to_row(i, {**c, "wait": 90}) for i, c in enumerate(call_set) if i % 7 == 0])
        conn.execute(surveys.update().where(surveys.c.survey_id.in_([f"S{i}" for i in range(0, 300, 5)]))
                     .values(score=1))
    with engine.connect() as conn:
        for store, *_ in stores:
            assert store.replace(conn, config, middle - 96, middle + 150) > 0
    assert checked.count("calls") == 4 and checked.count("surveys") == 4
