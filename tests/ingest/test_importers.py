"""The canonical CSV importers and the queue_log importer, on SQLite, PostgreSQL and MariaDB.

Every expected value is written by hand.  Files are written to `tmp_path`; the reject
file is FILE.rejected.csv next to them.  `Config()` has no sites, so a timestamp without
an offset is read in `timezone=` if given, else in the default zone Asia/Shanghai (UTC+8).
"""

from __future__ import annotations

import csv
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from wallboard.config import Config, parse_config
from wallboard.data_access import schema
from wallboard.data_access.schema import FLAG_ANSWER_BEFORE_QUEUE, FLAG_END_BEFORE_ANSWER
from wallboard.ingest.importers import ImportFileError, ImportResult, import_csv
from wallboard.ingest.queue_log_import import import_queue_log

CONFIG = Config()

CALLS_HEADER = ("call_id,site,skill_group,arrived_at,queued_at,answered_at,ended_at,agent_id,wrap_up_seconds,"
                "transferred,direction,caller_id,category")
CALLS_CSV = f"""{CALLS_HEADER}
C1,bj,sales,2025-03-03T09:00:00,2025-03-03T09:00:05,2025-03-03T09:00:15,2025-03-03T09:05:15,A1,30,0,inbound,13800000001,billing
C2,bj,sales,2025-03-03T09:01:00,2025-03-03T09:01:10,,2025-03-03T09:02:10,,,0,,13800000002,
C3,sh,support,2025-03-03T09:02:00,,,2025-03-03T09:03:00,,,,,,
C4,sh,support,2025-03-03T09:03:00,2025-03-03T09:03:02,2025-03-03T09:03:12,,A2,7.5,1,outbound,,
"""

AGENT_STATES_CSV = """agent_id,agent_name,site,state,reason,started_at
A1,Li Lei,bj,available,,2025-03-03T09:00:00
A1,Li Lei,bj,not_ready,lunch,2025-03-03T12:00:00
A2,Han Meimei,sh,ON_CALL,,2025-03-03T09:03:12
"""

SURVEYS_CSV = """survey_id,call_id,site,skill_group,agent_id,submitted_at,score,survey_type,comment
S1,C1,bj,sales,A1,2025-03-03T09:06:00,5,post_call,great
S2,C4,sh,support,A2,2025-03-03T09:10:00,2,post_call,
S3,,bj,,,2025-03-03T10:00:00,4,return_visit,"polite, quick"
"""

COMPLAINTS_CSV = """complaint_id,site,category,severity,channel,received_at,handed_over_at,registered_at,\
first_contact_at,refund_requested_at,refund_completed_at,closed_at,archived_at,owner
BJ-2025-03-01,bj,billing,II,phone,2025-03-03T09:00:00,2025-03-03T10:00:00,2025-03-03T11:00:00,\
2025-03-04T09:00:00,2025-03-04T10:00:00,2025-03-05T10:00:00,2025-03-06T09:00:00,2025-03-06T12:00:00,wang
SH-2025-03-01,sh,network,v,web,2025-03-03T20:00:00,,,,,,,,
"""

SAMPLES = {"calls": (CALLS_CSV, 4), "agent-states": (AGENT_STATES_CSV, 3), "surveys": (SURVEYS_CSV, 3),
           "complaints": (COMPLAINTS_CSV, 2)}
TABLES = {"calls": schema.calls, "agent-states": schema.agent_states, "surveys": schema.surveys,
          "complaints": schema.complaints}


def dt(*parts: int) -> datetime:
    """A naive UTC datetime, as stored."""
    return datetime(*parts)


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return str(path)


def table_rows(engine, table) -> list[dict]:
    """Every row of a table as a dict, ordered by primary key."""
    with engine.connect() as conn:
        result = conn.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(r._mapping) for r in result]


def rejects(path: str) -> list[dict]:
    with open(path + ".rejected.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def reject_rows(path: str) -> list[list[str]]:
    with open(path + ".rejected.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def counts(r: ImportResult) -> dict:
    return {"imported": r.imported, "updated": r.updated, "unchanged": r.unchanged, "rejected": r.rejected,
            "duplicates": r.duplicates, "flagged": r.flagged}


def data_rows(text: str) -> int:
    return len(text.strip("\n").splitlines()) - 1


def call(call_id, site, skill_group, arrived, queued, answered, ended, agent_id=None, wrap=None, transferred=0,
         direction="inbound", caller_id=None, category=None, flags=0) -> dict:
    return {"call_id": call_id, "site": site, "skill_group": skill_group, "arrived_at": arrived,
            "queued_at": queued, "answered_at": answered, "ended_at": ended, "agent_id": agent_id,
            "wrap_up_seconds": wrap, "transferred": transferred, "direction": direction, "caller_id": caller_id,
            "category": category, "quality_flags": flags}


# ---------------------------------------------------------------- each kind imports


def test_imp001_calls_import_every_column(engine, tmp_path):
    """calls: four rows (answered, abandoned, IVR-only, in progress) stored column by column, counts exact."""
    path = write(tmp_path, "calls.csv", CALLS_CSV)
    result = import_csv("calls", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert result.rejected_file is None
    assert not Path(path + ".rejected.csv").exists()
    assert table_rows(engine, schema.calls) == [
        call("C1", "bj", "sales", dt(2025, 3, 3, 9, 0, 0), dt(2025, 3, 3, 9, 0, 5), dt(2025, 3, 3, 9, 0, 15),
             dt(2025, 3, 3, 9, 5, 15), "A1", 30.0, 0, "inbound", "13800000001", "billing"),
        call("C2", "bj", "sales", dt(2025, 3, 3, 9, 1, 0), dt(2025, 3, 3, 9, 1, 10), None,
             dt(2025, 3, 3, 9, 2, 10), caller_id="13800000002"),
        call("C3", "sh", "support", dt(2025, 3, 3, 9, 2, 0), None, None, dt(2025, 3, 3, 9, 3, 0)),
        call("C4", "sh", "support", dt(2025, 3, 3, 9, 3, 0), dt(2025, 3, 3, 9, 3, 2), dt(2025, 3, 3, 9, 3, 12),
             None, "A2", 7.5, 1, "outbound"),
    ]


def test_imp002_agent_states_import_and_agents_table(engine, tmp_path):
    """agent-states: rows stored (state lower-cased), and each agent lands in `agents` with its name and site."""
    path = write(tmp_path, "states.csv", AGENT_STATES_CSV)
    result = import_csv("agent-states", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 3, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert table_rows(engine, schema.agent_states) == [
        {"agent_id": "A1", "started_at": dt(2025, 3, 3, 9), "site": "bj", "state": "available", "reason": None},
        {"agent_id": "A1", "started_at": dt(2025, 3, 3, 12), "site": "bj", "state": "not_ready", "reason": "lunch"},
        {"agent_id": "A2", "started_at": dt(2025, 3, 3, 9, 3, 12), "site": "sh", "state": "on_call",
         "reason": None},
    ]
    assert table_rows(engine, schema.agents) == [
        {"agent_id": "A1", "agent_name": "Li Lei", "site": "bj", "skill_group": None},
        {"agent_id": "A2", "agent_name": "Han Meimei", "site": "sh", "skill_group": None},
    ]


def test_imp003_surveys_import(engine, tmp_path):
    """surveys: rows stored with integer scores and a quoted comment containing a comma."""
    path = write(tmp_path, "surveys.csv", SURVEYS_CSV)
    result = import_csv("surveys", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 3, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert table_rows(engine, schema.surveys) == [
        {"survey_id": "S1", "call_id": "C1", "site": "bj", "skill_group": "sales", "agent_id": "A1",
         "submitted_at": dt(2025, 3, 3, 9, 6), "score": 5, "survey_type": "post_call", "comment": "great"},
        {"survey_id": "S2", "call_id": "C4", "site": "sh", "skill_group": "support", "agent_id": "A2",
         "submitted_at": dt(2025, 3, 3, 9, 10), "score": 2, "survey_type": "post_call", "comment": None},
        {"survey_id": "S3", "call_id": None, "site": "bj", "skill_group": None, "agent_id": None,
         "submitted_at": dt(2025, 3, 3, 10), "score": 4, "survey_type": "return_visit", "comment": "polite, quick"},
    ]


def test_imp004_complaints_import(engine, tmp_path):
    """complaints: all eight stage times stored; severity upper-cased; empty times are NULL."""
    path = write(tmp_path, "complaints.csv", COMPLAINTS_CSV)
    result = import_csv("complaints", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert table_rows(engine, schema.complaints) == [
        {"complaint_id": "BJ-2025-03-01", "site": "bj", "category": "billing", "severity": "II", "channel": "phone",
         "received_at": dt(2025, 3, 3, 9), "handed_over_at": dt(2025, 3, 3, 10),
         "registered_at": dt(2025, 3, 3, 11), "first_contact_at": dt(2025, 3, 4, 9),
         "refund_requested_at": dt(2025, 3, 4, 10), "refund_completed_at": dt(2025, 3, 5, 10),
         "closed_at": dt(2025, 3, 6, 9), "archived_at": dt(2025, 3, 6, 12), "owner": "wang"},
        {"complaint_id": "SH-2025-03-01", "site": "sh", "category": "network", "severity": "V", "channel": "web",
         "received_at": dt(2025, 3, 3, 20), "handed_over_at": None, "registered_at": None,
         "first_contact_at": None, "refund_requested_at": None, "refund_completed_at": None, "closed_at": None,
         "archived_at": None, "owner": None},
    ]


def test_imp005_import_runs_recorded(engine, tmp_path):
    """Each import leaves one import_runs row with its counts (the app's data-quality panel)."""
    path = write(tmp_path, "calls.csv", CALLS_CSV + "C9,,,2025-03-03T09:00:00\n")
    import_csv("calls", path, engine, CONFIG, timezone="UTC")
    import_csv("calls", path, engine, CONFIG, timezone="UTC")
    runs = [(r["kind"], r["imported"], r["updated"], r["unchanged"], r["rejected"], r["flagged"])
            for r in table_rows(engine, schema.import_runs)]
    assert runs == [("calls", 4, 0, 0, 1, 0), ("calls", 0, 0, 4, 1, 0)]


# ---------------------------------------------------------------- idempotence


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_imp010_reimport_changes_nothing(engine, tmp_path, kind):
    """Re-importing the same file: imported 0, updated 0, every row unchanged, table contents identical."""
    text, n = SAMPLES[kind]
    path = write(tmp_path, f"{kind}.csv", text)
    first = import_csv(kind, path, engine, CONFIG, timezone="Asia/Shanghai")
    assert (first.imported, first.updated, first.unchanged) == (n, 0, 0)
    before = table_rows(engine, TABLES[kind])
    agents_before = table_rows(engine, schema.agents)
    second = import_csv(kind, path, engine, CONFIG, timezone="Asia/Shanghai")
    assert counts(second) == {"imported": 0, "updated": 0, "unchanged": n, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert table_rows(engine, TABLES[kind]) == before
    assert table_rows(engine, schema.agents) == agents_before
    assert len(before) == n


@pytest.mark.parametrize("kind, old, new, table_key, column, expected", [
    ("calls", ",A1,30,0,inbound,", ",A1,45,0,inbound,", "C1", "wrap_up_seconds", 45.0),
    ("agent-states", "not_ready,lunch", "not_ready,training", ("A1", dt(2025, 3, 3, 4)), "reason", "training"),
    ("surveys", "2,post_call,", "3,post_call,", "S2", "score", 3),
    ("complaints", ",wang", ",zhao", "BJ-2025-03-01", "owner", "zhao"),
])
def test_imp011_one_changed_cell_updates_one_row(engine, tmp_path, kind, old, new, table_key, column, expected):
    """Changing one cell and re-importing: updated 1, the rest unchanged, the new value stored."""
    text, n = SAMPLES[kind]
    assert text.count(old) == 1
    path = write(tmp_path, f"{kind}.csv", text)
    import_csv(kind, path, engine, CONFIG)
    before = table_rows(engine, TABLES[kind])
    write(tmp_path, f"{kind}.csv", text.replace(old, new))
    result = import_csv(kind, path, engine, CONFIG)
    assert counts(result) == {"imported": 0, "updated": 1, "unchanged": n - 1, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    after = table_rows(engine, TABLES[kind])
    key_cols = [c.name for c in TABLES[kind].primary_key.columns]

    def key(r):
        return r[key_cols[0]] if len(key_cols) == 1 else tuple(r[c] for c in key_cols)

    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    b, a = changed[0]
    assert key(a) == table_key
    assert a[column] == expected
    assert {k: v for k, v in a.items() if k != column} == {k: v for k, v in b.items() if k != column}


def test_imp012_reimport_with_rejects_rewrites_the_reject_file(engine, tmp_path):
    """A second run writes the reject file afresh (not appended); fixing the file removes the stale one."""
    path = write(tmp_path, "calls.csv", CALLS_CSV + "C8,bj,sales,not-a-time\n")
    assert import_csv("calls", path, engine, CONFIG).rejected == 1
    assert import_csv("calls", path, engine, CONFIG).rejected == 1
    assert [r["line"] for r in rejects(path)] == ["6"]
    write(tmp_path, "calls.csv", CALLS_CSV + "C8,bj,sales,2025-03-03T09:00:00\n")
    result = import_csv("calls", path, engine, CONFIG)
    assert (result.rejected, result.imported, result.rejected_file) == (0, 1, None)
    assert not Path(path + ".rejected.csv").exists()


# ---------------------------------------------------------------- rejected rows


def test_imp020_calls_rejects_with_line_reason_and_cells(engine, tmp_path):
    """Bad calls rows go to FILE.rejected.csv (line, reason, original cells); the good rows land."""
    text = """call_id,site,arrived_at,queued_at,answered_at,transferred
G1,bj,2025-03-03T09:00:00,2025-03-03T09:00:01,2025-03-03T09:00:09,0
,bj,2025-03-03T09:00:00,,,0
N2,,2025-03-03T09:00:00,,,0
N3,bj,,,,0
N4,bj,2025-03-03 9h00,,,0
N5,bj,2025-03-03T09:00:00,,,2
G2,sh,2025-03-03T10:00:00,,,1
N6,bj,2025-03-03T09:00:00,,,0,surplus
N7,bj,2025-03-03T09:00:00,,2025-03-03T09:00:09,0
"""
    path = write(tmp_path, "calls.csv", text)
    result = import_csv("calls", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 7, "duplicates": 0,
                              "flagged": 0}
    assert result.rejected_file == path + ".rejected.csv"
    assert result.imported + result.unchanged + result.duplicates + result.rejected == data_rows(text)
    assert [r["call_id"] for r in table_rows(engine, schema.calls)] == ["G1", "G2"]
    rows = rejects(path)
    assert list(rows[0]) == ["line", "reason", "call_id", "site", "arrived_at", "queued_at", "answered_at",
                             "transferred"]
    assert [r["line"] for r in rows] == ["3", "4", "5", "6", "7", "9", "10"]
    assert [r["call_id"] for r in rows] == ["", "N2", "N3", "N4", "N5", "N6", "N7"]
    reasons = [r["reason"] for r in rows]
    assert "call_id" in reasons[0]
    assert "site" in reasons[1]
    assert "arrived_at" in reasons[2]
    assert "arrived_at" in reasons[3] and "2025-03-03 9h00" in reasons[3]
    assert "transferred" in reasons[4] and "2" in reasons[4]
    assert "more cells" in reasons[5]
    assert "queued_at" in reasons[6]
    # the original cells are kept
    assert rows[3]["arrived_at"] == "2025-03-03 9h00"
    assert rows[4]["transferred"] == "2"
    assert rows[1]["arrived_at"] == "2025-03-03T09:00:00"


def test_imp021_extra_cells_are_kept_in_the_reject_file(engine, tmp_path):
    """A row with more cells than the header is rejected and its surplus cells appear in the reject file."""
    path = write(tmp_path, "calls.csv", "call_id,site,arrived_at\nN1,bj,2025-03-03T09:00:00,surplus1,surplus2\n")
    result = import_csv("calls", path, engine, CONFIG)
    assert result.rejected == 1
    cells = reject_rows(path)[1]
    assert cells[:5] == ["2", cells[1], "N1", "bj", "2025-03-03T09:00:00"]
    assert "surplus1" in cells and "surplus2" in cells


def test_imp022_surveys_rejects(engine, tmp_path):
    """Scores 0, 6, 'x' and '4.5', a missing survey_id and submitted_at are rejected; scores 1 and 5 land."""
    text = """survey_id,site,submitted_at,score
S1,bj,2025-03-03T09:00:00,1
S2,bj,2025-03-03T09:00:00,0
S3,bj,2025-03-03T09:00:00,6
S4,bj,2025-03-03T09:00:00,x
S5,bj,2025-03-03T09:00:00,4.5
,bj,2025-03-03T09:00:00,3
S7,bj,,3
S8,bj,2025-03-03T09:00:00,
S9,bj,2025-03-03T09:00:00, 5
"""
    path = write(tmp_path, "surveys.csv", text)
    result = import_csv("surveys", path, engine, CONFIG)
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 7, "duplicates": 0,
                              "flagged": 0}
    assert result.imported + result.unchanged + result.duplicates + result.rejected == data_rows(text)
    assert [(r["survey_id"], r["score"]) for r in table_rows(engine, schema.surveys)] == [("S1", 1), ("S9", 5)]
    rows = rejects(path)
    assert [(r["line"], r["survey_id"], r["score"]) for r in rows] == [
        ("3", "S2", "0"), ("4", "S3", "6"), ("5", "S4", "x"), ("6", "S5", "4.5"), ("7", "", "3"), ("8", "S7", "3"),
        ("9", "S8", "")]
    assert all("score" in r["reason"] for r in rows[:4])
    assert "survey_id" in rows[4]["reason"]
    assert "submitted_at" in rows[5]["reason"]
    assert "score" in rows[6]["reason"]


def test_imp023_complaints_rejects(engine, tmp_path):
    """Severity 'VI' and 'high', a missing received_at, an unparseable closed_at and a missing site are rejected."""
    text = """complaint_id,site,severity,received_at,closed_at
K1,bj,iii,2025-03-03T09:00:00,
K2,bj,VI,2025-03-03T09:00:00,
K3,bj,high,2025-03-03T09:00:00,
K4,bj,I,,
K5,bj,I,2025-03-03T09:00:00,2025-02-30T09:00:00
K6,,I,2025-03-03T09:00:00,
K7,sh,,2025-03-03T09:00:00,2025-03-04T09:00:00
"""
    path = write(tmp_path, "complaints.csv", text)
    result = import_csv("complaints", path, engine, CONFIG)
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 5, "duplicates": 0,
                              "flagged": 0}
    assert result.imported + result.unchanged + result.duplicates + result.rejected == data_rows(text)
    stored = [(r["complaint_id"], r["severity"]) for r in table_rows(engine, schema.complaints)]
    assert stored == [("K1", "III"), ("K7", None)]
    rows = rejects(path)
    assert [(r["line"], r["complaint_id"]) for r in rows] == [("3", "K2"), ("4", "K3"), ("5", "K4"), ("6", "K5"),
                                                              ("7", "K6")]
    assert "severity" in rows[0]["reason"] and "VI" in rows[0]["reason"]
    assert "severity" in rows[1]["reason"]
    assert "received_at" in rows[2]["reason"]
    assert "closed_at" in rows[3]["reason"]
    assert "site" in rows[4]["reason"]


def test_imp024_agent_states_rejects(engine, tmp_path):
    """State 'busy', a missing agent_id, started_at or site are rejected; reasons name the column."""
    text = """agent_id,site,state,started_at
A1,bj,available,2025-03-03T09:00:00
A2,bj,busy,2025-03-03T09:00:00
,bj,available,2025-03-03T09:00:00
A4,bj,available,
A5,,available,2025-03-03T09:00:00
A6,bj,,2025-03-03T09:00:00
A7,bj,logged_out,2025-03-03T18:00:00+08:00
"""
    path = write(tmp_path, "states.csv", text)
    result = import_csv("agent-states", path, engine, CONFIG)
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 5, "duplicates": 0,
                              "flagged": 0}
    assert result.imported + result.unchanged + result.duplicates + result.rejected == data_rows(text)
    assert [(r["agent_id"], r["state"]) for r in table_rows(engine, schema.agent_states)] == [
        ("A1", "available"), ("A7", "logged_out")]
    rows = rejects(path)
    assert [r["line"] for r in rows] == ["3", "4", "5", "6", "7"]
    for r, column in zip(rows, ["state", "agent_id", "started_at", "site", "state"], strict=True):
        assert column in r["reason"], r
    assert "busy" in rows[0]["reason"]


def test_imp025_quoted_multiline_cell_and_blank_lines_keep_line_numbers(engine, tmp_path):
    """A quoted cell spanning two lines and a blank line: the reject's `line` is still the CSV line number."""
    text = ('survey_id,site,submitted_at,score,comment\n'
            'S1,bj,2025-03-03T09:00:00,5,"first line\nsecond line"\n'
            '\n'
            'S2,bj,2025-03-03T09:00:00,9,bad score\n')
    path = write(tmp_path, "surveys.csv", text)
    result = import_csv("surveys", path, engine, CONFIG)
    assert (result.imported, result.rejected) == (1, 1)
    assert table_rows(engine, schema.surveys)[0]["comment"] == "first line\nsecond line"
    assert [(r["line"], r["survey_id"]) for r in rejects(path)] == [("5", "S2")]


# ---------------------------------------------------------------- out-of-order times


def test_imp030_out_of_order_times_are_flagged_not_rejected(engine, tmp_path):
    """An answer 1 s before queue entry and an end 'before' the answer across midnight are kept and flagged."""
    text = """call_id,site,arrived_at,queued_at,answered_at,ended_at
O1,bj,2025-03-03T10:00:00,2025-03-03T10:00:01,2025-03-03T10:00:00,2025-03-03T10:05:00
O2,bj,2025-03-03T23:59:30,2025-03-03T23:59:40,2025-03-03T23:59:50,2025-03-03T00:00:10
G1,bj,2025-03-03T10:00:00,2025-03-03T10:00:01,2025-03-03T10:00:02,2025-03-03T10:05:00
"""
    path = write(tmp_path, "calls.csv", text)
    result = import_csv("calls", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 3, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 2}
    assert not Path(path + ".rejected.csv").exists()
    stored = {r["call_id"]: r for r in table_rows(engine, schema.calls)}
    assert stored["O1"]["quality_flags"] == FLAG_ANSWER_BEFORE_QUEUE
    assert stored["O1"]["answered_at"] == dt(2025, 3, 3, 10, 0, 0)  # kept as given
    assert stored["O2"]["quality_flags"] == FLAG_END_BEFORE_ANSWER
    assert stored["O2"]["ended_at"] == dt(2025, 3, 3, 0, 0, 10)
    assert stored["G1"]["quality_flags"] == 0
    again = import_csv("calls", path, engine, CONFIG, timezone="UTC")
    assert (again.unchanged, again.updated, again.flagged) == (3, 0, 2)


# ---------------------------------------------------------------- encodings


GB_TEXT = """survey_id,site,skill_group,submitted_at,score,comment
S1,bj,客服一组,2025-03-03T09:00:00,5,服务很好，谢谢！
S2,bj,客服一组,2025-03-03T09:05:00,1,等了太久𠮷
"""


def test_imp040_gb18030_file_round_trips_chinese_text(engine, tmp_path):
    """A GB18030 export (including a 4-byte GB18030 character) imports with encoding='gb18030'."""
    path = write(tmp_path, "surveys_gb.csv", GB_TEXT, encoding="gb18030")
    assert "客服".encode("gb18030") in Path(path).read_bytes()
    result = import_csv("surveys", path, engine, CONFIG, encoding="gb18030")
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}
    assert [(r["skill_group"], r["comment"]) for r in table_rows(engine, schema.surveys)] == [
        ("客服一组", "服务很好，谢谢！"), ("客服一组", "等了太久𠮷")]
    assert import_csv("surveys", path, engine, CONFIG, encoding="gb18030").unchanged == 2


def test_imp041_gbk_file_imports_with_gb18030(engine, tmp_path):
    """A plain GBK file (GB18030 is a superset) with a Chinese agent name and reason."""
    text = "agent_id,agent_name,site,state,reason,started_at\nA1,李雷,bj,not_ready,午餐,2025-03-03T12:00:00\n"
    path = write(tmp_path, "states_gbk.csv", text, encoding="gbk")
    assert import_csv("agent-states", path, engine, CONFIG, encoding="gb18030").imported == 1
    assert table_rows(engine, schema.agent_states)[0]["reason"] == "午餐"
    assert table_rows(engine, schema.agents)[0]["agent_name"] == "李雷"


def test_imp042_gb18030_file_read_as_utf8_names_file_and_line(engine, tmp_path):
    """The same GB18030 file read as UTF-8: ImportFileError naming the file and line 2; nothing written."""
    path = write(tmp_path, "surveys_gb.csv", GB_TEXT, encoding="gb18030")
    with pytest.raises(ImportFileError) as info:
        import_csv("surveys", path, engine, CONFIG)
    message = str(info.value)
    assert path in message
    assert "line 2" in message
    assert "\n" not in message
    assert table_rows(engine, schema.surveys) == []
    assert table_rows(engine, schema.import_runs) == []


def test_imp043_truncated_multibyte_sequence_at_end_of_file(engine, tmp_path):
    """A file cut in the middle of a UTF-8 character (no final newline) raises ImportFileError, not UnicodeError."""
    path = write(tmp_path, "cut.csv", b"call_id,site,arrived_at,category\nC1,bj,2025-03-03T09:00:00,"
                 + "中".encode()[:2])
    with pytest.raises(ImportFileError) as info:
        import_csv("calls", path, engine, CONFIG)
    assert path in str(info.value)


def test_imp044_utf8_bom_header_is_accepted(engine, tmp_path):
    """An Excel 'CSV UTF-8' file (BOM before the first header) imports; the first column is recognised."""
    path = write(tmp_path, "bom.csv", "\ufeffcall_id,site,arrived_at\nC1,bj,2025-03-03T09:00:00\n")
    result = import_csv("calls", path, engine, CONFIG)
    assert (result.imported, result.rejected) == (1, 0)
    assert table_rows(engine, schema.calls)[0]["call_id"] == "C1"


# ---------------------------------------------------------------- unusable files


@pytest.mark.parametrize("name, content, encoding, expected", [
    ("nocol.csv", "call_id,site,queued_at\nC1,bj,2025-03-03T09:00:00\n", "utf-8", "arrived_at"),
    ("nul.csv", b"call_id,site,arrived_at\nC1,bj,2025-03-03\x00\x00T09\n", "utf-8", "line 2"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "utf-8", "line 1"),
    ("empty.csv", b"", "utf-8", "call_id"),
    ("calls.csv", CALLS_CSV, "no-such-codec", "no-such-codec"),
])
def test_imp050_unusable_file_raises_import_file_error(engine, tmp_path, name, content, encoding, expected):
    """Missing column, NUL bytes, a binary file, an empty file, an unknown encoding: one-line error naming the file."""
    path = write(tmp_path, name, content)
    with pytest.raises(ImportFileError) as info:
        import_csv("calls", path, engine, CONFIG, encoding=encoding)
    message = str(info.value)
    assert path in message
    assert expected in message
    assert "\n" not in message
    assert table_rows(engine, schema.calls) == []
    assert not Path(path + ".rejected.csv").exists()


def test_imp051_missing_file_raises_import_file_error(engine, tmp_path):
    """A file that does not exist: ImportFileError naming it."""
    path = str(tmp_path / "nowhere.csv")
    with pytest.raises(ImportFileError, match="nowhere.csv"):
        import_csv("complaints", path, engine, CONFIG)
    with pytest.raises(ImportFileError, match="nowhere.csv"):
        import_queue_log(path, engine, CONFIG)


@pytest.mark.parametrize("kind, column", [("agent-states", "started_at"), ("surveys", "score"),
                                          ("complaints", "received_at")])
def test_imp052_missing_required_column_named(engine, tmp_path, kind, column):
    """Each kind names its missing required column."""
    text, _ = SAMPLES[kind]
    header, rest = text.split("\n", 1)
    cols = header.split(",")
    i = cols.index(column)
    lines = [",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in text.strip().splitlines()]
    path = write(tmp_path, f"{kind}.csv", "\n".join(lines) + "\n")
    with pytest.raises(ImportFileError) as info:
        import_csv(kind, path, engine, CONFIG)
    assert column in str(info.value) and path in str(info.value)
    assert rest  # the sample had data rows


# ---------------------------------------------------------------- time zones


def test_imp060_timestamps_without_offset_use_timezone(engine, tmp_path):
    """No offset: local time in `timezone` (London summer = UTC+1, Shanghai = UTC+8); an offset is absolute."""
    text = """call_id,site,arrived_at
T1,bj,2025-07-01T09:00:00
T2,bj,2025-07-01T09:00:00+08:00
T3,bj,2025-07-01T09:00:00Z
T4,bj,2025-07-01T09:00:00-05:00
T5,bj,2025-01-15T09:00:00
"""
    path = write(tmp_path, "calls.csv", text)
    import_csv("calls", path, engine, CONFIG, timezone="Europe/London")
    assert [(r["call_id"], r["arrived_at"]) for r in table_rows(engine, schema.calls)] == [
        ("T1", dt(2025, 7, 1, 8)), ("T2", dt(2025, 7, 1, 1)), ("T3", dt(2025, 7, 1, 9)), ("T4", dt(2025, 7, 1, 14)),
        ("T5", dt(2025, 1, 15, 9))]
    result = import_csv("calls", path, engine, CONFIG, timezone="Asia/Shanghai")
    assert (result.updated, result.unchanged) == (2, 3)
    assert [r["arrived_at"] for r in table_rows(engine, schema.calls)] == [
        dt(2025, 7, 1, 1), dt(2025, 7, 1, 1), dt(2025, 7, 1, 9), dt(2025, 7, 1, 14), dt(2025, 1, 15, 1)]


def test_imp061_without_timezone_each_sites_zone_is_used(engine, tmp_path):
    """No `timezone`: a configured site's zone, else the default zone (Asia/Shanghai)."""
    config = parse_config(tomllib.loads('[[sites]]\nid = "ny"\ntimezone = "America/New_York"\n'
                                        '[[sites]]\nid = "bj"\n'))
    text = """complaint_id,site,received_at
K1,ny,2025-03-03T09:00:00
K2,bj,2025-03-03T09:00:00
K3,xx,2025-03-03T09:00:00
K4,ny,2025-07-03T09:00:00
"""
    path = write(tmp_path, "complaints.csv", text)
    import_csv("complaints", path, engine, config)
    assert [(r["complaint_id"], r["received_at"]) for r in table_rows(engine, schema.complaints)] == [
        ("K1", dt(2025, 3, 3, 14)), ("K2", dt(2025, 3, 3, 1)), ("K3", dt(2025, 3, 3, 1)), ("K4", dt(2025, 7, 3, 13))]


def test_imp062_fractional_seconds_survive(engine, tmp_path):
    """Millisecond timestamps are stored to the millisecond on every backend and re-import is unchanged."""
    path = write(tmp_path, "calls.csv", "call_id,site,arrived_at\nF1,bj,2025-03-03T09:00:00.250+00:00\n")
    import_csv("calls", path, engine, CONFIG)
    assert table_rows(engine, schema.calls)[0]["arrived_at"] == dt(2025, 3, 3, 9, 0, 0, 250000)
    assert import_csv("calls", path, engine, CONFIG).unchanged == 1


def test_imp063_agent_states_microsecond_timestamps_reimport(engine, tmp_path):
    """agent-states with microsecond times (key includes started_at): re-import is unchanged on every backend.

    Regression: MariaDB keeps milliseconds, so a microsecond key was not found again and the INSERT hit a
    duplicate primary key.
    """
    path = write(tmp_path, "states.csv",
                 "agent_id,site,state,started_at\nA1,bj,available,2025-03-03T09:00:00.123456+00:00\n")
    assert import_csv("agent-states", path, engine, CONFIG).imported == 1
    again = import_csv("agent-states", path, engine, CONFIG)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1)
    stored = table_rows(engine, schema.agent_states)
    assert len(stored) == 1
    assert abs((stored[0]["started_at"] - dt(2025, 3, 3, 9, 0, 0, 123456)).total_seconds()) < 0.001


# ---------------------------------------------------------------- duplicates and batches


def test_imp070_duplicate_ids_last_wins(engine, tmp_path):
    """The same call_id twice in a file: the last row wins and `duplicates` counts the earlier one."""
    text = """call_id,site,arrived_at,category
D1,bj,2025-03-03T09:00:00,first
D2,bj,2025-03-03T09:00:00,only
D1,sh,2025-03-03T09:30:00,last
"""
    path = write(tmp_path, "calls.csv", text)
    result = import_csv("calls", path, engine, CONFIG, timezone="UTC")
    assert counts(result) == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 0, "duplicates": 1,
                              "flagged": 0}
    assert result.imported + result.unchanged + result.duplicates + result.rejected == data_rows(text)
    assert [(r["call_id"], r["site"], r["arrived_at"], r["category"]) for r in table_rows(engine, schema.calls)] == [
        ("D1", "sh", dt(2025, 3, 3, 9, 30), "last"), ("D2", "bj", dt(2025, 3, 3, 9), "only")]


def test_imp071_duplicate_agent_state_key(engine, tmp_path):
    """agent-states: the key is (agent_id, started_at); the same instant twice keeps the last state."""
    text = """agent_id,site,state,started_at
A1,bj,available,2025-03-03T09:00:00
A1,bj,on_call,2025-03-03T09:00:00
A1,bj,wrap_up,2025-03-03T09:05:00
"""
    path = write(tmp_path, "states.csv", text)
    result = import_csv("agent-states", path, engine, CONFIG, timezone="UTC")
    assert (result.imported, result.duplicates) == (2, 1)
    assert [(r["state"], r["started_at"]) for r in table_rows(engine, schema.agent_states)] == [
        ("on_call", dt(2025, 3, 3, 9)), ("wrap_up", dt(2025, 3, 3, 9, 5))]


def _ten_rows() -> str:
    lines = ["call_id,site,arrived_at,queued_at,answered_at"]
    for i in range(1, 11):
        if i == 4:  # first row of the second batch is rejected
            lines.append(f"B{i:02d},bj,never,,")
        elif i == 6:  # flagged: answered before queued
            lines.append(f"B{i:02d},bj,2025-03-03T09:{i:02d}:00,2025-03-03T09:{i:02d}:05,2025-03-03T09:{i:02d}:04")
        else:
            lines.append(f"B{i:02d},bj,2025-03-03T09:{i:02d}:00,,")
    return "\n".join(lines) + "\n"


def test_imp080_batch_boundaries_land_every_row_once(engine, tmp_path):
    """batch_rows=3 with 10 rows: 9 stored exactly once, the reject at a batch start has the right line."""
    path = write(tmp_path, "calls.csv", _ten_rows())
    result = import_csv("calls", path, engine, CONFIG, timezone="UTC", batch_rows=3)
    assert counts(result) == {"imported": 9, "updated": 0, "unchanged": 0, "rejected": 1, "duplicates": 0,
                              "flagged": 1}
    stored = table_rows(engine, schema.calls)
    assert [r["call_id"] for r in stored] == [f"B{i:02d}" for i in range(1, 11) if i != 4]
    assert [r["arrived_at"] for r in stored] == [dt(2025, 3, 3, 9, i) for i in range(1, 11) if i != 4]
    assert [(r["line"], r["call_id"]) for r in rejects(path)] == [("5", "B04")]
    again = import_csv("calls", path, engine, CONFIG, timezone="UTC", batch_rows=3)
    assert counts(again) == {"imported": 0, "updated": 0, "unchanged": 9, "rejected": 1, "duplicates": 0,
                             "flagged": 1}
    assert table_rows(engine, schema.calls) == stored


def test_imp081_batch_size_does_not_change_the_result(engine, tmp_path):
    """The same file with batch_rows 1, 3 and 2000 gives identical table contents."""
    path = write(tmp_path, "calls.csv", CALLS_CSV)
    import_csv("calls", path, engine, CONFIG, batch_rows=1)
    small = table_rows(engine, schema.calls)
    with engine.begin() as conn:
        conn.execute(schema.calls.delete())
    import_csv("calls", path, engine, CONFIG)
    assert table_rows(engine, schema.calls) == small
    assert len(small) == 4


def test_imp082_duplicate_across_batches_last_wins(engine, tmp_path):
    """A duplicate id whose two rows fall in different batches: last wins, reported as an update.

    Duplicates are recognised within a batch only: remembering every id of a 10-million-line file
    would break the importer's constant memory (a documented decision)."""
    text = "call_id,site,arrived_at,category\n" + "".join(
        f"X{i},bj,2025-03-03T09:00:00,{i}\n" for i in range(1, 6)) + "X1,bj,2025-03-03T09:00:00,last\n"
    path = write(tmp_path, "calls.csv", text)
    result = import_csv("calls", path, engine, CONFIG, batch_rows=3)
    assert table_rows(engine, schema.calls)[0]["category"] == "last"
    assert counts(result) == {"imported": 5, "updated": 1, "unchanged": 0, "rejected": 0, "duplicates": 0,
                              "flagged": 0}


# ---------------------------------------------------------------- backend limits


def test_imp090_overlong_cell_does_not_abort_the_import(engine, tmp_path):
    """A 70-character category (column is 64): the row is stored whole or rejected with a reason, never a crash."""
    long = "x" * 70
    text = f"complaint_id,site,received_at,category\nK1,bj,2025-03-03T09:00:00,{long}\nK2,bj,2025-03-03T09:00:00,ok\n"
    path = write(tmp_path, "complaints.csv", text)
    result = import_csv("complaints", path, engine, CONFIG)
    stored = {r["complaint_id"]: r["category"] for r in table_rows(engine, schema.complaints)}
    assert stored.get("K2") == "ok"
    if result.rejected:
        assert (result.imported, result.rejected) == (1, 1)
        assert rejects(path)[0]["complaint_id"] == "K1"
    else:
        assert stored["K1"] == long


def test_imp091_ids_differing_only_in_case(engine, tmp_path):
    """call_ids 'ab' and 'AB' are two calls on every backend; re-import leaves both unchanged.

    Regression: MariaDB's default utf8mb4 collation is case-insensitive, so the second INSERT hit a duplicate key.
    """
    text = "call_id,site,arrived_at\nab,bj,2025-03-03T09:00:00\nAB,bj,2025-03-03T09:00:00\n"
    path = write(tmp_path, "calls.csv", text)
    result = import_csv("calls", path, engine, CONFIG)
    assert (result.imported, result.duplicates, result.rejected) == (2, 0, 0)
    assert sorted(r["call_id"] for r in table_rows(engine, schema.calls)) == ["AB", "ab"]
    again = import_csv("calls", path, engine, CONFIG)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)


# ---------------------------------------------------------------- queue_log


QUEUE_LOG = """1714554000|1714553998.12|sales|NONE|ENTERQUEUE||07700900123|1
1714554020|1714553998.12|sales|PJSIP/1002|CONNECT|20|1714554015.15|4
this line is garbage
1714554200|1714553998.12|sales|PJSIP/1002|COMPLETECALLER|20|180|1
1714554300|1714554299.5|sales|NONE|ENTERQUEUE||07700900456|1
1714554330|1714554299.5|sales|NONE|ABANDON|1|1|30
1714554400|NONE|NONE|NONE|QUEUESTART|
"""


def test_imp100_queue_log_import(engine, tmp_path):
    """A small queue_log: 2 calls and 2 agent states stored, the garbage line rejected with its line number."""
    path = write(tmp_path, "queue_log", QUEUE_LOG)
    result = import_queue_log(path, engine, CONFIG)
    assert counts(result) == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 1, "duplicates": 0,
                              "flagged": 0}
    assert result.ignored_events == {} and result.flagged == 0  # QUEUESTART: no call open then
    assert table_rows(engine, schema.calls) == [
        call("1714553998.12", "default", "sales", dt(2024, 5, 1, 9), dt(2024, 5, 1, 9), dt(2024, 5, 1, 9, 0, 20),
             dt(2024, 5, 1, 9, 3, 20), "1002"),
        call("1714554299.5", "default", "sales", dt(2024, 5, 1, 9, 5), dt(2024, 5, 1, 9, 5), None,
             dt(2024, 5, 1, 9, 5, 30)),
    ]
    assert table_rows(engine, schema.agent_states) == [
        {"agent_id": "1002", "started_at": dt(2024, 5, 1, 9, 0, 20), "site": "default", "state": "on_call",
         "reason": None},
        {"agent_id": "1002", "started_at": dt(2024, 5, 1, 9, 3, 20), "site": "default", "state": "available",
         "reason": None},
    ]
    assert table_rows(engine, schema.agents) == [
        {"agent_id": "1002", "agent_name": "PJSIP/1002", "site": "default", "skill_group": None}]
    assert reject_rows(path) == [["line", "reason", "raw_line"],
                                 ["3", "expected at least 5 pipe-separated fields, got 1", "this line is garbage"]]


def test_imp101_queue_log_reimport_is_unchanged(engine, tmp_path):
    """Re-importing the queue_log: imported 0, updated 0, the same reject, tables identical."""
    path = write(tmp_path, "queue_log", QUEUE_LOG)
    import_queue_log(path, engine, CONFIG)
    before = [table_rows(engine, t) for t in (schema.calls, schema.agent_states, schema.agents)]
    result = import_queue_log(path, engine, CONFIG)
    assert counts(result) == {"imported": 0, "updated": 0, "unchanged": 4, "rejected": 1, "duplicates": 0,
                              "flagged": 0}
    assert [table_rows(engine, t) for t in (schema.calls, schema.agent_states, schema.agents)] == before
    assert [r["line"] for r in rejects(path)] == ["3"]


def test_imp102_queue_log_site_from_config_or_default_site(engine, tmp_path):
    """A queue's site is its configured skill group's site; other queues take default_site."""
    config = parse_config(tomllib.loads('[[sites]]\nid = "bj"\n[[skill_groups]]\nid = "sales"\nsite = "bj"\n'))
    text = QUEUE_LOG.replace("this line is garbage\n", "").replace("1714554299.5|sales", "1714554299.5|vip")
    path = write(tmp_path, "queue_log", text)
    result = import_queue_log(path, engine, config, default_site="sh", batch_rows=1)
    assert (result.imported, result.rejected) == (4, 0)
    assert result.rejected_file is None
    assert [(r["call_id"], r["site"], r["skill_group"]) for r in table_rows(engine, schema.calls)] == [
        ("1714553998.12", "bj", "sales"), ("1714554299.5", "sh", "vip")]


def test_imp103_queue_log_realtime_export_reimport(engine, tmp_path):
    """A realtime-export queue_log with microsecond datetimes re-imports unchanged on every backend.

    Regression: on MariaDB the agent_states key with microseconds was not found again (IntegrityError).
    """
    text = """2024-05-01 10:00:00.250123|1714554000.31|sales|NONE|ENTERQUEUE||07700900999|1||
2024-05-01 10:00:07.500123|1714554000.31|sales|Local/1005@from-queue/n|CONNECT|7|1714554000.32|5||
2024-05-01 10:02:07.000123|1714554000.31|sales|Local/1005@from-queue/n|COMPLETEAGENT|7|120|1||
"""
    path = write(tmp_path, "queue_log", text)
    first = import_queue_log(path, engine, CONFIG, timezone="Europe/London")
    assert (first.imported, first.rejected) == (3, 0)
    assert table_rows(engine, schema.calls)[0]["arrived_at"].replace(microsecond=0) == dt(2024, 5, 1, 9)
    again = import_queue_log(path, engine, CONFIG, timezone="Europe/London")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
