"""Property: on random call sets, the SQL engine equals a plain-Python reading of the contract."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from support.kpi_data import config_from, report

from wallboard.data_access.schema import calls
from wallboard.data_access.writes import upsert

DAY = datetime(2026, 3, 2, 0, 0)  # local midnight, Asia/Shanghai (UTC+8, no DST)
T = {"G1": 20, "G2": 10}
S = 5

call = st.fixed_dictionaries({
    "group": st.sampled_from(["G1", "G2"]),
    "queued_offset": st.integers(-3600, 26 * 3600),  # some before and after the day
    "ivr_only": st.booleans(),
    "outcome": st.sampled_from(["answered", "abandoned", "waiting", "in_progress"]),
    # boundaries (S, T of both groups) often, anything else sometimes; negative = clock skew, counts as 0
    "wait": st.one_of(st.sampled_from([-1, 0, 4, 5, 6, 9, 10, 11, 19, 20, 21]), st.integers(-3, 90)),
    "talk": st.integers(-5, 900),
    "wrap": st.one_of(st.none(), st.integers(0, 120)),
    "transferred": st.booleans(),
})


def to_row(i: int, c: dict) -> dict:
    queued = DAY - timedelta(hours=8) + timedelta(seconds=c["queued_offset"])  # naive UTC
    row = {"call_id": f"H{i}", "site": "T", "skill_group": c["group"], "arrived_at": queued, "queued_at": queued,
           "answered_at": None, "ended_at": None, "agent_id": None, "wrap_up_seconds": None,
           "transferred": int(c["transferred"]), "direction": "inbound", "caller_id": None, "category": None,
           "quality_flags": 0}
    if c["ivr_only"]:
        row.update(queued_at=None, ended_at=queued + timedelta(seconds=30))
    elif c["outcome"] in ("answered", "in_progress"):
        row.update(answered_at=queued + timedelta(seconds=c["wait"]), agent_id="A1", wrap_up_seconds=c["wrap"])
        if c["outcome"] == "answered":
            row["ended_at"] = row["answered_at"] + timedelta(seconds=c["talk"])
    elif c["outcome"] == "abandoned":
        row["ended_at"] = queued + timedelta(seconds=c["wait"])
    return row


def reference(rows: list[dict]) -> dict:
    """The contract's definitions, read literally."""
    start, end = DAY - timedelta(hours=8), DAY + timedelta(hours=16)
    def in_day(r):
        ts = r["queued_at"] or r["arrived_at"]
        return start <= ts < end
    rows = [r for r in rows if in_day(r)]
    queued = [r for r in rows if r["queued_at"] is not None]
    answered = [r for r in queued if r["answered_at"] is not None]
    abandoned = [r for r in queued if r["answered_at"] is None and r["ended_at"] is not None]

    def wait(r):
        other = r["answered_at"] or r["ended_at"]
        return max(0.0, (other - r["queued_at"]).total_seconds())
    short = [r for r in abandoned if wait(r) < S]
    within = [r for r in answered if wait(r) <= T[r["skill_group"]]]
    ended = [r for r in answered if r["ended_at"] is not None]
    talks = [max(0.0, (r["ended_at"] - r["answered_at"]).total_seconds()) for r in ended]
    handles = [t + (r["wrap_up_seconds"] or 0) for t, r in zip(talks, ended, strict=True)]
    offered = len(answered) + len(abandoned)

    def rate(n, d):
        return None if d == 0 else n / d
    return {
        "offered": offered, "answered": len(answered), "abandoned": len(abandoned), "short_abandoned": len(short),
        "answered_within_threshold": len(within),
        "service_level": rate(len(within), offered - len(short)),
        "abandon_rate": rate(len(abandoned) - len(short), offered - len(short)),
        "connection_rate": rate(len(answered), offered),
        "asa_seconds": rate(sum(wait(r) for r in answered), len(answered)),
        "max_wait_seconds": max((wait(r) for r in answered + abandoned), default=None),
        "talk_seconds_avg": rate(sum(talks), len(ended)), "aht_seconds": rate(sum(handles), len(ended)),
        "transfer_rate": rate(sum(r["transferred"] for r in answered), len(answered)),
        "ivr_only": sum(1 for r in rows if r["queued_at"] is None),
    }


CONFIG = config_from('[[skill_groups]]\nid = "G1"\nthreshold_seconds = 20\n'
                     '[[skill_groups]]\nid = "G2"\nthreshold_seconds = 10\n')


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(call, max_size=25))
def test_kpi_prop001_sql_equals_reference(engine, call_set):
    rows = [to_row(i, c) for i, c in enumerate(call_set)]
    with engine.begin() as conn:
        conn.execute(delete(calls))
        upsert(conn, calls, ("call_id",), rows)
    (got,) = report(engine, config=CONFIG, timezone="Asia/Shanghai")["rows"]
    want = reference(rows)
    for key, value in want.items():
        if value is None or isinstance(value, int):
            assert got[key] == value, key
        else:
            assert abs(got[key] - value) <= 1e-5 * max(1.0, abs(value)), key


def test_kpi_prop002_reference_sanity():
    """The reference itself on the contract's boundary cases (so the property compares with something right)."""
    base = {"group": "G1", "queued_offset": 3600, "ivr_only": False, "wrap": None, "transferred": False, "talk": 60}
    rows = [to_row(0, {**base, "outcome": "answered", "wait": 20}),   # exactly T: within
            to_row(1, {**base, "outcome": "abandoned", "wait": 5}),    # exactly S: not short
            to_row(2, {**base, "outcome": "abandoned", "wait": 4})]    # short
    got = reference(rows)
    assert (got["answered_within_threshold"], got["short_abandoned"], got["offered"]) == (1, 1, 3)
    assert got["service_level"] == 0.5
