"""The `wallboard` command (CONTRACT section 1), in-process via `main()` and as a real subprocess.

SQLite files under `tmp_path` unless a test says otherwise.  Every error case checks exit
status 2, exactly one line on stderr, no traceback, and that the line says what was wrong.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from wallboard.cli import main
from wallboard.data_access import schema
from wallboard.data_access.engines import make_engine
from wallboard.data_access.kpi_report import ROW_FIELDS

# The contract's row order (section 3), typed in by hand.
CONTRACT_ROW_FIELDS = ["key", "offered", "answered", "abandoned", "short_abandoned", "answered_within_threshold",
                       "service_level", "abandon_rate", "connection_rate", "asa_seconds", "max_wait_seconds",
                       "talk_seconds_avg", "aht_seconds", "transfer_rate", "ivr_only", "surveys", "csat_mean",
                       "csat_top2"]
ENV_KEYS = ("WALLBOARD_CALLS_DB", "WALLBOARD_TICKETS_DB", "WALLBOARD_REDIS_URL", "WALLBOARD_POLL_SECONDS",
            "WALLBOARD_SECRET_KEY", "WALLBOARD_CONFIG", "WALLBOARD_APP_DB", "WALLBOARD_LOG_LEVEL")
UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/x"
PERIOD = ["--from", "2025-03-03", "--to", "2025-03-04"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def db(tmp_path) -> str:
    """A SQLite URL with the canonical tables (made by `init-db`)."""
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    assert main(["init-db", "--db", url]) == 0
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    return subprocess.run([sys.executable, "-m", "wallboard.cli", *argv], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def assert_one_line_error(code: int, err: str, *needles: str) -> str:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


# ---------------------------------------------------------------- init-db


def test_cli001_init_db_twice_is_idempotent(tmp_path, capsys):
    """`init-db` twice on the same SQLite file: exit 0 both times, every canonical table present."""
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    assert run(capsys, "init-db", "--db", url)[0] == 0
    code, out, err = run(capsys, "init-db", "--db", url)
    assert code == 0 and err == ""
    assert str(tmp_path / "wb.db") in out
    engine = make_engine(url)
    assert {"calls", "agent_states", "agents", "surveys", "complaints", "import_runs"} <= set(
        inspect(engine).get_table_names())
    engine.dispose()


def test_cli002_init_db_on_each_server(db_url, capsys):
    """`init-db` on SQLite, PostgreSQL and MariaDB (the `db_url` fixture), twice: exit 0, tables present."""
    assert run(capsys, "init-db", "--db", db_url)[0] == 0
    assert run(capsys, "init-db", "--db", db_url)[0] == 0
    engine = make_engine(db_url)
    assert {"calls", "surveys", "complaints"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_cli003_init_db_into_missing_folder(tmp_path, capsys):
    """A SQLite path in a folder that does not exist: exit 2, the folder named."""
    code, _, err = run(capsys, "init-db", "--db", f"sqlite:///{tmp_path / 'nope' / 'wb.db'}")
    assert_one_line_error(code, err, "nope")


# ---------------------------------------------------------------- import


CALLS = """call_id,site,arrived_at,queued_at,answered_at,ended_at
C1,bj,2025-03-03T09:00:00,2025-03-03T09:00:05,2025-03-03T09:00:15,2025-03-03T09:05:00
C2,bj,2025-03-03T09:01:00,2025-03-03T09:01:05,,2025-03-03T09:01:40
C3,bj,not-a-time,,,
"""


def test_cli010_import_prints_counts_and_exits_0_with_rejects(db, tmp_path, capsys):
    """`import calls`: 'imported 2, updated 0, rejected 1' starts the line; exit 0; the reject file exists."""
    path = write(tmp_path / "calls.csv", CALLS)
    code, out, err = run(capsys, "import", "calls", path, "--db", db, "--timezone", "Asia/Shanghai")
    assert code == 0
    assert out.startswith("imported 2, updated 0, rejected 1")
    assert len(out.strip().splitlines()) == 1
    assert Path(path + ".rejected.csv").exists()
    code, out, _ = run(capsys, "import", "calls", path, "--db", db, "--timezone", "Asia/Shanghai")
    assert code == 0
    assert out.startswith("imported 0, updated 0, rejected 1")
    engine = make_engine(db)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.calls.c.call_id, schema.calls.c.arrived_at)
                              .order_by(schema.calls.c.call_id)).all()
    engine.dispose()
    assert [tuple(r) for r in stored] == [("C1", datetime(2025, 3, 3, 1, 0)),
                                          ("C2", datetime(2025, 3, 3, 1, 1))]


def test_cli011_import_gb18030_with_encoding_option(db, tmp_path, capsys):
    """`--encoding gb18030` reads a Chinese export; without it the error names the file and the line."""
    text = "survey_id,site,submitted_at,score,comment\nS1,bj,2025-03-03T09:00:00,5,服务很好\n"
    path = write(tmp_path / "surveys.csv", text, encoding="gb18030")
    code, _, err = run(capsys, "import", "surveys", path, "--db", db)
    assert_one_line_error(code, err, "surveys.csv", "line 2", "gb18030")
    code, out, _ = run(capsys, "import", "surveys", path, "--db", db, "--encoding", "gb18030")
    assert code == 0 and out.startswith("imported 1, updated 0, rejected 0")
    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.execute(select(schema.surveys.c.comment)).scalar_one() == "服务很好"
    engine.dispose()


def test_cli012_import_queue_log(db, tmp_path, capsys):
    """`import queue-log` with --site: one call and one reject line; counts printed, exit 0."""
    path = write(tmp_path / "queue_log", "1714554000|1.1|sales|NONE|ENTERQUEUE||0123|1\n"
                                         "garbage\n"
                                         "1714554030|1.1|sales|NONE|ABANDON|1|1|30\n")
    code, out, _ = run(capsys, "import", "queue-log", path, "--db", db, "--site", "leeds")
    assert code == 0
    assert out.startswith("imported 1, updated 0, rejected 1")
    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.execute(select(schema.calls.c.call_id, schema.calls.c.site)).one() == ("1.1", "leeds")
    engine.dispose()


# ---------------------------------------------------------------- errors: exit 2, one line, no traceback


def _bad_config(tmp_path: Path) -> str:
    return write(tmp_path / "bad.toml", '[service_level]\nformula = "nope"\n')


def _invalid_toml(tmp_path: Path) -> str:
    return write(tmp_path / "invalid.toml", "[service_level\nformula = 1\n")


ERROR_CASES = {
    # id: (argv builder (tmp_path, db) -> list, expected substrings builder)
    "missing-file": (lambda t, db: ["import", "calls", str(t / "nowhere.csv"), "--db", db], ["nowhere.csv"]),
    "missing-column": (lambda t, db: ["import", "calls", write(t / "c.csv", "call_id,site\nC1,bj\n"), "--db", db],
                       ["c.csv", "arrived_at"]),
    "unknown-encoding": (lambda t, db: ["import", "calls", write(t / "c.csv", CALLS), "--db", db, "--encoding",
                                       "klingon"], ["klingon"]),
    "not-a-url": (lambda t, db: ["kpi", "--db", "notaurl", *PERIOD], ["notaurl"]),
    "unsupported-scheme": (lambda t, db: ["kpi", "--db", "oracle://x", *PERIOD], ["oracle"]),
    "unreachable-postgres": (lambda t, db: ["kpi", "--db", UNREACHABLE_PG, *PERIOD], ["127.0.0.1"]),
    "unreachable-postgres-init": (lambda t, db: ["init-db", "--db", UNREACHABLE_PG], ["127.0.0.1"]),
    "no-tables": (lambda t, db: ["kpi", "--db", f"sqlite:///{t / 'empty.db'}", *PERIOD], ["init-db", "calls"]),
    "no-tables-import": (lambda t, db: ["import", "calls", write(t / "c.csv", CALLS), "--db",
                                        f"sqlite:///{t / 'empty.db'}"], ["init-db"]),
    "no-tables-complaints": (lambda t, db: ["complaints", "--db", f"sqlite:///{t / 'empty.db'}"],
                             ["init-db", "complaints"]),
    "invalid-toml": (lambda t, db: ["kpi", "--db", db, *PERIOD, "--config", _invalid_toml(t)], ["invalid.toml"]),
    "bad-formula": (lambda t, db: ["kpi", "--db", db, *PERIOD, "--config", _bad_config(t)],
                    ["bad.toml", "service_level.formula", "nope"]),
    "missing-config": (lambda t, db: ["kpi", "--db", db, *PERIOD, "--config", str(t / "none.toml")],
                       ["none.toml"]),
    "bad-timezone": (lambda t, db: ["kpi", "--db", db, *PERIOD, "--timezone", "Mars/Olympus_Mons"],
                     ["--timezone", "Mars/Olympus_Mons"]),
    "bad-timezone-import": (lambda t, db: ["import", "calls", write(t / "c.csv", CALLS), "--db", db, "--timezone",
                                           "Nowhere/Town"], ["Nowhere/Town"]),
    "bad-from": (lambda t, db: ["kpi", "--db", db, "--from", "2025-13-01", "--to", "2025-03-04"],
                 ["--from", "2025-13-01"]),
    "bad-from-word": (lambda t, db: ["kpi", "--db", db, "--from", "yesterday", "--to", "2025-03-04"],
                      ["yesterday"]),
    "bad-at": (lambda t, db: ["complaints", "--db", db, "--at", "noon"], ["--at", "noon"]),
    "staffing-aht-0": (lambda t, db: ["staffing", "--calls", "50", "--interval-seconds", "1800", "--aht-seconds", "0",
                                      "--threshold-seconds", "20", "--target", "0.8"], ["aht-seconds"]),
    "staffing-target-2": (lambda t, db: ["staffing", "--calls", "50", "--interval-seconds", "1800", "--aht-seconds",
                                         "300", "--threshold-seconds", "20", "--target", "2"], ["target"]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_cli020_errors_exit_2_with_one_line(case, db, tmp_path, capsys):
    """Each user-fixable error: exit 2, one line on stderr naming the problem, no traceback, nothing on stdout."""
    (tmp_path / "empty.db").touch()
    build, needles = ERROR_CASES[case]
    code, out, err = run(capsys, *build(tmp_path, db))
    line = assert_one_line_error(code, err, *needles)
    assert line.startswith("wallboard ")
    assert out == ""


def test_cli021_database_url_password_is_hidden(capsys):
    """An unreachable PostgreSQL URL with a password: the error line never shows the password."""
    code, _, err = run(capsys, "kpi", "--db", "postgresql+psycopg://u:s3cr3t@127.0.0.1:1/x", *PERIOD)
    assert_one_line_error(code, err, "127.0.0.1")
    assert "s3cr3t" not in err


@pytest.mark.parametrize("argv, needles", [
    (["import", "calls", "{tmp}/nowhere.csv", "--db", "{db}"], ["nowhere.csv"]),
    (["kpi", "--db", "notaurl", *PERIOD], ["notaurl"]),
    (["kpi", "--db", UNREACHABLE_PG, *PERIOD], ["127.0.0.1"]),
    (["kpi", "--db", "{db}", *PERIOD, "--config", "{tmp}/bad.toml"], ["service_level.formula"]),
])
def test_cli022_subprocess_errors_have_no_traceback(db, tmp_path, argv, needles):
    """As a real process (`python -m wallboard.cli`): exit status 2, one stderr line, no traceback."""
    _bad_config(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)).replace("{db}", db) for a in argv]
    proc = run_process(*args, cwd=tmp_path)
    assert_one_line_error(proc.returncode, proc.stderr, *needles)
    assert proc.stdout == ""


def test_cli023_subprocess_import_succeeds(db, tmp_path):
    """As a real process: `import calls` exits 0 and prints the counts; stderr has no traceback."""
    path = write(tmp_path / "calls.csv", CALLS)
    proc = run_process("import", "calls", path, "--db", db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("imported 2, updated 0, rejected 1")
    assert "Traceback" not in proc.stderr


def test_cli024_subprocess_truncated_utf8_file_is_a_clean_error(db, tmp_path):
    """A file cut inside a UTF-8 character: exit 2 with one line naming the file, no traceback."""
    path = tmp_path / "cut.csv"
    path.write_bytes(b"call_id,site,arrived_at,category\nC1,bj,2025-03-03T09:00:00," + "中".encode()[:2])
    proc = run_process("import", "calls", str(path), "--db", db, cwd=tmp_path)
    assert_one_line_error(proc.returncode, proc.stderr, "cut.csv")


def test_cli025_argparse_errors_exit_2(capsys):
    """An unknown subcommand or import kind: argparse's exit status 2 (SystemExit), no traceback."""
    for argv in (["frobnicate"], ["import", "invoices", "x.csv", "--db", "sqlite://"], ["kpi", "--db", "x"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "error:" in err and "Traceback" not in err


# ---------------------------------------------------------------- logins and wall screens


@pytest.mark.parametrize("argv, problem", [
    (["user", "add", "li", "--role", "admin"], "at least 10 characters"),  # empty standard input
    (["user", "add", "li", "--role", "manager"], "needs at least one --site"),
    (["user", "add", "li li", "--role", "admin"], "use 1-64 letters"),
    (["user", "remove", "nobody"], "no user 'nobody'"),
    (["kiosk", "revoke", "nobody"], "no active kiosk 'nobody'"),
    (["kiosk", "add", "wall-1", "--pages", "/, /x?y=1"], "not a page path"),
])
def test_cli030_user_and_kiosk_errors_are_one_line(capsys, monkeypatch, tmp_path, argv, problem):
    """`user` and `kiosk` mistakes: exit 2, one line saying what is wrong, nothing written to standard output.
    (The commands themselves are tested in tests/auth/test_access.py.)"""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, *argv, "--app-db", f"sqlite:///{tmp_path / 'app.db'}")
    assert_one_line_error(code, err, argv[0], problem)
    assert out == ""


def test_cli031_report_on_a_database_without_tables(tmp_path, capsys):
    """`report` in the contract's form on an empty database: exit 2, one line naming the missing tables
    (the report itself is tested in tests/reports/test_files.py)."""
    code, _, err = run(capsys, "report", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--week", "2025-W10",
                       "--format", "csv", "--out", str(tmp_path / "r.csv"))
    assert_one_line_error(code, err, "report", "missing table")


# ---------------------------------------------------------------- staffing


def test_cli040_staffing_json_fields_and_contract_check(capsys):
    """50 calls / 1800 s / AHT 300 / 20 s / 0.8: SL >= 0.8 and more agents than the raw workload 50*300/1800."""
    code, out, err = run(capsys, "staffing", "--calls", "50", "--interval-seconds", "1800", "--aht-seconds", "300",
                         "--threshold-seconds", "20", "--target", "0.8")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["required_agents", "service_level", "asa_seconds", "occupancy", "probability_wait"]
    assert isinstance(data["required_agents"], int)
    assert data["service_level"] >= 0.8
    assert data["required_agents"] > 50 * 300 / 1800
    assert data["occupancy"] == pytest.approx(50 * 300 / 1800 / data["required_agents"], abs=1e-6)
    assert 0 < data["probability_wait"] < 1
    assert data["asa_seconds"] >= 0


def _erlang_c(agents: int, traffic: float) -> float:
    """Probability of waiting, straight from the textbook formula (independent of wallboard.maths)."""
    top = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    return top / (sum(traffic ** k / math.factorial(k) for k in range(agents)) + top)


def test_cli041_staffing_is_the_fewest_agents(capsys):
    """The textbook Erlang C: 12 agents reach 80 % in 20 s for 50 calls / 30 min / AHT 300 s, 11 do not."""
    code, out, _ = run(capsys, "staffing", "--calls", "50", "--interval-seconds", "1800", "--aht-seconds", "300",
                       "--threshold-seconds", "20", "--target", "0.8")
    data = json.loads(out)
    traffic = 50 * 300 / 1800

    def sl(n: int) -> float:
        return 1 - _erlang_c(n, traffic) * math.exp(-(n - traffic) * 20 / 300)

    assert data["required_agents"] == 12
    assert sl(11) < 0.8 <= sl(12)
    assert data["service_level"] == pytest.approx(sl(12), abs=1e-6)
    assert data["probability_wait"] == pytest.approx(_erlang_c(12, traffic), abs=1e-6)
    assert data["asa_seconds"] == pytest.approx(_erlang_c(12, traffic) * 300 / (12 - traffic), abs=1e-3)


def test_cli042_staffing_zero_calls(capsys):
    """No calls forecast: 0 agents, service level 1."""
    code, out, _ = run(capsys, "staffing", "--calls", "0", "--interval-seconds", "1800", "--aht-seconds", "300",
                       "--threshold-seconds", "20", "--target", "0.8")
    assert code == 0
    assert json.loads(out)["required_agents"] == 0
    assert json.loads(out)["service_level"] == 1.0


# ---------------------------------------------------------------- kpi


KPI_CALLS = """call_id,site,skill_group,arrived_at,queued_at,answered_at,ended_at,wrap_up_seconds,transferred
K1,bj,sales,2025-03-03T09:00:00,2025-03-03T09:00:00,2025-03-03T09:00:10,2025-03-03T09:05:10,30,1
K2,bj,sales,2025-03-03T09:10:00,2025-03-03T09:10:00,,2025-03-03T09:10:30,,0
K3,bj,sales,2025-03-03T09:20:00,,,2025-03-03T09:21:00,,0
"""


def test_cli053_a_reimport_refreshes_the_history_aggregates(db, tmp_path, capsys):
    """`db upgrade` builds the aggregates; re-importing a corrected file makes `kpi` show the corrected figures at
    once (no server running to notice), from the aggregates as from raw rows."""
    path = write(tmp_path / "calls.csv", KPI_CALLS)
    run(capsys, "import", "calls", path, "--db", db, "--timezone", "Asia/Shanghai")
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and "history aggregates: 2025-03-03" in out

    def answered() -> int:
        code, out, _ = run(capsys, "kpi", "--db", db, *PERIOD, "--timezone", "Asia/Shanghai")
        return json.loads(out)["rows"][0]["answered"]
    assert answered() == 1
    corrected = KPI_CALLS.replace("K2,bj,sales,2025-03-03T09:10:00,2025-03-03T09:10:00,,",
                                  "K2,bj,sales,2025-03-03T09:10:00,2025-03-03T09:10:00,2025-03-03T09:10:20,")
    assert corrected != KPI_CALLS
    run(capsys, "import", "calls", write(tmp_path / "calls2.csv", corrected), "--db", db, "--timezone",
        "Asia/Shanghai")
    assert answered() == 2


def test_cli050_kpi_csv_header_is_the_contracts_order(db, capsys):
    """`kpi --format csv`: the header is the contract's field order, equal to kpi_report.ROW_FIELDS."""
    assert list(ROW_FIELDS) == CONTRACT_ROW_FIELDS
    code, out, err = run(capsys, "kpi", "--db", db, *PERIOD, "--format", "csv")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == ",".join(CONTRACT_ROW_FIELDS)
    assert lines[0].startswith("key,offered,answered,")
    assert lines[1].startswith("all,0,0,0,")


def test_cli051_kpi_csv_and_json_figures(db, tmp_path, capsys):
    """One answered (wait 10 s, talk 300 s, wrap 30 s, transferred), one abandoned after 30 s, one IVR-only."""
    path = write(tmp_path / "calls.csv", KPI_CALLS)
    assert run(capsys, "import", "calls", path, "--db", db, "--timezone", "Asia/Shanghai")[0] == 0
    code, out, _ = run(capsys, "kpi", "--db", db, *PERIOD, "--timezone", "Asia/Shanghai", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("key", "offered", "answered", "abandoned", "short_abandoned",
                                "answered_within_threshold", "ivr_only", "surveys")} == {
        "key": "all", "offered": "2", "answered": "1", "abandoned": "1", "short_abandoned": "0",
        "answered_within_threshold": "1", "ivr_only": "1", "surveys": "0"}
    assert float(row["service_level"]) == 0.5
    assert float(row["abandon_rate"]) == 0.5
    assert float(row["connection_rate"]) == 0.5
    assert float(row["asa_seconds"]) == 10
    assert float(row["max_wait_seconds"]) == 30
    assert float(row["talk_seconds_avg"]) == 300
    assert float(row["aht_seconds"]) == 330
    assert float(row["transfer_rate"]) == 1
    assert row["csat_mean"] == "" and row["csat_top2"] == ""
    code, out, _ = run(capsys, "kpi", "--db", db, *PERIOD, "--timezone", "Asia/Shanghai")
    data = json.loads(out)
    assert {"from", "to", "timezone", "by", "settings", "rows"} <= set(data)
    assert data["by"] == "none" and data["timezone"] == "Asia/Shanghai"
    assert list(data["rows"][0]) == CONTRACT_ROW_FIELDS
    assert data["rows"][0]["service_level"] == 0.5
    assert data["rows"][0]["csat_mean"] is None


def test_cli052_kpi_by_hour_keys(db, tmp_path, capsys):
    """`--by hour` keys are YYYY-MM-DDTHH in the given zone."""
    path = write(tmp_path / "calls.csv", KPI_CALLS)
    run(capsys, "import", "calls", path, "--db", db, "--timezone", "Asia/Shanghai")
    code, out, _ = run(capsys, "kpi", "--db", db, *PERIOD, "--timezone", "Asia/Shanghai", "--by", "hour")
    assert code == 0
    assert [r["key"] for r in json.loads(out)["rows"]] == ["2025-03-03T09"]


# ---------------------------------------------------------------- complaints


COMPLAINT = """complaint_id,site,category,severity,channel,received_at,owner
BJ-2025-03-01,bj,billing,II,phone,2025-03-03T09:00:00+08:00,li
"""


def test_cli060_complaints_json_shape(db, tmp_path, capsys):
    """`complaints --format json` with one open complaint: the contract's keys, ISO times with offset, no refund."""
    path = write(tmp_path / "complaints.csv", COMPLAINT)
    assert run(capsys, "import", "complaints", path, "--db", db)[0] == 0
    code, out, err = run(capsys, "complaints", "--db", db, "--at", "2025-03-03T10:00:00+08:00", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) == {"at", "complaints"}
    assert data["at"] == "2025-03-03T10:00:00+08:00"
    assert len(data["complaints"]) == 1
    c = data["complaints"][0]
    assert set(c) == {"complaint_id", "site", "severity", "category", "next_due_at", "next_stage", "stages"}
    assert (c["complaint_id"], c["site"], c["severity"], c["category"]) == ("BJ-2025-03-01", "bj", "II", "billing")
    assert c["next_stage"] == "hand_over"
    stages = {s["stage"]: s for s in c["stages"]}
    assert "refund" not in stages  # no refund requested: left out
    assert {"hand_over", "register", "first_contact", "close", "archive"} <= set(stages)
    for s in c["stages"]:
        # the contract's keys, and "provisional" (a deadline from a calendar year not yet published)
        assert set(s) == {"stage", "due_at", "done_at", "remaining_seconds", "status", "provisional"}
        assert s["provisional"] is False
        assert s["status"] in ("met", "missed", "open", "due_soon", "overdue")
        if s["due_at"] is not None:
            assert s["due_at"][-6:] in ("+08:00", "+00:00") and s["due_at"][10] == "T"
    hand_over = stages["hand_over"]
    # due 12 h after received (09:00 +08:00); at 10:00 that is 11 h away
    assert _instant(hand_over["due_at"]) == _instant("2025-03-03T21:00:00+08:00")
    assert hand_over["remaining_seconds"] == 11 * 3600
    assert hand_over["status"] == "open"
    assert _instant(c["next_due_at"]) == _instant(hand_over["due_at"])
    assert _instant(stages["register"]["due_at"]) == _instant("2025-03-04T09:00:00+08:00")
    assert _instant(stages["close"]["due_at"]) == _instant("2025-03-10T09:00:00+08:00")


def test_cli062_calendar_entry_moves_the_deadline(db, tmp_path, capsys):
    """2027's schedule is not in the holiday library: received Wed 2027-02-17, first contact is due at the end of
    Mon 02-22 and marked provisional; with Saturday 02-20 entered as a make-up working day it is due at the end of
    that Saturday, and no longer provisional (tests/maths/test_calendars.py works the dates by hand)."""
    text = COMPLAINT.replace("BJ-2025-03-01", "BJ-2027-02-01").replace("2025-03-03T09:00", "2027-02-17T10:00")
    run(capsys, "import", "complaints", write(tmp_path / "c.csv", text), "--db", db)
    at = ("--at", "2027-02-17T12:00:00+08:00")

    def first_contact(*config: str) -> dict:
        code, out, err = run(capsys, "complaints", "--db", db, *at, *config)
        assert code == 0, err
        return next(s for s in json.loads(out)["complaints"][0]["stages"] if s["stage"] == "first_contact")

    before = first_contact()
    assert _instant(before["due_at"]) == _instant("2027-02-23T00:00:00+08:00") and before["provisional"] is True
    config = write(tmp_path / "w.toml", '[calendars.CN]\nworking_days = ["2027-02-20"]\n')
    after = first_contact("--config", config)
    assert _instant(after["due_at"]) == _instant("2027-02-21T00:00:00+08:00") and after["provisional"] is False
    code, out, _ = run(capsys, "complaints", "--db", db, *at, "--format", "csv")
    rows = {r["stage"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["first_contact"]["provisional"] == "True" and rows["hand_over"]["provisional"] == "False"


def test_cli061_complaints_refund_stage_and_csv(db, tmp_path, capsys):
    """A requested refund adds the refund stage (48 h); `--format csv` has one line per stage."""
    text = COMPLAINT.replace(",owner", ",owner,refund_requested_at").replace(",li", ",li,2025-03-03T09:30:00+08:00")
    path = write(tmp_path / "complaints.csv", text)
    run(capsys, "import", "complaints", path, "--db", db)
    code, out, _ = run(capsys, "complaints", "--db", db, "--at", "2025-03-03T10:00:00+08:00")
    stages = {s["stage"]: s for s in json.loads(out)["complaints"][0]["stages"]}
    assert _instant(stages["refund"]["due_at"]) == _instant("2025-03-05T09:30:00+08:00")
    code, out, _ = run(capsys, "complaints", "--db", db, "--at", "2025-03-03T10:00:00+08:00", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["stage"] for r in rows] == [s for s in stages]
    assert all(r["complaint_id"] == "BJ-2025-03-01" for r in rows)


def test_cli062_complaints_archived_is_not_open(db, tmp_path, capsys):
    """A complaint archived before --at is not listed; --site filters."""
    text = COMPLAINT + "SH-2025-03-01,sh,network,I,web,2025-03-01T09:00:00+08:00,\n"
    path = write(tmp_path / "complaints.csv", text)
    run(capsys, "import", "complaints", path, "--db", db)
    out = run(capsys, "complaints", "--db", db, "--at", "2025-03-03T10:00:00+08:00", "--site", "sh")[1]
    assert [c["complaint_id"] for c in json.loads(out)["complaints"]] == ["SH-2025-03-01"]
    archived = "complaint_id,site,received_at,closed_at,archived_at\n" \
               "SH-2025-03-01,sh,2025-03-01T09:00:00+08:00,2025-03-02T09:00:00+08:00,2025-03-02T10:00:00+08:00\n"
    run(capsys, "import", "complaints", write(tmp_path / "arch.csv", archived), "--db", db)
    out = run(capsys, "complaints", "--db", db, "--at", "2025-03-03T10:00:00+08:00")[1]
    assert [c["complaint_id"] for c in json.loads(out)["complaints"]] == ["BJ-2025-03-01"]


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value
