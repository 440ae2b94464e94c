"""Live figures and the snapshot, hand-computed, on the three backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.kpi_data import config_from

from wallboard.config import Config
from wallboard.data_access.live_queries import agents_now, queue_now, state_seconds, waiting_calls
from wallboard.data_access.schema import agent_states, agents, calls, complaints
from wallboard.data_access.sources import Sources
from wallboard.data_access.writes import upsert
from wallboard.live.poller import PARTS, Poller
from wallboard.live.reader import SnapshotReader
from wallboard.live.snapshot import compute_snapshot, live_queues

NOW = datetime(2026, 3, 2, 2, 0, 0)  # naive UTC = 10:00 in Shanghai


def _call(cid, group, queued_min_ago, answered=False, ended=False, site="T"):
    q = NOW - timedelta(minutes=queued_min_ago)
    return {"call_id": cid, "site": site, "skill_group": group, "arrived_at": q, "queued_at": q,
            "answered_at": q + timedelta(seconds=8) if answered else None,
            "ended_at": q + timedelta(seconds=120) if ended else None, "agent_id": "A1" if answered else None,
            "wrap_up_seconds": 10 if answered else None, "transferred": 0, "direction": "inbound",
            "caller_id": None, "category": None, "quality_flags": 0}


def _state(agent, minutes_ago, state, reason=None, site="T"):
    return {"agent_id": agent, "site": site, "state": state, "reason": reason,
            "started_at": NOW - timedelta(minutes=minutes_ago)}


def load(engine):
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [
            _call("W1", "S", 3), _call("W2", "S", 1), _call("W3", "V", 2),    # waiting
            _call("X1", "S", 10, answered=True, ended=True),                  # done
            _call("X2", "S", 5, answered=True),                               # on the phone
            _call("OLD", "S", 60 * 24 * 3),                                   # 3 days old "waiting": stale, ignored
        ])
        upsert(conn, agents, ("agent_id",), [
            {"agent_id": a, "agent_name": a, "site": "T", "skill_group": g} for a, g in
            (("A1", "S"), ("A2", "S"), ("A3", "V"))])
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            # A1: available from 60 min ago, on call 20 min ago, wrap-up 10 min ago, available 5 min ago
            _state("A1", 60, "available"), _state("A1", 20, "on_call"), _state("A1", 10, "wrap_up"),
            _state("A1", 5, "available"),
            # A2: not ready (lunch) since 40 min ago
            _state("A2", 90, "available"), _state("A2", 40, "not_ready", "lunch"),
            # A3: on call since 15 min ago, before that available since 100 min ago
            _state("A3", 100, "available"), _state("A3", 15, "on_call"),
        ])


def test_live001_queue_now(engine):
    load(engine)
    with engine.connect() as conn:
        q = queue_now(conn, NOW)
        waiting = waiting_calls(conn, NOW)
    assert q[("T", "S")].waiting == 2 and q[("T", "V")].waiting == 1
    assert q[("T", "S")].oldest_queued_at == NOW - timedelta(minutes=3)
    assert [w["call_id"] for w in waiting] == ["W1", "W3", "W2"]  # oldest first


def test_live002_agents_now_latest_state(engine):
    load(engine)
    with engine.connect() as conn:
        now = {a.agent_id: (a.state, a.reason, a.skill_group) for a in agents_now(conn, NOW)}
    assert now == {"A1": ("available", None, "S"), "A2": ("not_ready", "lunch", "S"), "A3": ("on_call", None, "V")}


def test_live003_state_seconds_last_30_minutes(engine):
    """Window 09:30-10:00 local.  A1: available 10 min, on call 10, wrap-up 5, available 5;
    A2: not ready 30 (the lunch row in force at the window's start counts from the start);
    A3: available 15, on call 15."""
    load(engine)
    with engine.connect() as conn:
        secs = state_seconds(conn, NOW)
    s = secs[("T", "S")].seconds
    assert dict(s) == {"available": 900.0, "on_call": 600.0, "wrap_up": 300.0, "not_ready": 1800.0}
    assert dict(secs[("T", "V")].seconds) == {"available": 900.0, "on_call": 900.0}


def test_live020_agent_timeline_between_polls_equals_a_full_read(engine):
    """The poller's timeline, read whole at 09:40 and then only the new rows each minute, gives at every poll the
    agents and occupancy of a full read: a state row started 5 minutes ago, one committed 1 minute late, one of a new
    agent; a deleted row stays until the next full read (FULL_READ_EVERY), then is gone."""
    from sqlalchemy import delete

    from wallboard.data_access.live_queries import FULL_READ_EVERY, agent_timeline

    load(engine)
    memo: dict = {}

    def compare(at: datetime) -> None:
        with engine.connect() as conn:
            kept, whole = agent_timeline(conn, at, memo), agent_timeline(conn, at)
        assert kept.full_at == start  # read whole once, then only the new rows
        key = lambda a: a.agent_id  # noqa: E731
        assert sorted(kept.agents_now(at), key=key) == sorted(whole.agents_now(at), key=key), at
        assert {k: dict(v.seconds) for k, v in kept.state_seconds(at).items()} == \
            {k: dict(v.seconds) for k, v in whole.state_seconds(at).items()}, at

    start = NOW - timedelta(minutes=4.5)
    compare(start)
    with engine.begin() as conn:
        upsert(conn, agent_states, ("agent_id", "started_at"), [
            _state("A2", 4, "available"), _state("A9", 3.5, "available", site="U")])
    compare(NOW - timedelta(minutes=3))
    with engine.begin() as conn:  # written now, started before the last read (within LATE_ROWS)
        upsert(conn, agent_states, ("agent_id", "started_at"), [_state("A3", 3.2, "wrap_up")])
    compare(NOW - timedelta(minutes=2))
    compare(NOW - timedelta(minutes=1))
    with engine.begin() as conn:
        conn.execute(delete(agent_states).where(agent_states.c.agent_id == "A9"))
    with engine.connect() as conn:
        at = NOW - timedelta(minutes=0.5)
        assert "A9" in {a.agent_id for a in agent_timeline(conn, at, memo).agents_now(at)}  # until a full read
        later = start + FULL_READ_EVERY
        assert "A9" not in {a.agent_id for a in agent_timeline(conn, later, memo).agents_now(later)}
        assert memo["agent_timeline"].full_at == later


def test_live004_snapshot_tiles(engine):
    """The wall's figures for the scope 'all' and per site, from the same data."""
    load(engine)
    with engine.begin() as conn:
        upsert(conn, complaints, ("complaint_id",), [{
            "complaint_id": "T-2026-03-01", "site": "T", "category": "service", "severity": "II", "channel": "phone",
            "received_at": NOW - timedelta(hours=13), "handed_over_at": None, "registered_at": None,
            "first_contact_at": None, "refund_requested_at": None, "refund_completed_at": None, "closed_at": None,
            "archived_at": None, "owner": None}])
    snap = compute_snapshot(Sources.single(engine, Config()), now=NOW)
    tiles = snap["scopes"]["all"]
    assert snap["scopes"]["site:T"]["calls_waiting"] == tiles["calls_waiting"] == 3
    assert tiles["longest_wait"] == 180.0
    assert (tiles["agents_available"], tiles["agents_on_call"], tiles["agents_not_ready"]) == (1, 1, 1)
    assert tiles["agents_logged_in"] == 3
    # occupancy = (on call + wrap-up) / (on call + wrap-up + available) = (600+300+900) / (1800+1800) = 0.5
    assert tiles["occupancy"] == 0.5
    # today (from local midnight): X1 and X2 answered within 8 s; W1..W3 not offered yet; OLD is days old
    assert (tiles["offered"], tiles["answered"], tiles["service_level"]) == (2, 2, 1.0)
    assert tiles["complaints_overdue"] == 1  # hand-over due 12 h after receipt, 13 h ago
    assert snap["complaints"][0]["complaint_id"] == "T-2026-03-01"
    assert tiles["required_agents"] >= 1
    groups = {(g["site"], g["skill_group"]): g for g in snap["skill_groups"]["all"]}
    assert groups[("T", "S")]["waiting"] == 2 and groups[("T", "V")]["waiting"] == 1


def test_live007_region_scope_sums_its_sites(engine):
    """Sites T and U in region N, V in no region: the region's tiles and queue rows are T's and U's together,
    never V's; the whole centre's are all three. Hand-counted from the calls below."""
    load(engine)  # site T: W1, W2 (group S) and W3 (V) waiting; X1, X2 answered within 8 s
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [
            _call("U1", "S", 4, site="U"), _call("U2", "S", 8, answered=True, ended=True, site="U"),
            _call("V1", "S", 6, site="V"), _call("V2", "S", 7, site="V")])
    config = config_from('[[regions]]\nid = "N"\nname = "北区"\nname_en = "North"\n'
                         '[[sites]]\nid = "T"\nname = "T"\nregion = "N"\n'
                         '[[sites]]\nid = "U"\nname = "U"\nregion = "N"\n'
                         '[[sites]]\nid = "V"\nname = "V"\n')
    snap = compute_snapshot(Sources.single(engine, config), now=NOW)
    region, everything = snap["scopes"]["region:N"], snap["scopes"]["all"]
    assert (region["calls_waiting"], region["offered"], region["answered"]) == (4, 3, 3)  # W1 W2 W3 U1; X1 X2 U2
    assert region["longest_wait"] == 240.0  # U1, 4 minutes
    assert (everything["calls_waiting"], everything["longest_wait"]) == (6, 420.0)  # + V1, V2 (7 minutes)
    assert {(g["site"], g["skill_group"]) for g in snap["skill_groups"]["region:N"]} == {
        ("T", "S"), ("T", "V"), ("U", "S")}
    assert len(snap["skill_groups"]["all"]) == 4  # the region's rows once, and V's
    assert sorted(k for k in snap["scopes"] if k.startswith("region:")) == ["region:N"]


class DictCache(dict):
    def set(self, key, value, timeout=None):
        self[key] = value


def test_live005_poller_keeps_last_snapshot_on_failure():
    """A failed poll leaves the last good snapshot in place and records the error."""
    results = iter([{"computed_at": "t1"}, RuntimeError("database down")])

    def compute():
        r = next(results)
        if isinstance(r, Exception):
            raise r
        return r
    cache = DictCache()
    poller = Poller(cache, compute, interval=5)
    assert poller.poll_once() is True
    assert poller.poll_once() is False
    assert cache[Poller.KEY]["computed_at"] == "t1"
    assert cache[Poller.STATUS_KEY]["last_error"] == "database down"


def test_live008_queues_alone_between_polls(engine):
    """The queue refresh reads calls waiting and the oldest of them per scope, as the full snapshot does: T's three
    (W1 3 min, W2 1 min, W3 2 min), U's one (U1 4 min) in region N; no scope for a site without calls waiting."""
    load(engine)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [_call("U1", "S", 4, site="U")])
    config = config_from('[[regions]]\nid = "N"\nname = "北区"\n[[sites]]\nid = "T"\nname = "T"\nregion = "N"\n'
                         '[[sites]]\nid = "U"\nname = "U"\nregion = "N"\n[[sites]]\nid = "V"\nname = "V"\n')
    sources = Sources.single(engine, config)
    queues = live_queues(sources, now=NOW)
    minutes_ago = lambda m: (NOW - timedelta(minutes=m)).replace(tzinfo=UTC).isoformat()  # noqa: E731
    assert queues["at"] == NOW.replace(tzinfo=UTC).isoformat()
    assert queues["scopes"] == {
        "all": {"calls_waiting": 4, "oldest_queued_at": minutes_ago(4)},
        "region:N": {"calls_waiting": 4, "oldest_queued_at": minutes_ago(4)},
        "site:T": {"calls_waiting": 3, "oldest_queued_at": minutes_ago(3)},
        "site:U": {"calls_waiting": 1, "oldest_queued_at": minutes_ago(4)}}
    full = compute_snapshot(sources, now=NOW)["scopes"]
    for scope, figures in queues["scopes"].items():
        assert (full[scope]["calls_waiting"], full[scope]["oldest_queued_at"]) == tuple(figures.values()), scope


def test_live009_the_poller_refreshes_queues_between_full_polls_and_screens_read_them():
    """interval 5 s, queues every second: a full poll, then queue refreshes until the next is due; a reader's tiles
    take the newer queue figures (calls waiting, the longest wait counted at the refresh)."""
    computed = {"computed_at": "2026-03-02T02:00:00+00:00", "scopes": {"all": {
        "calls_waiting": 1, "oldest_queued_at": "2026-03-02T01:59:00+00:00", "longest_wait": 60.0, "offered": 9}}}
    refreshed = {"at": "2026-03-02T02:00:02+00:00", "scopes": {"all": {
        "calls_waiting": 2, "oldest_queued_at": "2026-03-02T01:59:30+00:00"}}}
    counts = {"full": 0, "queues": 0}

    def compute():
        counts["full"] += 1
        return {**computed, "scopes": {k: dict(v) for k, v in computed["scopes"].items()}}

    def queues():
        counts["queues"] += 1
        return refreshed
    cache = DictCache()
    poller = Poller(cache, compute, interval=5, queues=queues, queue_interval=1)
    assert poller.tick() is True and counts == {"full": 1, "queues": 0}
    assert cache[Poller.QUEUES_KEY]["scopes"]["all"]["calls_waiting"] == 1  # the full poll's own figures
    assert SnapshotReader(cache, 5).tiles()["calls_waiting"] == 1  # not newer than the snapshot: the snapshot's
    assert poller.tick() is True and counts == {"full": 1, "queues": 1}
    tiles = SnapshotReader(cache, 5).tiles()
    assert (tiles["calls_waiting"], tiles["longest_wait"], tiles["offered"]) == (2, 32.0, 9)
    assert SnapshotReader(cache, 5, snapshot=computed).tiles()["calls_waiting"] == 1  # a given snapshot, as given
    del cache[Poller.KEY]  # what the wall asks every second reads the queue figures alone
    assert SnapshotReader(cache, 5).queue_tiles() == {
        "calls_waiting": 2, "oldest_queued_at": "2026-03-02T01:59:30+00:00", "longest_wait": 32.0}
    cache[Poller.KEY] = computed
    poller._full_due = 0.0  # the poll interval has passed
    assert poller.tick() is True and counts == {"full": 2, "queues": 1}
    assert Poller(cache, compute, interval=1, queues=queues, queue_interval=1).queues is None  # nothing to gain


def test_live010_each_scope_intraday_series_is_read_alone_and_only_for_its_poll(engine):
    """The intraday series are parts apart from the snapshot, one per scope (a wall unpickles its own); a part left
    from an earlier poll (a scope with no call since) is not shown as today's."""
    load(engine)
    cache = DictCache()
    poller = Poller(cache, lambda: compute_snapshot(Sources.single(engine, Config()), now=NOW), interval=5)
    assert poller.poll_once() is True
    assert "intervals" not in cache[Poller.KEY]
    series = SnapshotReader(cache, 5).intraday("T")
    assert series["today_offered"][19] == 2  # X1 and X2 queued at 09:50 and 09:55 Shanghai: the 09:30 half-hour
    assert SnapshotReader(cache, 5).intraday() == series  # one site: all sites' series are its own
    cache[f"{Poller.KEY}:intraday:site:T"] = {**cache[f"{Poller.KEY}:intraday:site:T"],
                                             "computed_at": "2026-03-01T02:00:00+00:00"}
    assert SnapshotReader(cache, 5).intraday("T") is None and SnapshotReader(cache, 5).intraday("Z") is None


def test_live006_call_waiting_for_hours_is_a_lost_exit(engine):
    """A call queued 5 h ago and never ended lost its exit event: not shown as waiting (nor as the longest wait)."""
    load(engine)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [_call("LOST", "S", 5 * 60), _call("LONG", "S", 3 * 60)])
    with engine.connect() as conn:
        q = queue_now(conn, NOW)
    assert q[("T", "S")].waiting == 3  # W1, W2 and the 3-hour LONG one; not LOST
    assert q[("T", "S")].oldest_queued_at == NOW - timedelta(hours=3)


def test_live011_layout_scope_sums_its_sites_skill_groups(engine):
    """Layout "team" shows site T's skill group S and site U: its tiles, queue rows, agents and complaints are those,
    hand-counted — never T's group V nor site V. Its calls waiting come the same way from the queue re-read, and a
    layout with no call yet still has tiles (zeros), not none."""
    load(engine)  # T: W1, W2 (S) and W3 (V) waiting; X1, X2 (S) answered in 8 s; agents A1, A2 (S), A3 (V)
    with engine.begin() as conn:
        upsert(conn, calls, ("call_id",), [
            _call("U1", "S", 4, site="U"), _call("U2", "V", 8, answered=True, ended=True, site="U"),
            _call("V1", "S", 6, site="V")])
    config = config_from('[[sites]]\nid = "T"\n[[sites]]\nid = "U"\n[[sites]]\nid = "V"\n'
                         '[[skill_groups]]\nid = "S"\n[[skill_groups]]\nid = "V"\n'
                         '[layouts.team]\nsites = ["T", "U"]\nskill_groups = ["S"]\n'
                         '[layouts.quiet]\nsites = ["V"]\nskill_groups = ["V"]\n')
    snap = compute_snapshot(Sources.single(engine, config), now=NOW)
    team = snap["scopes"]["layout:team"]
    assert (team["calls_waiting"], team["longest_wait"]) == (3, 240.0)  # W1, W2 and U1 (4 min); not W3, V1
    assert (team["offered"], team["answered"], team["service_level"]) == (2, 2, 1.0)  # X1, X2; U2 is group V
    assert (team["agents_available"], team["agents_not_ready"], team["agents_on_call"]) == (1, 1, 0)  # A1, A2
    quiet = snap["scopes"]["layout:quiet"]
    assert (quiet["offered"], quiet["calls_waiting"], quiet["agents_logged_in"]) == (0, 0, 0)
    queues = live_queues(Sources.single(engine, config), now=NOW)["scopes"]
    assert queues["layout:team"]["calls_waiting"] == 3
    reader = SnapshotReader(cache=None, poll_seconds=5, snapshot=snap)
    layout = config.layout("team")
    assert {(r["site"], r["skill_group"]) for r in reader.group_rows(layout=layout)} == {("T", "S"), ("U", "S")}
    assert reader.tiles(layout="team") == team


def test_live012_agent_on_a_call_carries_the_call_start(engine):
    """The agent board's call timer: A1 answered X2 (queued 5 min ago, answered 8 s later, not ended)."""
    load(engine)
    with engine.begin() as conn:
        upsert(conn, agent_states, ("agent_id", "started_at"), [_state("A1", 4.8, "on_call")])
    snap = compute_snapshot(Sources.single(engine, Config()), now=NOW)
    parts = snap[PARTS]
    a1 = next(a for a in parts["agents"] if a["agent_id"] == "A1")
    assert a1["state"] == "on_call"
    assert datetime.fromisoformat(a1["call_since"]) == (NOW - timedelta(minutes=5, seconds=-8)).replace(tzinfo=UTC)
    assert all(a["call_since"] is None for a in parts["agents"] if a["agent_id"] != "A1")
    with engine.begin() as conn:  # A3 rings a caller back: an outbound call has no queue entry
        upsert(conn, calls, ("call_id",), [{**_call("OUT1", "V", 3), "queued_at": None, "direction": "outbound",
                                            "answered_at": NOW - timedelta(minutes=2), "agent_id": "A3"}])
    parts = compute_snapshot(Sources.single(engine, Config()), now=NOW)[PARTS]
    a3 = next(a for a in parts["agents"] if a["agent_id"] == "A3")
    assert datetime.fromisoformat(a3["call_since"]) == (NOW - timedelta(minutes=2)).replace(tzinfo=UTC)
