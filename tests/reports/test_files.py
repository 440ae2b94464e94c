"""`wallboard report` (CONTRACT section 1): the three files hold the KPI engine's figures for the week.

One simulated SQLite centre (15 days) for the module; the report of the last complete week is
compared with `wallboard kpi` for the same periods, run as the same CLI.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from wallboard.auth.accounts import default_app_db_url
from wallboard.cli import main
from wallboard.config import load_config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.sources import Sources
from wallboard.demo import simulator
from wallboard.reports.files import build_report
from wallboard.reports.periods import week_label
from wallboard.reports.weekly_review import weekly_review

TZ = "Asia/Shanghai"
RATES = ("service_level", "abandon_rate", "connection_rate", "asa_seconds", "max_wait_seconds", "talk_seconds_avg",
         "aht_seconds", "transfer_rate", "csat_mean", "csat_top2")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """(db url, config path, week, Monday) of a simulated centre with the last complete week in it."""
    folder = tmp_path_factory.mktemp("report")
    config = folder / "wallboard.toml"
    config.write_text(simulator.demo_config_toml(), encoding="utf-8")
    url = f"sqlite:///{folder / 'wb.db'}"
    assert main(["init-db", "--db", url]) == 0
    assert main(["simulate", "--db", url, "--history-days", "15", "--seed", "3"]) == 0
    today = datetime.now(ZoneInfo(TZ)).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return url, str(config), week_label(monday), monday


def kpi(capsys, centre, start: date, end: date, by: str = "none") -> list[dict]:
    url, config, _, _ = centre
    capsys.readouterr()
    assert main(["kpi", "--db", url, "--config", config, "--from", start.isoformat(), "--to", end.isoformat(),
                 "--by", by]) == 0
    return json.loads(capsys.readouterr().out)["rows"]


def report(capsys, centre, fmt: str, tmp_path, *extra: str) -> bytes:
    url, config, week, _ = centre
    out = tmp_path / f"review.{fmt}"
    assert main(["report", "--db", url, "--config", config, "--week", week, "--format", fmt, "--out", str(out),
                 *extra]) == 0
    return out.read_bytes()


def tidy(data: bytes) -> dict[str, list[dict]]:
    """The tidy CSV back into rows per section."""
    sections: dict[str, dict[int, dict]] = {}
    for line in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        sections.setdefault(line["section"], {}).setdefault(int(line["row"]), {})[line["field"]] = line["value"]
    return {name: [rows[i] for i in sorted(rows)] for name, rows in sections.items()}


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def test_rep001_csv_equals_wallboard_kpi(capsys, centre, tmp_path):
    """This week, last week, the 4 weeks before, by day, CSAT by site, busiest hours: all `wallboard kpi`'s."""
    _, _, week, monday = centre
    s = tidy(report(capsys, centre, "csv", tmp_path))
    assert s["report"][0]["week"] == week and s["report"][0]["from"].startswith(monday.isoformat())
    this = kpi(capsys, centre, monday, monday + timedelta(7))[0]
    last = kpi(capsys, centre, monday - timedelta(7), monday)[0]
    four = kpi(capsys, centre, monday - timedelta(28), monday)[0]
    assert this["offered"] > 1000  # a real week, not an empty one
    kpis = {r["kpi"]: r for r in s["kpis"]}
    for name in RATES:
        assert number(kpis[name]["this_week"]) == this[name], name
        assert number(kpis[name]["last_week"]) == last[name], name
        assert number(kpis[name]["avg_4_weeks"]) == four[name], name
    for name in ("offered", "answered", "ivr_only", "surveys"):
        assert number(kpis[name]["this_week"]) == this[name]
        assert number(kpis[name]["avg_4_weeks"]) == pytest.approx(four[name] / 4)
    assert number(kpis["service_level"]["change_vs_last_week"]) == pytest.approx(
        this["service_level"] - last["service_level"])
    days = kpi(capsys, centre, monday, monday + timedelta(7), "day")
    assert [r["date"] for r in s["by_day"]] == [d["key"] for d in days]
    for got, want in zip(s["by_day"], days, strict=True):
        for name in ("offered", "answered", "service_level", "asa_seconds", "abandon_rate", "connection_rate",
                     "surveys", "csat_top2"):
            assert number(got[name]) == want[name], (want["key"], name)
    sites = {r["key"]: r for r in kpi(capsys, centre, monday, monday + timedelta(7), "site")}
    assert {r["site"] for r in s["csat_by_site"]} == set(sites)
    for r in s["csat_by_site"]:
        want = sites[r["site"]]
        assert (int(r["surveys"]), number(r["csat_mean"]), number(r["csat_top2"])) == (
            want["surveys"], want["csat_mean"], want["csat_top2"])
    hours = sorted(kpi(capsys, centre, monday, monday + timedelta(7), "hour"), key=lambda r: (-r["offered"], r["key"]))
    busiest = [(r["hour"], int(r["offered"])) for r in s["busiest_hours"]]
    assert busiest == [(h["key"], h["offered"]) for h in hours[:10]]


def test_rep002_xlsx_sheets_numbers_and_frozen_headers(capsys, centre, tmp_path):
    _, _, week, monday = centre
    book = load_workbook(io.BytesIO(report(capsys, centre, "xlsx", tmp_path)))
    assert book.sheetnames == ["说明", "本周对比", "按日指标", "投诉概况", "各阶段按时完成", "投诉分布", "各站点满意度",
                               "最繁忙时段"]  # the demo config's language is zh
    assert book["说明"]["B2"].value == week
    # dated by the week, not by the clock: the same review is the same bytes at any moment
    assert book.properties.created == book.properties.modified == datetime.combine(monday, datetime.min.time())
    this = kpi(capsys, centre, monday, monday + timedelta(7))[0]
    ws = book["本周对比"]
    assert [c.value for c in ws[1]][:3] == ["指标", "本周", "上周"] and ws.freeze_panes == "B2"
    by_name = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    sl = by_name["服务水平"][1]
    assert isinstance(sl.value, float) and sl.value == this["service_level"] and sl.number_format == "0.0%"
    offered = by_name["进线量"][1]
    assert offered.value == this["offered"] and offered.number_format == "#,##0"
    assert by_name["平均应答速度(秒)"][1].value == this["asa_seconds"]
    days = book["按日指标"]
    first = days["A2"].value
    assert isinstance(first, datetime) and first.date() == monday and days["A2"].number_format == "yyyy-mm-dd"
    assert all(ws.freeze_panes == "B2" for ws in book.worksheets[1:])


def test_rep003_pdf_renders(capsys, centre, tmp_path):
    """A4 landscape, two pages, each rendered to a picture by PDFium (Chromium's PDF engine); text read back."""
    _, _, week, _ = centre
    data = report(capsys, centre, "pdf", tmp_path)
    assert data.startswith(b"%PDF-") and b"/MediaBox [ 0 0 841.8898 595.2756 ]" in data
    # the font is embedded (a TrueType subset), so Chinese shows in a viewer without CJK fonts, as PDFium here
    assert b"/FontFile2" in data and b"STSong" not in data
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 2
    text = ""
    for i, page in enumerate(pdf):
        width, height = page.get_size()
        assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
        image = page.render(scale=1.5).to_pil()
        image.save(tmp_path / f"page-{i + 1}.png")
        dark = image.convert("L").histogram()[:128]
        dark = sum(dark)
        assert dark > 0.002 * image.width * image.height, f"page {i + 1} looks blank"
        text += page.get_textpage().get_text_range()
    assert f"运营周报 {week}" in text and "服务水平" in text


def test_rep004_same_bytes_as_the_page_builds(capsys, centre, tmp_path):
    """The page's export buttons call `build_report` on the same review: identical files, every time."""
    url, config_path, week, _ = centre
    config = load_config(config_path)
    engine = make_engine(url)
    # as `report` and the page read: through the history aggregates of the environment's app database
    sources = Sources.single(engine, config).with_history(make_engine(default_app_db_url()))
    review = weekly_review(sources, week)
    for fmt in ("xlsx", "csv", "pdf"):
        assert report(capsys, centre, fmt, tmp_path) == build_report(review, fmt, config, "zh"), fmt
    assert build_report(review, "pdf", config, "en") != build_report(review, "pdf", config, "zh")


def test_rep005_timezone_option(capsys, centre, tmp_path):
    _, _, _, monday = centre
    s = tidy(report(capsys, centre, "csv", tmp_path, "--timezone", "UTC"))
    assert s["report"][0]["timezone"] == "UTC" and s["report"][0]["from"] == f"{monday.isoformat()}T00:00:00+00:00"


@pytest.mark.parametrize("args, message", [
    (["--week", "2026-13", "--format", "csv"], "--week: not an ISO week (YYYY-Www): '2026-13'"),
    (["--week", "2026-W54", "--format", "csv"], "--week: no such ISO week: '2026-W54'"),
    (["--week", "2026-W05", "--format", "csv", "--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
])
def test_rep006_bad_arguments_one_line_exit_2(capsys, tmp_path, args, message):
    code = main(["report", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--out", str(tmp_path / "r.csv"), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err


def test_rep007_unwritable_out_and_bad_format(capsys, centre, tmp_path):
    url, config, week, _ = centre
    code = main(["report", "--db", url, "--config", config, "--week", week, "--format", "csv",
                 "--out", str(tmp_path / "missing" / "r.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--out: no such directory" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--db", url, "--week", week, "--format", "docx", "--out", str(tmp_path / "r")])
    assert exit_info.value.code == 2 and "invalid choice: 'docx'" in capsys.readouterr().err
