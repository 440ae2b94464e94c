"""Live sources (issue 17 item 5): FreeSWITCH mod_callcenter followed through its tables (members, agents, tiers)
and the CDRs (mod_cdr_pg_csv's `cdr`, FusionPBX's `v_xml_cdr`), on SQLite, PostgreSQL and MariaDB: calls shown
waiting and talking while they are, their CDRs' rows after; restarts of the follower change nothing; bad rows are
rejected with their reason and the rest goes on.

mod_callcenter's tables live in a database of their own (its `agents` would be the canonical `agents`); the CDR
table in the test database, beside the canonical tables (the source's `cdr_url`)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from support.canonical import canonical, clear
from support.databases import server_database
from support.freeswitch import LAYOUTS, START, Call, CallCentre, Replay, Script, member_leg, member_uuid, scenario
from support.kpi_data import config_from

from wallboard.data_access import schema
from wallboard.data_access.engines import make_engine
from wallboard.ingest.follow import Follower
from wallboard.ingest.freeswitch_follow import FreeswitchCallcenter
from wallboard.maths.kpi import AGENT_STATES

S = START
A1, A2 = "1001@default", "1002@default"


def config(url: str, cdr_url: str, layout: str):
    return config_from(
        '[general]\ntimezone = "Asia/Shanghai"\n[[sites]]\nid = "BJ"\n[[sites]]\nid = "SH"\n'
        '[[skill_groups]]\nid = "support"\nsite = "BJ"\n'
        f'[[sources]]\nkind = "freeswitch-callcenter"\nname = "fs"\nurl = "{url}"\ncdr_url = "{cdr_url}"\n'
        f'cdr_table = "{LAYOUTS[layout]}"\nsite = "SH"\nqueue_groups = {{ "support@default" = "support" }}\n'
        f'agents = {{ "{A1}" = "A1" }}\n')


@pytest.fixture
def fs_url(db_url, tmp_path):
    """mod_callcenter's database, on the backend under test."""
    backend = make_url(db_url).get_backend_name()
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'callcenter.db'}"
        return
    with server_database("postgresql" if backend == "postgresql" else "mariadb") as url:
        yield url


@pytest.fixture(params=list(LAYOUTS))
def centre(request, engine, fs_url, db_url):
    fs_engine = make_engine(fs_url)
    centre = CallCentre(fs_engine, engine, request.param)
    centre.create()
    try:
        yield centre, config(fs_url.replace('"', ""), db_url.replace('"', ""), request.param)
    finally:
        centre.drop()
        fs_engine.dispose()


class Following:
    """A follower of the emulated centre, its reader's clock the replay's; `restart` makes both anew."""

    def __init__(self, engine, cfg, replay: Replay, **kw) -> None:
        self.engine, self.cfg, self.replay, self.kw = engine, cfg, replay, kw
        self.readers: list[FreeswitchCallcenter] = []
        self.restart()

    def restart(self) -> None:
        source = self.cfg.sources[0]
        if self.readers:
            self.readers[-1].close()
        self.readers.append(FreeswitchCallcenter(source, self.cfg, clock=self.replay.clock))
        self.follower = Follower(source, self.readers[-1], self.engine, **self.kw)

    def at(self, t: int) -> list:
        self.replay.until(t)
        batches = [self.follower.step()]
        while batches[-1].more:
            batches.append(self.follower.step())
        return batches

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


def when(offset: int | None) -> datetime | None:
    return None if offset is None else datetime.fromtimestamp(S + offset, UTC).replace(tzinfo=None)


def calls(engine) -> dict:
    with engine.connect() as conn:
        return {r.call_id: r for r in conn.execute(select(schema.calls))}


def progress(engine) -> dict:
    """{call_id: (answered, ended, agent)} as offsets from S."""
    def off(value):
        return None if value is None else int((value - when(0)).total_seconds())
    return {k: (off(r.answered_at), off(r.ended_at), r.agent_id) for k, r in calls(engine).items()}


def states(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.agent_states).order_by(schema.agent_states.c.started_at)).all()
    out: dict = {}
    for r in rows:
        out.setdefault(r.agent_id, []).append((r.state, r.reason, int((r.started_at - when(0)).total_seconds()),
                                               r.site))
    return out


def hand_scenario() -> tuple[list, dict[str, Call]]:
    """Two agents (A1: wrap-up 10 s), four calls: answered (its CDR 2 s after the hang-up), abandoned, answered,
    timed out to voicemail (its CDR 30 s after it left the queue); A1 on a break, then logged out."""
    s = Script()
    s(S - 100, "agent_add", name=A1, wrap_up_time=10)
    s(S - 100, "agent_add", name=A2)
    s(S - 100, "tier_add", queue="support@default", agent=A1)
    s(S - 100, "tier_add", queue="sales@default", agent=A2, level=1)
    s(S - 100, "tier_add", queue="support@default", agent=A2, level=2)
    s(S - 60, "status", agent=A1, status="Available")
    s(S - 50, "status", agent=A2, status="Available")
    c = {"c1": Call(member_uuid(1), "support@default", S, S + 8, S + 25, A1, "13800000001", offered=S + 6),
         "c2": Call(member_uuid(2), "sales@default", S + 2, None, S + 20, None, "13800000002"),
         "c3": Call(member_uuid(3), "support@default", S + 9, S + 31, S + 50, A2, "13800000003", offered=S + 30),
         "c4": Call(member_uuid(4), "sales@default", S + 60, None, S + 120, None, "13800000004")}
    for call in c.values():
        s(call.joined, "join", uuid=call.uuid, queue=call.queue, cid=call.cid)
    s.answered(c["c1"], cdr_delay=2)
    s.abandoned(c["c2"])
    s.answered(c["c3"])
    s(S + 55, "status", agent=A1, status="On Break")
    s.abandoned(c["c4"], hangup=S + 150)
    s(S + 140, "status", agent=A1, status="Logged Out")
    return s.actions, c


def test_fsw001_calls_waiting_then_talking_then_ended(engine, centre):
    """Read step by step: calls waiting while they wait, talking while they talk (an answered member gone, its
    CDR not come yet: still talking), then the CDR's row; agents' states from the epochs of their changes."""
    fs, cfg = centre
    actions, c = hand_scenario()
    run = Following(engine, cfg, Replay(fs, actions), checkpoint_seconds=0)
    u = {k: v.uuid for k, v in c.items()}
    expected = {
        5: {u["c1"]: (None, None, None), u["c2"]: (None, None, None)},
        10: {u["c1"]: (8, None, "A1"), u["c2"]: (None, None, None), u["c3"]: (None, None, None)},
        26: {u["c1"]: (8, None, "A1"), u["c2"]: (None, 20, None), u["c3"]: (None, None, None)},
        40: {u["c1"]: (8, 25, "A1"), u["c2"]: (None, 20, None), u["c3"]: (31, None, A2)},
        130: {u["c1"]: (8, 25, "A1"), u["c2"]: (None, 20, None), u["c3"]: (31, 50, A2), u["c4"]: (None, 120, None)},
        200: {u["c1"]: (8, 25, "A1"), u["c2"]: (None, 20, None), u["c3"]: (31, 50, A2), u["c4"]: (None, 120, None)},
    }
    latest = {5: {"A1": "available", A2: "available"}, 10: {"A1": "on_call", A2: "available"},
              26: {"A1": "wrap_up", A2: "available"}, 40: {"A1": "available", A2: "on_call"},
              130: {"A1": "not_ready", A2: "available"}, 200: {"A1": "logged_out", A2: "available"}}
    try:
        for t, want in expected.items():
            batches = run.at(S + t)
            assert progress(engine) == want, t
            assert {a: rows[-1][0] for a, rows in states(engine).items()} == latest[t], t
            assert not any(b.rejected for b in batches)
        assert run.follower.status.caught_up
    finally:
        run.close()
    rows = calls(engine)
    final = {k: (r.site, r.skill_group, r.arrived_at, r.queued_at, r.answered_at, r.ended_at, r.agent_id,
                 r.wrap_up_seconds, r.transferred, r.direction, r.caller_id, r.quality_flags) for k, r in rows.items()}
    assert final == {
        u["c1"]: ("BJ", "support", when(0), when(0), when(8), when(25), "A1", None, 0, "inbound", "13800000001", 0),
        u["c2"]: ("SH", "sales@default", when(2), when(2), None, when(20), None, None, 0, "inbound", "13800000002", 0),
        u["c3"]: ("BJ", "support", when(9), when(9), when(31), when(50), A2, None, 0, "inbound", "13800000003", 0),
        u["c4"]: ("SH", "sales@default", when(60), when(60), None, when(120), None, None, 0, "inbound",
                  "13800000004", 0)}
    assert states(engine) == {
        "A1": [("available", None, -60, "BJ"), ("on_call", None, 6, "BJ"), ("wrap_up", None, 25, "BJ"),
               ("available", None, 35, "BJ"), ("not_ready", "On Break", 55, "BJ"), ("logged_out", None, 140, "BJ")],
        A2: [("available", None, -50, "SH"), ("on_call", None, 30, "SH"), ("available", None, 50, "SH")]}
    assert canonical(engine)["agents"] == [(A2, A2, "SH", None), ("A1", A1, "BJ", None)]


def test_fsw002_a_restarted_follower_gives_the_rows_of_an_uninterrupted_one(engine, centre):
    """A centre's day read every 9 s in batches of 7 CDRs, once straight through and once with the follower (and
    its reader) made anew at every other step: the same rows, every call ended as it was; FusionPBX's CDRs come
    0-8 s late and out of order."""
    fs, cfg = centre
    actions, made = scenario(calls=50, seed=3, late_cdrs=fs.layout == "fusionpbx")
    runs = []
    for restarting in (False, True):
        clear(engine)
        fs.create()
        replay = Replay(fs, actions)
        run = Following(engine, cfg, replay, batch_events=7, checkpoint_seconds=0)
        try:
            waiting_seen = 0
            for i, t in enumerate(range(S - 250, replay.last + 200, 9)):
                run.at(t)
                waiting_seen += sum(1 for r in calls(engine).values() if r.ended_at is None and r.answered_at is None)
                if restarting and i % 2:
                    run.restart()
            assert waiting_seen > 0
            assert run.follower.status.rejected == 0
        finally:
            run.close()
        runs.append(canonical(engine))
    assert runs[0] == runs[1]
    rows = calls(engine)
    agent = cfg.sources[0].agents
    assert {k: (r.site, r.skill_group, r.queued_at, r.answered_at, r.ended_at, r.agent_id, r.caller_id,
                r.quality_flags) for k, r in rows.items()} == {
        c.uuid: ("BJ" if c.queue == "support@default" else "SH",
                 "support" if c.queue == "support@default" else c.queue, when(c.joined - S),
                 when(c.answered - S) if c.answered else None, when(c.ended - S),
                 agent.get(c.agent, c.agent) if c.agent else None, c.cid, 0) for c in made}
    assert sum(1 for c in made if c.answered) >= 20 and sum(1 for c in made if not c.answered) >= 5
    by_agent = states(engine)
    assert all(s[0] in AGENT_STATES for rows_ in by_agent.values() for s in rows_)
    for c in made:  # each call answered: its agent on the call from the offer
        if c.answered:
            assert ("on_call", None, c.offered - S) in [s[:3] for s in by_agent[agent.get(c.agent, c.agent)]]
    assert by_agent["A1"][-1][0] == "logged_out" and by_agent["1002@default"][-1][0] == "logged_out"
    assert {s[0] for s in by_agent["A1"]} >= {"available", "on_call", "wrap_up"}


def test_fsw003_bad_rows_are_rejected_once_and_the_rest_goes_on(engine, centre, tmp_path):
    """CDRs without cc_member_uuid, with an epoch in milliseconds, answered without its epoch; a member in an
    unknown state, one without its epoch; an agent of an unknown status: each rejected once with its reason;
    the other legs (the agent's, a call of no queue) passed over; the good rows written."""
    fs, cfg = centre
    s = Script()
    s(S - 100, "agent_add", name=A1)
    s(S - 100, "agent_add", name="9999@default", status="Unknown")
    s(S - 60, "status", agent=A1, status="Available")
    good = Call(member_uuid(1), "support@default", S, S + 8, S + 25, A1, "13800000001", offered=S + 6)
    s(S, "join", uuid=good.uuid, queue="support@default", cid=good.cid)
    s.answered(good)
    base = member_leg(good)
    bad_legs = {
        "no cc_member_uuid": {**base, "uuid": member_uuid(11), "cc_member_uuid": None},
        "cc_queue_joined_epoch: impossible epoch": {**base, "uuid": member_uuid(12), "cc_member_uuid": member_uuid(2),
                                                    "cc_queue_joined_epoch": S * 1000},
        "cc_cause 'answered' without cc_queue_answered_epoch": {
            **base, "uuid": member_uuid(13), "cc_member_uuid": member_uuid(3), "cc_queue_answered_epoch": None}}
    for leg in bad_legs.values():
        s(S + 30, "cdr", **leg)
    s(S + 30, "cdr", uuid=member_uuid(14), caller_id_number="1001", start_epoch=S, answer_epoch=S + 1,
      end_epoch=S + 30)  # an extension's call: no queue
    later = Call(member_uuid(5), "sales@default", S + 40, None, S + 45, None, "13800000005")
    s(S + 40, "join", uuid=later.uuid, queue=later.queue, cid=later.cid)
    s.abandoned(later)
    run = Following(engine, cfg, Replay(fs, s.actions), checkpoint_seconds=0, rejects_dir=tmp_path)
    rejected = []
    try:
        rejected += [r for b in run.at(S + 5) for r in b.rejected]
        fs.sql("INSERT INTO members (queue, instance_id, uuid, state, joined_epoch) VALUES "
               "('support@default', 'single_box', :u, 'Unknown', :t)", u=member_uuid(6), t=S + 5)
        fs.sql("INSERT INTO members (queue, instance_id, uuid, state, joined_epoch) VALUES "
               "('support@default', 'single_box', :u, 'Waiting', 0)", u=member_uuid(7))
        for t in (5, 20, 35, 50, 120):
            rejected += [r for b in run.at(S + t) for r in b.rejected]
    finally:
        run.close()
    reasons = sorted(reason for _, _, reason in rejected)
    assert len(reasons) == 6, reasons
    for want in ["no cc_member_uuid", "impossible epoch", "cc_cause 'answered' without cc_queue_answered_epoch",
                 "state 'Unknown' is not Waiting", "joined_epoch: missing", "status 'Unknown' is not"]:
        assert sum(want in r for r in reasons) == 1, (want, reasons)
    assert run.follower.status.rejected == 6
    with open(tmp_path / "fs.csv", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert sorted(r["reason"] for r in written) == reasons
    assert any(str(S * 1000) in r["raw"] for r in written)
    assert progress(engine) == {good.uuid: (8, 25, "A1"), later.uuid: (None, 45, None)}
    assert [s[0] for s in states(engine)["A1"]] == ["available", "on_call", "available"]


def test_fsw004_members_marked_abandoned_by_a_restart_of_mod_callcenter_end_then(engine, centre):
    """mod_callcenter starting again marks the members of before Abandoned with no epoch: those calls end at the
    read that sees it, flagged; a CDR coming after all replaces the row."""
    fs, cfg = centre
    s = Script()
    s(S - 100, "agent_add", name=A1)
    s(S - 60, "status", agent=A1, status="Available")
    talking = Call(member_uuid(1), "support@default", S, S + 8, S + 60, A1, "13800000001", offered=S + 6)
    waiting = Call(member_uuid(2), "sales@default", S + 2, None, S + 40, None, "13800000002")
    for c in (talking, waiting):
        s(c.joined, "join", uuid=c.uuid, queue=c.queue, cid=c.cid)
    s(S + 6, "offer", uuid=talking.uuid, agent=A1, queue=talking.queue)
    s(S + 8, "bridge", uuid=talking.uuid, agent=A1, queue=talking.queue)
    s(S + 30, "restart")
    s(S + 50, "cdr", **member_leg(waiting))
    run = Following(engine, cfg, Replay(fs, s.actions), checkpoint_seconds=0)
    try:
        run.at(S + 10)
        run.at(S + 31)
        flagged = {k: (r.answered_at, r.ended_at, r.agent_id, r.quality_flags) for k, r in calls(engine).items()}
        assert flagged == {talking.uuid: (when(8), when(31), "A1", schema.FLAG_ENDED_BY_RESTART),
                           waiting.uuid: (None, when(31), None, schema.FLAG_ENDED_BY_RESTART)}
        run.at(S + 55)
        assert calls(engine)[waiting.uuid].ended_at == when(40)
        assert calls(engine)[waiting.uuid].quality_flags == 0
    finally:
        run.close()
