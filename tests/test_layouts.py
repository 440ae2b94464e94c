"""Wall layouts and agent limits (CONTRACT section 9, issue 20): the config's `[layouts.<name>]` and
`[agent_limits]` are validated at start-up naming the key; the agent board's cells carry the contract's hooks,
problems first, paged; `kiosk add --layout` checks the layout against the config."""

from __future__ import annotations

import io
import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from wallboard.auth import accounts
from wallboard.cli import main
from wallboard.components.agent_board import board_rows, create_agent_board
from wallboard.config import ConfigError, parse_config
from wallboard.data_access.engines import make_engine
from wallboard.maths.agent_limits import AgentLimits, StateLimit, agent_level

SITES = '[[sites]]\nid = "BJ"\n[[sites]]\nid = "SH"\n[[skill_groups]]\nid = "claims"\n[[skill_groups]]\nid = "vip"\n'


def config(text: str):
    return parse_config(tomllib.loads(SITES + text))


def test_lay001_a_layout_reads_whole():
    cfg = config('[layouts.bj-claims]\nname = "北京理赔"\nname_en = "Beijing claims"\n'
                 'tiles = ["calls_waiting", "service_level"]\npanels = ["agents", "groups"]\n'
                 'sites = ["BJ"]\nskill_groups = ["claims"]\n'
                 '[layouts.everything]\n')
    team = cfg.layout("bj-claims")
    assert (team.tiles, team.panels, team.sites, team.skill_groups) == (
        ("calls_waiting", "service_level"), ("agents", "groups"), ("BJ",), ("claims",))
    assert (team.label("zh"), team.label("en")) == ("北京理赔", "Beijing claims")
    assert team.covers("BJ", "claims") and not team.covers("BJ", "vip") and not team.covers("SH", "claims")
    every = cfg.layout("everything")
    assert every.sites == () and every.covers("SH", None) and "agents" not in every.panels  # many sites: cells
    assert config('[layouts.one]\nsites = ["SH"]\n').layout("one").panels == ("groups", "agents", "complaints")
    assert cfg.layout("nope") is None and cfg.layout(None) is None


@pytest.mark.parametrize("text, problem", [
    ('[layouts.a]\ntiles = ["queue_depth"]\n', "layouts.a.tiles[0]: 'queue_depth' is not a wall tile"),
    ('[layouts.a]\ntiles = []\n', "layouts.a.tiles: a wall needs at least one tile"),
    ('[layouts.a]\ntiles = ["csat", "csat"]\n', "layouts.a.tiles[1]: 'csat' is listed twice"),
    ('[layouts.a]\npanels = ["map"]\n', "layouts.a.panels[0]: 'map' is not a panel"),
    ('[layouts.a]\nsites = ["GZ"]\n', "layouts.a.sites[0]: 'GZ' is not a configured site"),
    ('[layouts.a]\nskill_groups = ["sales"]\n', "layouts.a.skill_groups[0]: 'sales' is not a configured skill group"),
    ('[layouts.a]\ncolour = "red"\n', "layouts.a: colour not a key of a layout"),
    ('[layouts."a b"]\n', "layouts.a b: a layout's name is 1-40 letters"),
    ('[layouts.a]\ntiles = "csat"\n', "layouts.a.tiles: expected list"),
    ('[agent_limits.wrap_up]\nwarn = 300\nalert = 60\n', "agent_limits.wrap_up: expected 0 <= warn <= alert"),
    ('[agent_limits.lunch]\nwarn = 1\nalert = 2\n', "agent_limits.lunch: not a state"),
    ('[agent_limits.reasons.lunch]\nwarn = 1\nalert = 2\nlimit = 3\n', "agent_limits.reasons.lunch: limit unknown"),
    ('[agent_limits.on_call]\nwarn = "10m"\nalert = 5\n', "agent_limits.on_call.warn: expected float"),
])
def test_lay002_bad_layouts_and_limits_name_their_key(text, problem):
    with pytest.raises(ConfigError) as e:
        config(text)
    assert problem in str(e.value)


def test_lay003_agent_limits_by_state_and_reason():
    cfg = config('[agent_limits.not_ready]\nwarn = 300\nalert = 600\n'
                 '[agent_limits.reasons."培训"]\nwarn = 3600\nalert = 5400\n'
                 '[agent_limits.reasons.break]\nalert = 900\n')
    limits = cfg.agent_limits
    assert limits.limit_for("not_ready", "培训") == StateLimit(3600, 5400)
    assert limits.limit_for("not_ready", "break") == StateLimit(300, 900)  # warn from not_ready's
    assert limits.limit_for("not_ready", "lunch") == limits.limit_for("not_ready") == StateLimit(300, 600)
    assert limits.limit_for("wrap_up", "培训") == StateLimit(120, 180)  # reasons are not-ready reasons; defaults
    assert limits.limit_for("available") is None
    assert [agent_level(s, StateLimit(300, 600)) for s in (0, 299.9, 300, 599, 600)] == [
        "ok", "ok", "warn", "warn", "alert"]
    assert agent_level(10**6, None) == "ok"


NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def agent(agent_id, state, minutes, reason=None, site="BJ", call_minutes=None):
    return {"agent_id": agent_id, "agent_name": f"Agent {agent_id}", "site": site, "skill_group": "claims",
            "state": state, "reason": reason, "since": (NOW - timedelta(minutes=minutes)).isoformat(),
            "call_since": (NOW - timedelta(minutes=call_minutes)).isoformat() if call_minutes else None}


def test_lay004_agent_board_hooks_order_and_pages():
    """Problems first (the furthest over its limit first), then not ready, wrap-up, on call, available; logged-out
    agents have no cell; each cell has the contract's hooks and its limits for the browser."""
    limits = AgentLimits(states={"not_ready": StateLimit(600, 900), "wrap_up": StateLimit(120, 180)},
                         reasons={"training": StateLimit(3600, 5400)})
    agents = [agent("A1", "available", 30), agent("A2", "not_ready", 12, "lunch"),  # warn: 720 s of 600
              agent("A3", "not_ready", 20, "lunch"), agent("A4", "not_ready", 50, "training"),  # alert; ok (3000)
              agent("A5", "wrap_up", 4), agent("A6", "on_call", 3, call_minutes=2.5),  # alert: 240 s of 180
              agent("A7", "logged_out", 1)]
    order = [r["agent_id"] for r in board_rows(agents, limits, NOW)]
    # alerts: A3 (1200/600 = 2.0 over) before A5 (240/120); warn: A2; then A4 not ready, A6 on call, A1 available
    assert order == ["A3", "A5", "A2", "A4", "A6", "A1"]
    board = create_agent_board(agents, limits, "en", "wall-", per_page=4, at_seconds=0, now=NOW)
    cells = [c for c in board.children[1].children]
    assert [c.to_plotly_json()["props"]["data-agent"] for c in cells] == ["A3", "A5", "A2", "A4"]
    props = cells[0].to_plotly_json()["props"]
    assert (props["data-state"], props["data-level"], props["data-warn"], props["data-alert"]) == (
        "not_ready", "alert", "600", "900")
    assert props["data-since"] == (NOW - timedelta(minutes=20)).isoformat()
    assert "lunch" in str(cells[0].children[3].children) and "20:00" in str(cells[0].children[2].children)
    assert board.to_plotly_json()["props"]["data-page"] == "1/2"
    second = create_agent_board(agents, limits, "en", "wall-", per_page=4, at_seconds=10, now=NOW)
    assert [c.to_plotly_json()["props"]["data-agent"] for c in second.children[1].children] == ["A6", "A1"]
    call = second.children[1].children[0].children[3].children[0]
    assert call.children == "2:30" and call.to_plotly_json()["props"]["data-since"] == agents[5]["call_since"]
    assert "2 over limit · 1 near" in board.children[0].children
    single = create_agent_board(agents[:2], limits, "zh", "site-", per_page=60, at_seconds=0, now=NOW)
    assert "data-page" not in single.to_plotly_json()["props"]  # one page: no pager


def test_lay005_kiosk_add_layout_checked_against_the_config(tmp_path, capsys, monkeypatch):
    cfg = tmp_path / "wallboard.toml"
    cfg.write_text(SITES + '[layouts.bj-claims]\nsites = ["BJ"]\n[layouts.all]\n', encoding="utf-8")
    app = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.delenv("WALLBOARD_CONFIG", raising=False)
    for argv, problem in ((["--layout", "nope"], "'nope' is not a layout of"),
                          (["--layout", "all", "--site", "BJ"], "shows sites the kiosk's --site does not give"),
                          (["--layout", "bj-claims", "--site", "SH"], "(BJ)")):
        code = main(["kiosk", "add", "wall-x", "--config", str(cfg), "--app-db", app, *argv])
        err = capsys.readouterr().err
        assert code == 2 and problem in err and len(err.strip().splitlines()) == 1, err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["kiosk", "add", "wall-bj", "--config", str(cfg), "--app-db", app, "--site", "BJ",
                 "--layout", "bj-claims"]) == 0
    token = capsys.readouterr().out.strip().removeprefix("/kiosk/")
    engine = make_engine(app)
    assert accounts.kiosk_principal(engine, token=token).layout == "bj-claims"
    assert [k.layout for k in accounts.list_kiosks(engine)] == ["bj-claims"]
    main(["kiosk", "list", "--app-db", app])
    assert "\tbj-claims\t" in capsys.readouterr().out
    engine.dispose()


def test_lay006_a_layout_wall_gets_only_its_own_queue_tiles_and_site_cells():
    """Review findings: the calls-waiting stream of a layout showing one queue tile (or none) updates only those (an
    update of a tile not on the page stopped the browser's handler); a layout's site cells are its own sites."""
    from wallboard.components.site_heatmap import create_site_heatmap
    from wallboard.components.tile_values import queue_tile_updates

    cfg = config('[layouts.two]\nsites = ["BJ", "SH"]\n')
    tiles = {"calls_waiting": 3, "longest_wait": 40.0}
    one = queue_tile_updates(tiles, cfg, "en", ("calls_waiting", "service_level"))
    assert [part[0]["kpi"] for part in one] == ["calls_waiting"] * 3 and one[0][1] == {"children": "3"}
    assert queue_tile_updates(tiles, cfg, "en", ("service_level", "csat")) == []
    assert len(queue_tile_updates(tiles, cfg, "en")) == 6  # a wall without a layout: both, as before
    cells = create_site_heatmap(cfg, {"BJ": "alert", "SH": "warn", "GZ": "ok"}, ["BJ", "SH", "GZ"], "en",
                                only={"BJ", "SH"})
    assert [c.to_plotly_json()["props"]["data-site"] for c in cells.children] == ["BJ", "SH"]
