"""The /data-quality panel: the reason the data is old, and the bad source rows, from the cache only."""

from __future__ import annotations

import json
from datetime import timedelta

import plotly.utils
from support.bad_rows import CONFIG, now_utc, seed
from support.servers import free_port

from wallboard.app import create_app
from wallboard.config import Config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata


def rendered(app, lang: str = "en") -> str:
    from wallboard.pages.data_quality import create_content

    with app.server.test_request_context("/data-quality"):
        return json.dumps([c.to_plotly_json() for c in create_content(lang)], cls=plotly.utils.PlotlyJSONEncoder,
                          ensure_ascii=False)


def test_dqp001_unreachable_database_the_panel_says_why(caplog):
    """Database down at start: the app is built, the poll fails, the panel shows the driver's reason."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"  # nothing listens there
    app = create_app(Config().with_sources(calls_db=url), start_poller=False)
    services = app.server.extensions["wallboard"]
    assert services.poller.poll_once() is False
    text = rendered(app)
    assert "none yet" in text and "Not checked yet" in text
    assert services.poll_status()["last_error"][:40] in text  # the reason, verbatim
    assert "refused" in text.lower() or "connect" in text.lower()
    assert "starting anyway" in caplog.text


def test_dqp002_bad_rows_are_listed_with_what_the_wall_does(tmp_path):
    """Bad rows seeded in SQLite: the panel lists each count with its handling, unknown site XX, in zh and en."""
    url = f"sqlite:///{tmp_path / 'src.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    seed(engine, now_utc() - timedelta(seconds=5))
    config = Config(sites=CONFIG.sites, skill_groups=CONFIG.skill_groups).with_sources(calls_db=url)
    app = create_app(config, start_poller=False)
    assert app.server.extensions["wallboard"].poller.poll_once() is True
    en, zh = rendered(app, "en"), rendered(app, "zh")
    assert '"data-check": "calls.negative_interval"' in en and "counts as 0 (contract)" in en
    assert "Left out of CSAT" in en and "XX: 1" in en and "NOPE: 1" in en
    assert "负时长按 0 计" in zh and "供管理员使用" not in zh  # the note is in the layout, not the cards
