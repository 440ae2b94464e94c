"""An emulated FreeSWITCH call centre: mod_callcenter's tables and a CDR table, written as FreeSWITCH writes them.

* `members`, `agents`, `tiers`: the exact CREATE TABLE statements of mod_callcenter.c (the C string literals, tabs
  and all), on any backend; written in mod_callcenter's order: INSERT a member on joining (`Waiting`), UPDATE to
  `Trying` while an agent is offered the call (the agent `Receiving`, `last_offered_call`), back to `Waiting` when
  the agent does not answer (the agent's `ready_time` put off), UPDATE to `Answered` on the bridge (`bridge_epoch`;
  the agent `In a queue call`, `last_bridge_start`), at the end of the bridge the agent's `last_bridge_end` and
  `talk_time`, DELETE of the member, the agent `Waiting` again (`Idle` for an On-Demand agent); a caller leaving
  unanswered: UPDATE to `Abandoned` (`abandoned_epoch`), DELETE ~60 s later (discard-abandoned-after); agents'
  statuses set with `last_status_change` (to Available: the counters reset).
* the CDR table, one row per leg at the leg's hang-up (member leg and agent leg), in either layout:
  "pg_csv": mod_cdr_pg_csv's scripts/create.sql (exact on PostgreSQL; on SQLite and MariaDB its types put in their
  words: serial, inet, uuid, timestamp with time zone) with the cc_* variables as columns of their own names, as a
  `<field var="cc_queue"/>`… schema writes them; "fusionpbx": FusionPBX's `v_xml_cdr` (app/xml_cdr/app_config.php:
  pgsql / sqlite / mysql types), rows inserted by its importer some seconds after the hang-up, not always in the
  order the calls ended.

`scenario` makes a centre's day as timed actions (calls answered, rung unanswered first, abandoned, timed out to
voicemail; agents with and without wrap-up time, one On Demand, breaks, log-outs) with each call's final row;
`Replay` applies them up to a time.
"""

from __future__ import annotations

import random
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text

START = 1764990000  # 2025-12-06 03:00 UTC
DISCARD_ABANDONED_AFTER = 60

# mod_callcenter.c, the C string literals of its three tables (as stored: tabs and odd spacing)
MEMBERS_DDL = """CREATE TABLE members (
   queue	     VARCHAR(255),
   instance_id	     VARCHAR(255),
   uuid	     VARCHAR(255) NOT NULL DEFAULT '',
   session_uuid     VARCHAR(255) NOT NULL DEFAULT '',
   cid_number	     VARCHAR(255),
   cid_name	     VARCHAR(255),
   system_epoch     INTEGER NOT NULL DEFAULT 0,
   joined_epoch     INTEGER NOT NULL DEFAULT 0,
   rejoined_epoch   INTEGER NOT NULL DEFAULT 0,
   bridge_epoch     INTEGER NOT NULL DEFAULT 0,
   abandoned_epoch  INTEGER NOT NULL DEFAULT 0,
   base_score       INTEGER NOT NULL DEFAULT 0,
   skill_score      INTEGER NOT NULL DEFAULT 0,
   serving_agent    VARCHAR(255),
   serving_system   VARCHAR(255),
   state	     VARCHAR(255)
);"""

AGENTS_DDL = """CREATE TABLE agents (
   name      VARCHAR(255),
   instance_id    VARCHAR(255),
   uuid      VARCHAR(255),
   type      VARCHAR(255),
   contact   VARCHAR(1024),
   status    VARCHAR(255),
   state   VARCHAR(255),
   max_no_answer INTEGER NOT NULL DEFAULT 0,
   wrap_up_time INTEGER NOT NULL DEFAULT 0,
   reject_delay_time INTEGER NOT NULL DEFAULT 0,
   busy_delay_time INTEGER NOT NULL DEFAULT 0,
   no_answer_delay_time INTEGER NOT NULL DEFAULT 0,
   last_bridge_start INTEGER NOT NULL DEFAULT 0,
   last_bridge_end INTEGER NOT NULL DEFAULT 0,
   last_offered_call INTEGER NOT NULL DEFAULT 0,
   last_status_change INTEGER NOT NULL DEFAULT 0,
   no_answer_count INTEGER NOT NULL DEFAULT 0,
   calls_answered  INTEGER NOT NULL DEFAULT 0,
   talk_time  INTEGER NOT NULL DEFAULT 0,
   ready_time INTEGER NOT NULL DEFAULT 0,
   external_calls_count INTEGER NOT NULL DEFAULT 0
);"""

TIERS_DDL = """CREATE TABLE tiers (
   queue    VARCHAR(255),
   agent    VARCHAR(255),
   state    VARCHAR(255),
   level    INTEGER NOT NULL DEFAULT 1,
   position INTEGER NOT NULL DEFAULT 1
);"""

# mod_cdr_pg_csv: src/mod/event_handlers/mod_cdr_pg_csv/scripts/create.sql
PG_CSV_DDL = """create table cdr (
    id                        serial primary key,
    local_ip_v4               inet not null,
    caller_id_name            varchar,
    caller_id_number          varchar,
    destination_number        varchar not null,
    context                   varchar not null,
    start_stamp               timestamp with time zone not null,
    answer_stamp              timestamp with time zone,
    end_stamp                 timestamp with time zone not null,
    duration                  int not null,
    billsec                   int not null,
    hangup_cause              varchar not null,
    uuid                      uuid not null,
    bleg_uuid                 uuid,
    accountcode               varchar,
    read_codec                varchar,
    write_codec               varchar,
    sip_hangup_disposition    varchar,
    ani                       varchar
);"""
# the call-centre variables added to its <schema> (<field var="cc_queue"/>, epochs quote="false") and to the table
PG_CSV_CC = (("cc_side", "varchar"), ("cc_queue", "varchar"), ("cc_member_uuid", "varchar"),
             ("cc_queue_joined_epoch", "bigint"), ("cc_queue_answered_epoch", "bigint"),
             ("cc_queue_terminated_epoch", "bigint"), ("cc_queue_canceled_epoch", "bigint"), ("cc_cause", "varchar"),
             ("cc_cancel_reason", "varchar"), ("cc_agent", "varchar"))

# FusionPBX app/xml_cdr/app_config.php: v_xml_cdr (name, pgsql, sqlite, mysql)
_U = ("uuid", "text", "char(36)")
_T = ("text", "text", "text")
_N = ("numeric", "numeric", "numeric")
_E = ("numeric", "numeric", "bigint")
_TS = ("timestamptz", "date", "datetime")
_B = ("boolean", "text", "text")
_J = ("jsonb", "text", "text")
XML_CDR_COLUMNS = (
    ("xml_cdr_uuid", ("uuid primary key", "text primary key", "char(36) primary key")), ("domain_uuid", _U),
    ("provider_uuid", _U), ("extension_uuid", _U), ("v_id", _T), ("sip_call_id", _T), ("domain_name", _T),
    ("accountcode", _T), ("direction", _T), ("default_language", _T), ("context", _T), ("caller_id_name", _T),
    ("caller_id_number", _T), ("caller_destination", _T), ("source_number", _T), ("destination_number", _T),
    ("start_epoch", _E), ("start_stamp", _TS), ("answer_stamp", _TS), ("answer_epoch", _E), ("end_epoch", _E),
    ("end_stamp", _TS), ("duration", _N), ("mduration", _N), ("billsec", _N), ("billmsec", _N),
    ("hold_accum_seconds", _N), ("bridge_uuid", _T), ("read_codec", _T), ("read_rate", _T), ("write_codec", _T),
    ("write_rate", _T), ("remote_media_ip", _T), ("network_addr", _T), ("record_path", _T), ("record_name", _T),
    ("record_length", _N), ("record_transcription", _T), ("leg", ("char(1)", "text", "char(1)")),
    ("originating_leg_uuid", _U), ("pdd_ms", ("numeric", "numeric", "smallint")), ("rtp_audio_in_mos", _N),
    ("last_app", _T), ("last_arg", _T), ("voicemail_message", _B), ("missed_call", _B),
    ("call_center_queue_uuid", _U), ("cc_side", _T), ("cc_member_uuid", _U), ("cc_queue_joined_epoch", _E),
    ("cc_queue", _T), ("cc_member_session_uuid", _U), ("cc_agent_uuid", _U), ("cc_agent", _T), ("cc_agent_type", _T),
    ("cc_agent_bridged", _T), ("cc_queue_answered_epoch", _E), ("cc_queue_terminated_epoch", _E),
    ("cc_queue_canceled_epoch", _E), ("cc_cancel_reason", _T), ("cc_cause", _T), ("waitsec", _N),
    ("conference_name", _T), ("conference_uuid", _U), ("conference_member_id", _T), ("digits_dialed", _T),
    ("pin_number", _T), ("status", _T), ("call_disposition", _T), ("hangup_cause", _T),
    ("hangup_cause_q850", _N), ("sip_hangup_disposition", _T), ("ring_group_uuid", _U), ("ivr_menu_uuid", _U),
    ("processed", _B), ("call_flow", _J), ("xml", _T), ("json", _J), ("insert_date", _TS), ("insert_user", _U),
    ("update_date", _TS), ("update_user", _U))

LAYOUTS = {"pg_csv": "cdr", "fusionpbx": "v_xml_cdr"}


def _backend(engine) -> str:
    name = engine.dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def pg_csv_ddl(backend: str) -> str:
    """create.sql with the cc_* columns, its types in the words of `backend` (PostgreSQL: as written)."""
    ddl = PG_CSV_DDL.replace("\n);", ",\n" + ",\n".join(f"    {n:<26}{t}" for n, t in PG_CSV_CC) + "\n);")
    if backend == "postgresql":
        return ddl
    words = {"sqlite": [("serial primary key", "integer primary key autoincrement"), ("inet", "varchar(45)"),
                        ("uuid", "varchar(36)"), ("timestamp with time zone", "timestamp")],
             "mysql": [("varchar", "varchar(255)"), ("serial primary key", "int auto_increment primary key"),
                       ("inet", "varchar(45)"), ("uuid", "char(36)"), ("timestamp with time zone", "datetime")]}
    lines = []
    for line in ddl.split("\n"):
        m = re.match(r"^(\s+)(\w+)(\s+)(.*)$", line)
        if m:
            kind = m[4]
            for old, new in words[backend]:
                kind = re.sub(rf"\b{old}\b", new, kind)
            line = m[1] + m[2] + m[3] + kind
        lines.append(line)
    return "\n".join(lines)


def xml_cdr_ddl(backend: str) -> str:
    i = {"postgresql": 0, "sqlite": 1, "mysql": 2}[backend]
    return "CREATE TABLE v_xml_cdr (\n" + ",\n".join(f"    {n} {types[i]}" for n, types in XML_CDR_COLUMNS) + "\n)"


@dataclass(order=True)
class Action:
    t: int
    seq: int
    kind: str = field(compare=False)
    args: dict = field(compare=False, default_factory=dict)


@dataclass
class Call:
    """A call's final row as the scenario made it (epoch seconds; agent as mod_callcenter names it)."""

    uuid: str
    queue: str
    joined: int
    answered: int | None
    ended: int
    agent: str | None
    cid: str
    offered: int | None = None


class CallCentre:
    """mod_callcenter's tables on `engine`, the CDR table (`layout`) on `cdr_engine`."""

    def __init__(self, engine, cdr_engine=None, layout: str = "pg_csv") -> None:
        self.engine, self.cdr_engine, self.layout = engine, cdr_engine or engine, layout
        self.cdr_table = LAYOUTS[layout]
        self.on_demand: set[str] = set()
        self._conn = None

    def create(self) -> None:
        self.drop()
        with self.engine.begin() as conn:
            for ddl in (MEMBERS_DDL, AGENTS_DDL, TIERS_DDL):
                conn.execute(text(ddl))
        backend = _backend(self.cdr_engine)
        ddl = pg_csv_ddl(backend) if self.layout == "pg_csv" else xml_cdr_ddl(backend)
        with self.cdr_engine.begin() as conn:
            conn.execute(text(ddl))

    def drop(self) -> None:
        with self.engine.begin() as conn:
            for name in ("members", "agents", "tiers"):
                conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        with self.cdr_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {self.cdr_table}"))

    def sql(self, statement: str, **params) -> None:
        if self._conn is not None:
            self._conn.execute(text(statement), params)
            return
        with self.engine.begin() as conn:
            conn.execute(text(statement), params)

    # -- what mod_callcenter does ---------------------------------------------------------------------------------
    def apply(self, a: Action) -> None:
        """One action's statements, in one transaction (mod_callcenter commits each; nothing reads in between)."""
        with self.engine.begin() as conn:
            self._conn = conn
            try:
                getattr(self, "do_" + a.kind)(a.t, **a.args)
            finally:
                self._conn = None

    def do_agent_add(self, t, name, wrap_up_time=0, on_demand=False, status="Logged Out"):
        if on_demand:
            self.on_demand.add(name)
        self.sql("INSERT INTO agents (name, instance_id, uuid, type, contact, status, state, max_no_answer, "
                 "wrap_up_time, reject_delay_time, busy_delay_time, no_answer_delay_time) VALUES (:n, 'single_box', "
                 "'', 'callback', :contact, :status, 'Waiting', 3, :wrap, 10, 60, 5)",
                 n=name, contact=f"[call_timeout=10]user/{name}", status=status, wrap=wrap_up_time)

    def do_tier_add(self, t, queue, agent, level=1, position=1):
        self.sql("INSERT INTO tiers (queue, agent, state, level, position) VALUES (:q, :a, 'Ready', :l, :p)",
                 q=queue, a=agent, l=level, p=position)

    def do_status(self, t, agent, status):
        reset = ", talk_time = 0, calls_answered = 0, no_answer_count = 0" if status.startswith("Available") else ""
        self.sql(f"UPDATE agents SET status = :s, last_status_change = :t{reset} WHERE name = :a",
                 s=status, t=t, a=agent)

    def do_state(self, t, agent, state):
        self.sql("UPDATE agents SET state = :s WHERE name = :a", s=state, a=agent)

    def do_join(self, t, uuid, queue, cid):
        self.sql("INSERT INTO members (queue, instance_id, uuid, session_uuid, cid_number, cid_name, system_epoch, "
                 "joined_epoch, rejoined_epoch, bridge_epoch, abandoned_epoch, base_score, skill_score, state) VALUES "
                 "(:q, 'single_box', :u, :s, :cid, :cid, :t, :t, 0, 0, 0, 0, 0, 'Waiting')",
                 q=queue, u=uuid, s=_session(uuid), cid=cid, t=t)

    def do_offer(self, t, uuid, agent, queue):
        self.sql("UPDATE members SET serving_agent = :a, serving_system = 'single_box', state = 'Trying' "
                 "WHERE state = 'Waiting' AND uuid = :u", a=agent, u=uuid)
        self.sql("UPDATE agents SET state = 'Receiving' WHERE name = :a", a=agent)
        self.sql("UPDATE agents SET last_offered_call = :t WHERE name = :a", t=t, a=agent)
        self.sql("UPDATE tiers SET state = 'Offering' WHERE agent = :a AND queue = :q", a=agent, q=queue)

    def do_no_answer(self, t, uuid, agent, queue):
        self.sql("UPDATE members SET state = 'Waiting', serving_agent = '', serving_system = '' "
                 "WHERE serving_agent = :a AND uuid = :u", a=agent, u=uuid)
        self.sql("UPDATE agents SET no_answer_count = no_answer_count + 1 WHERE name = :a", a=agent)
        self.sql("UPDATE agents SET ready_time = :r WHERE name = :a", r=t + 5, a=agent)
        self.sql("UPDATE tiers SET state = 'No Answer' WHERE agent = :a AND queue = :q", a=agent, q=queue)
        self.sql("UPDATE agents SET state = 'Waiting' WHERE name = :a", a=agent)

    def do_bridge(self, t, uuid, agent, queue):
        self.sql("UPDATE members SET state = 'Answered', bridge_epoch = :t WHERE uuid = :u", t=t, u=uuid)
        self.sql("UPDATE agents SET uuid = :s, last_bridge_start = :t, calls_answered = calls_answered + 1 "
                 "WHERE name = :a", s=_session(uuid + agent), t=t, a=agent)
        self.sql("UPDATE tiers SET state = 'Active Inbound' WHERE agent = :a AND queue = :q", a=agent, q=queue)
        self.sql("UPDATE agents SET state = 'In a queue call' WHERE name = :a", a=agent)

    def do_bridge_end(self, t, uuid, agent, queue):
        self.sql("UPDATE agents SET uuid = '', last_bridge_end = :t, talk_time = talk_time + (:t - last_bridge_start) "
                 "WHERE name = :a", t=t, a=agent)
        self.sql("DELETE FROM members WHERE instance_id = 'single_box' AND uuid = :u", u=uuid)
        self.sql("UPDATE tiers SET state = 'Ready' WHERE agent = :a AND queue = :q", a=agent, q=queue)
        self.sql("UPDATE agents SET state = :s WHERE name = :a",
                 s="Idle" if agent in self.on_demand else "Waiting", a=agent)

    def do_abandon(self, t, uuid):
        self.sql("UPDATE members SET state = 'Abandoned', abandoned_epoch = :t WHERE uuid = :u", t=t, u=uuid)

    def do_discard(self, t, uuid):
        self.sql("DELETE FROM members WHERE state = 'Abandoned' AND uuid = :u", u=uuid)

    def do_restart(self, t):
        """mod_callcenter loading again: its members of before marked Abandoned (no epoch), agents Waiting."""
        self.sql("UPDATE members SET state = 'Abandoned', session_uuid = '' WHERE instance_id = 'single_box'")
        self.sql("UPDATE agents SET state = 'Waiting', uuid = '' WHERE instance_id = 'single_box'")

    def do_cdr(self, t, **leg):
        self.insert_cdr(leg)

    # -- the CDR table ------------------------------------------------------------------------------------------
    def insert_cdr(self, leg: dict) -> None:
        """One leg's CDR: `leg` has the channel's variables (cc_*, caller_id_number, uuid, start/answer/end epochs)."""
        row = self.cdr_row(leg)
        names = list(row)
        with self.cdr_engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {self.cdr_table} ({', '.join(names)}) "
                              f"VALUES ({', '.join(':' + n for n in names)})"), row)

    def cdr_row(self, leg: dict) -> dict:
        start, end = leg["start_epoch"], leg["end_epoch"]
        answer = leg.get("answer_epoch") or 0
        backend = _backend(self.cdr_engine)

        def stamp(epoch):
            if not epoch:
                return None
            when = datetime.fromtimestamp(epoch, UTC)
            return when if backend == "postgresql" else when.replace(tzinfo=None)

        cc = {k: v for k, v in leg.items() if k.startswith("cc_")}
        if self.layout == "pg_csv":
            return {"local_ip_v4": "10.0.0.5", "caller_id_name": leg.get("caller_id_number"),
                    "caller_id_number": leg.get("caller_id_number"), "destination_number": "4000",
                    "context": "default", "start_stamp": stamp(start), "answer_stamp": stamp(answer),
                    "end_stamp": stamp(end), "duration": end - start, "billsec": end - answer if answer else 0,
                    "hangup_cause": "NORMAL_CLEARING", "uuid": leg["uuid"], **{n: cc.get(n) for n, _ in PG_CSV_CC}}
        row = {"xml_cdr_uuid": leg["uuid"], "domain_name": "default", "direction": "inbound", "context": "default",
               "caller_id_name": leg.get("caller_id_number"), "caller_id_number": leg.get("caller_id_number"),
               "destination_number": "4000", "start_epoch": start, "start_stamp": stamp(start),
               "answer_epoch": answer, "answer_stamp": stamp(answer), "end_epoch": end, "end_stamp": stamp(end),
               "duration": end - answer if answer else 0, "billsec": end - answer if answer else 0,
               "leg": "a", "hangup_cause": "NORMAL_CLEARING", "status": "answered" if answer else "cancelled",
               "insert_date": stamp(leg.get("inserted", end))}
        row.update({n: cc.get(n) for n, _ in XML_CDR_COLUMNS if n.startswith("cc_") and n in cc})
        return row


def _session(seed: str) -> str:
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, "session:" + seed))


def member_uuid(i: int, seed: int = 0) -> str:
    return str(uuidlib.UUID(int=random.Random(f"{seed}:{i}").getrandbits(128), version=4))


def member_leg(call: Call, end: int | None = None) -> dict:
    """The member leg's channel variables at its hang-up (what mod_callcenter set on it)."""
    leg = {"uuid": _session(call.uuid), "caller_id_number": call.cid, "start_epoch": call.joined - 3,
           "answer_epoch": call.joined - 3, "end_epoch": end or call.ended, "cc_side": "member",
           "cc_queue": call.queue, "cc_member_uuid": call.uuid, "cc_queue_joined_epoch": call.joined}
    if call.answered is not None:
        leg.update(cc_agent=call.agent, cc_queue_answered_epoch=call.answered, cc_queue_terminated_epoch=call.ended,
                   cc_cause="answered", cc_cancel_reason="NONE")
    else:
        leg.update(cc_queue_canceled_epoch=call.ended, cc_cause="cancel",
                   cc_cancel_reason="TIMEOUT" if end and end > call.ended else "BREAK_OUT")
    return leg


def agent_leg(call: Call) -> dict:
    """The agent leg (originated by mod_callcenter): cc_side 'agent', no cc_cause."""
    return {"uuid": _session(call.uuid + call.agent), "caller_id_number": call.cid, "start_epoch": call.offered,
            "answer_epoch": call.answered, "end_epoch": call.ended, "cc_side": "agent", "cc_queue": call.queue,
            "cc_member_uuid": call.uuid, "cc_agent": call.agent, "cc_queue_joined_epoch": call.joined}


class Replay:
    """Actions applied in order up to a time; `now` is the time reached."""

    def __init__(self, centre: CallCentre, actions: list[Action]) -> None:
        self.centre, self.actions, self.done, self.now = centre, sorted(actions), 0, None

    def until(self, t: int) -> None:
        while self.done < len(self.actions) and self.actions[self.done].t <= t:
            self.centre.apply(self.actions[self.done])
            self.done += 1
        self.now = t

    @property
    def last(self) -> int:
        return self.actions[-1].t

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


class Script:
    """Actions in the making (`seq` keeps the order of those of one second)."""

    def __init__(self) -> None:
        self.actions: list[Action] = []

    def __call__(self, t: int, kind: str, **args) -> None:
        self.actions.append(Action(int(t), len(self.actions), kind, args))

    def answered(self, call: Call, cdr_delay: int = 0, missed_by: str | None = None) -> None:
        """Offered (after a ring that `missed_by` did not answer), bridged, ended; the CDRs at the hang-up."""
        q, u, a = call.queue, call.uuid, call.agent
        if missed_by:
            self(call.offered - 12, "offer", uuid=u, agent=missed_by, queue=q)
            self(call.offered - 2, "no_answer", uuid=u, agent=missed_by, queue=q)
        self(call.offered, "offer", uuid=u, agent=a, queue=q)
        self(call.answered, "bridge", uuid=u, agent=a, queue=q)
        self(call.ended, "bridge_end", uuid=u, agent=a, queue=q)
        self(call.ended + cdr_delay, "cdr", **member_leg(call), inserted=call.ended + cdr_delay)
        self(call.ended + cdr_delay, "cdr", **agent_leg(call))

    def abandoned(self, call: Call, hangup: int | None = None, cdr_delay: int = 0) -> None:
        """Left the queue at `call.ended` (caller gone, or a timeout: then the caller hangs up at `hangup`)."""
        self(call.ended, "abandon", uuid=call.uuid)
        self((hangup or call.ended) + cdr_delay, "cdr", **member_leg(call, hangup))
        self(call.ended + DISCARD_ABANDONED_AFTER, "discard", uuid=call.uuid)


def scenario(calls: int = 60, seed: int = 1, start: int = START, gap: float = 15.0, late_cdrs: bool = False,
             queues: tuple[str, ...] = ("support@default", "sales@default")) -> tuple[list[Action], list[Call]]:
    """A centre's actions and the calls' final rows: four agents (wrap-up 10 s, none, 5 s, and one On Demand who
    makes itself ready 20 s after each call), breaks, two log-outs at the end; `late_cdrs`: CDRs inserted 0-8 s
    after the hang-up (FusionPBX's importer), not in the order the calls ended."""
    rnd = random.Random(seed)
    s = Script()
    agents = {"1001@default": 10, "1002@default": 0, "1003@default": 5, "1004@default": 0}
    on_demand = "1004@default"
    for i, (name, wrap) in enumerate(agents.items()):
        s(start - 300, "agent_add", name=name, wrap_up_time=wrap, on_demand=name == on_demand)
        for j, q in enumerate(queues):
            s(start - 300, "tier_add", queue=q, agent=name, level=1 + (i + j) % 2, position=1 + i)
        s(start - 200 + 10 * i, "status", agent=name,
          status="Available (On Demand)" if name == on_demand else "Available")
    busy = dict.fromkeys(agents, float(start))
    out: list[Call] = []
    t = float(start)
    for i in range(calls):
        t += rnd.expovariate(1 / gap)
        joined = int(t)
        call = Call(member_uuid(i, seed), rnd.choice(queues), joined, None, 0, None, f"1380013{i:04d}")
        s(joined, "join", uuid=call.uuid, queue=call.queue, cid=call.cid)
        wait = rnd.randint(3, 40)
        delay = rnd.randint(0, 8) if late_cdrs else 0
        roll = rnd.random()
        if roll < 0.7:
            free = [a for a in agents if busy[a] <= joined + wait - 2]
            if free:
                a = rnd.choice(free)
                missed = None
                others = [m for m in agents if m != a and busy[m] <= joined + wait - 12]
                if others and rnd.random() < 0.2 and wait > 14:
                    missed = rnd.choice(others)
                    busy[missed] = joined + wait + 5
                call.offered, call.answered, call.agent = joined + wait - 2, joined + wait, a
                call.ended = call.answered + rnd.randint(20, 90)
                s.answered(call, delay, missed)
                free_at = call.ended + agents[a] + 1
                if a == on_demand:
                    s(call.ended + 20, "state", agent=a, state="Waiting")
                    free_at = call.ended + 21
                elif rnd.random() < 0.15:  # a break after the call
                    back = call.ended + agents[a] + rnd.randint(60, 300)
                    s(call.ended + agents[a] + 1, "status", agent=a, status="On Break")
                    s(back, "status", agent=a, status="Available")
                    free_at = back + 1
                busy[a] = free_at
                out.append(call)
                continue
        if roll < 0.9:
            call.ended = joined + wait
            s.abandoned(call, cdr_delay=delay)
        else:  # max-wait-time: out of the queue at 60 s, to voicemail, hang-up 30 s later
            call.ended = joined + 60
            s.abandoned(call, hangup=joined + 90, cdr_delay=delay)
        out.append(call)
    last = max(a.t for a in s.actions) + 10
    for name in list(agents)[:2]:
        s(max(last, int(busy[name]) + 1), "status", agent=name, status="Logged Out")
    return sorted(s.actions), out
