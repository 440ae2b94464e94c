"""FreeSWITCH mod_callcenter followed live: its queue tables and the CDRs (CONTRACT section 7, issue 17 item 5).

Two databases are read, both read-only: mod_callcenter's own (`url`: the tables `members`, `agents`, `tiers` it
creates itself, in SQLite, PostgreSQL or MySQL through `odbc-dsn`) and the CDRs (`cdr_url`, default `url`; table
`cdr_table`, default `cdr`).

* Calls waiting and talking: `members` is mod_callcenter's live queue, one row per caller in a queue (INSERT on
  joining, `state` Waiting, Trying while an agent is offered the call, Answered once bridged, Abandoned when the
  caller left; an answered member is DELETEd when the bridge ends, an abandoned one ~60 s later). The table is small:
  it is read whole at every read and a call row is written for each member whose row changed since the last read
  (call_id = `members.uuid`, the `cc_member_uuid` of the CDR): waiting (queued_at = `joined_epoch`) or talking
  (answered_at = `bridge_epoch`, agent_id = `serving_agent`), ended_at None; an Abandoned member ends unanswered at
  `abandoned_epoch` (an Abandoned member without it is one mod_callcenter marked so when it started again: it ends
  at the time of the read, flagged FLAG_ENDED_BY_RESTART).
* Calls ended: the member leg's CDR (`cc_side` = 'member', or, without a `cc_side` column, the leg with a
  `cc_cause`: mod_callcenter sets it on the member leg only) gives the final row under the same call_id, so it
  replaces the row in progress: queued `cc_queue_joined_epoch`, answered `cc_queue_answered_epoch` when `cc_cause`
  is 'answered', ended `cc_queue_terminated_epoch` (answered) or `cc_queue_canceled_epoch` (not), else the leg's
  `end_epoch` / `end_stamp`; agent `cc_agent`; caller_id `caller_id_number`. Two layouts are known by their
  columns (reflected, not configured): mod_cdr_pg_csv's `cdr` (create.sql, with the cc_* variables added as
  columns of their own names by `<field var="cc_queue"/>`…) and FusionPBX's `v_xml_cdr` (its cc_* columns).
  A CDR without `cc_queue` at all is not a queue call and is passed over.
  CDRs are read by a watermark: `id` (mod_cdr_pg_csv's serial) when the table has one, else the leg's end
  (`end_epoch`, else `end_stamp`) with the keys already read within LOOKBACK_SECONDS of the newest end: FusionPBX
  imports the CDR files one by one, not always in the order the calls ended; one imported later than that is missed.
* A member gone from `members` whose CDR has not come yet (an answered call whose bridge ended: mod_callcenter
  deletes the member at once, the CDR is written at the caller's hang-up and FusionPBX imports it later still)
  stays in progress, as last read, until its CDR comes. Without CDRs, answered calls never end.
* Agents: `agents` is read whole at each read; a row is written when an agent's (state, reason) changes. status
  'Logged Out' is logged_out, 'On Break' not_ready (reason "On Break"); 'Available' and 'Available (On Demand)'
  by `state`: 'Receiving' (ringing), 'Reserved' and 'In a queue call' are on_call (from `last_offered_call`),
  'Idle' (where an On-Demand agent goes after a call) is wrap_up, 'Waiting' is wrap_up until
  `last_bridge_end + wrap_up_time` (mod_callcenter offers such an agent nothing before) and available after (an
  On-Demand agent: available from when it set itself Waiting again, by hand).
  started_at is the epoch of the change (`last_status_change`, `last_offered_call`, `last_bridge_start`,
  `last_bridge_end` (+ `wrap_up_time`), the latest that applies); when none explains the change (0, or not after
  the agent's last row: a state set by hand) it is the time of the read. A call that began and ended between two
  reads still gives its on_call, wrap_up and available rows (from those epochs). An agent deleted from `agents`
  is logged out at the time of the read. The agent's site is that of its first queue in `tiers` (by level,
  position), else the source's `site`. Agent ids: `agents` maps a name to an id, else the name is the id
  (FusionPBX names its agents by their UUID).
* Rows that cannot be read (an impossible epoch, a CDR without `cc_member_uuid`, an unknown state…) are rejected
  with their reason, once for a live row (again only if it changes), and the reader goes on.

The reader's memory (the members and agents as last read) is its `state()`; the position is the CDR watermark.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, Table, and_, column, inspect, select, table, type_coerce
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from wallboard.config import Config, LiveSource
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import (
    FLAG_ANSWER_BEFORE_QUEUE,
    FLAG_END_BEFORE_ANSWER,
    FLAG_END_BEFORE_QUEUE,
    FLAG_ENDED_BY_RESTART,
)
from wallboard.data_access.writes import to_stored
from wallboard.ingest.follow import Batch
from wallboard.maths.kpi import AGENT_STATES

LOOKBACK_SECONDS = 120  # without `id`: a CDR imported up to this long after a later-ending one is still read
EPOCH_MIN_MS, EPOCH_MAX_MS = 946_684_800_000, 4_102_444_800_000  # 2000-01-01 .. 2100-01-01: else impossible
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

MEMBER_COLUMNS = ("uuid", "queue", "state", "cid_number", "joined_epoch", "bridge_epoch", "abandoned_epoch",
                  "serving_agent")
AGENT_COLUMNS = ("name", "status", "state", "wrap_up_time", "last_bridge_start", "last_bridge_end",
                 "last_offered_call", "last_status_change")
TIER_COLUMNS = ("agent", "queue", "level", "position")
CDR_REQUIRED = ("cc_member_uuid", "cc_queue", "cc_queue_joined_epoch", "cc_queue_answered_epoch")
CDR_OPTIONAL = ("cc_side", "cc_cause", "cc_agent", "cc_queue_terminated_epoch", "cc_queue_canceled_epoch",
                "caller_id_number", "end_epoch", "end_stamp")
AVAILABLE = ("Available", "Available (On Demand)")
WRAP_UP = "wrap_up" if "wrap_up" in AGENT_STATES else "not_ready"
ON_BREAK = "On Break"
NOT_AN_AGENT = {"", "ring-all", "ring-progressively"}  # serving_agent holds the strategy while all agents ring


class RowError(ValueError):
    """A row that cannot be read: rejected with this reason."""


class FreeswitchCallcenter:
    """The Reader of a `freeswitch-callcenter` source. Position: {"cdr": {"id": last id}}, or without `id`
    {"cdr": {"end": newest end read, "kind": number | time | text, "seen": {key: end} within the lookback}}.
    `clock` (aware UTC now) stamps the changes no epoch dates and ends wrap-ups; tests give the replay's."""

    def __init__(self, source: LiveSource, config: Config, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        if not source.url:
            raise ValueError(f"source {source.name}: url (mod_callcenter's database) is required")
        self.source, self.config = source, config
        self.clock = clock or (lambda: datetime.now(UTC))
        self.engine = make_engine(source.url)
        self.cdr_engine = make_engine(source.cdr_url) if source.cdr_url and source.cdr_url != source.url \
            else self.engine
        self._live: dict[str, TableClause | None] | None = None
        self._cdr: Table | None = None
        self._members: dict[str, dict] = {}  # uuid -> {"sig": row as read, "final": its CDR read}
        self._agents: dict[str, dict] = {}  # name -> {"state", "reason", "at" (ms), "bad": row rejected}
        self._sites: dict[str, str] = {}

    # -- memory ----------------------------------------------------------------------------------------------
    def state(self) -> dict:
        return {"members": self._members, "agents": self._agents}

    def restore(self, state: dict | None) -> None:
        state = json.loads(json.dumps(state or {}))  # a copy: the follower may keep the one it saved
        self._members = state.get("members", {})
        self._agents = state.get("agents", {})

    def close(self) -> None:
        self.engine.dispose()
        if self.cdr_engine is not self.engine:
            self.cdr_engine.dispose()

    # -- tables ----------------------------------------------------------------------------------------------
    def live_tables(self) -> dict[str, TableClause | None]:
        """mod_callcenter's tables, their columns found by reflection and read untyped (as the driver gives them);
        `tiers` may be absent (agents then have the source's site)."""
        if self._live is None:
            inspector = inspect(self.engine)
            names = set(inspector.get_table_names())
            found: dict[str, TableClause | None] = {}
            for name, wanted, needed in (("members", MEMBER_COLUMNS, True), ("agents", AGENT_COLUMNS, True),
                                         ("tiers", TIER_COLUMNS, False)):
                have = {c["name"] for c in inspector.get_columns(name)} if name in names else set()
                missing = set(wanted) - have
                if missing and needed:
                    raise ValueError(f"table {name}: " + ("not found (mod_callcenter creates it in its database)"
                                     if not have else f"not mod_callcenter's (missing {', '.join(sorted(missing))})"))
                found[name] = None if missing else table(name, *(column(n) for n in wanted))
            self._live = found
        return self._live

    def cdr_table(self) -> Table:
        if self._cdr is None:
            try:
                table = Table(self.source.cdr_table, MetaData(), autoload_with=self.cdr_engine)
            except NoSuchTableError:
                raise ValueError(f"CDR table {self.source.cdr_table}: not found") from None
            names = set(table.c.keys())
            missing = [n for n in CDR_REQUIRED if n not in names]
            if not {"cc_side", "cc_cause"} & names:
                missing.append("cc_side or cc_cause")
            if not {"cc_queue_terminated_epoch", "cc_queue_canceled_epoch", "end_epoch", "end_stamp"} & names:
                missing.append("cc_queue_terminated_epoch and cc_queue_canceled_epoch, or end_epoch")
            if not ({"end_epoch", "end_stamp"} & names or _is_id(table)):
                missing.append("id, end_epoch or end_stamp (to read it in order)")
            if missing:
                raise ValueError(f"CDR table {self.source.cdr_table}: missing {', '.join(missing)} (mod_cdr_pg_csv: "
                                 'add <field var="cc_queue"/> etc. and their columns; FusionPBX: v_xml_cdr)')
            self._cdr = table
        return self._cdr

    # -- one read --------------------------------------------------------------------------------------------
    def read(self, position: dict | None, limit: int) -> Batch:
        now = _ms(self.clock())
        out = _Out()
        tables = self.live_tables()
        with self.engine.connect() as conn:  # the live tables first: a CDR read after them is never older
            members = conn.execute(select(*(tables["members"].c[n] for n in MEMBER_COLUMNS))).all()
            agents = conn.execute(select(*(tables["agents"].c[n] for n in AGENT_COLUMNS))).all()
            tiers = conn.execute(select(tables["tiers"])).all() if tables["tiers"] is not None else []
        saved = json.loads(json.dumps(self.state()))
        try:
            self._read_members(members, now, out)
            self._read_agents(agents, tiers, now, out)
            cdr_position, more = self._read_cdrs((position or {}).get("cdr"), limit, out)
        except Exception:  # nothing of this read is written: nor is it remembered
            self.restore(saved)
            raise
        last = max(out.times) if out.times else None
        return Batch(position={"cdr": cdr_position}, rows={"calls": out.calls, "agent_states": out.agent_states},
                     events=out.events, rejected=out.rejected, more=more,
                     last_event_at=_time(last) if last is not None else None)

    # -- members: calls waiting and talking ------------------------------------------------------------------
    def _read_members(self, rows, now: int, out: _Out) -> None:
        present = set()
        for r in rows:
            uuid = _text(r.uuid) or ""
            present.add(uuid)
            sig = _raw(r._mapping)
            known = self._members.get(uuid)
            if known is not None and (known["final"] or known["sig"] == sig):
                continue  # unchanged, or its CDR already gave the final row
            self._members[uuid] = {"sig": sig, "final": False}
            try:
                row = self._member_call(r, uuid, now)
            except RowError as e:
                out.rejected.append((f"members {uuid or '(no uuid)'}", sig, str(e)))
                continue
            out.call(row)
        for uuid in [u for u in self._members if u not in present]:
            del self._members[uuid]  # gone: its last row stays (in progress if answered) until its CDR comes

    def _member_call(self, r, uuid: str, now: int) -> dict:
        if not uuid:
            raise RowError("no uuid")
        state = _text(r.state) or ""
        joined = _epoch(r.joined_epoch, "joined_epoch", required=True)
        answered = ended = agent = None
        flags = 0
        if state in ("Waiting", "Trying"):
            pass
        elif state == "Answered":
            answered = _epoch(r.bridge_epoch, "bridge_epoch", required=True)
            agent = self._served_by(r.serving_agent)
        elif state == "Abandoned":
            ended = _epoch(r.abandoned_epoch, "abandoned_epoch")
            if ended is None:  # marked so by mod_callcenter starting again: the call ended with it
                ended, flags = max(now, joined), FLAG_ENDED_BY_RESTART
                answered = _epoch(r.bridge_epoch, "bridge_epoch")
                agent = self._served_by(r.serving_agent) if answered is not None else None
        else:
            raise RowError(f"state {state!r} is not Waiting, Trying, Answered or Abandoned")
        return self._call(uuid, r.queue, joined, answered, ended, agent, r.cid_number, flags)

    # -- CDRs: calls ended -----------------------------------------------------------------------------------
    def _read_cdrs(self, position: dict | None, limit: int, out: _Out) -> tuple[dict, bool]:
        t = self.cdr_table()
        c = t.c
        # values as the driver gives them (a bad value in a typed column must not fail the whole read)
        columns = [_raw_column(c[n]).label(n) for n in (*CDR_REQUIRED, *CDR_OPTIONAL) if n in c]
        member_leg = c.cc_side == "member" if "cc_side" in c else and_(c.cc_cause.isnot(None), c.cc_cause != "")
        position = dict(position or {})
        if _is_id(t):
            last = position.get("id", 0)
            stmt = select(c.id, *columns).where(member_leg, c.id > last).order_by(c.id).limit(limit)
            with self.cdr_engine.connect() as conn:
                rows = conn.execute(stmt).all()
            for r in rows:
                self._cdr_row(r, f"{t.name} id {r.id}", out)
            return {"id": rows[-1].id if rows else last}, len(rows) == limit
        mark = _raw_column(c.end_epoch if "end_epoch" in c else c.end_stamp)
        key = _key_column(t)
        kind, end = position.get("kind"), position.get("end")
        seen = dict(position.get("seen", {}))
        stmt = select(mark.label("wallboard_mark"), _raw_column(key).label("wallboard_key"), *columns)
        stmt = stmt.where(member_leg)
        if end is not None:
            stmt = stmt.where(mark >= _floor(_load(end, kind)))
        with self.cdr_engine.connect() as conn:
            rows = conn.execute(stmt.order_by(mark, key).limit(limit + len(seen))).all()
        full = len(rows) == limit + len(seen)
        for r in rows:
            name = _text(r.wallboard_key) or ""
            if name in seen:
                continue
            value, its_kind = _dump(r.wallboard_mark)
            kind = kind or its_kind
            seen[name] = value
            if value is not None and (end is None or _load(value, kind) > _load(end, kind)):
                end = value
            self._cdr_row(r, f"{t.name} {key.name} {name}", out)
        if end is not None:  # keep the keys within the lookback only
            floor = _floor(_load(end, kind))
            seen = {k: v for k, v in seen.items() if v is not None and not _load(v, kind) < floor}
        return {"end": end, "kind": kind, "seen": seen}, full

    def _cdr_row(self, r, where: str, out: _Out) -> None:
        m = r._mapping
        if "cc_side" not in m and not _text(m.get("cc_queue")) and not _text(m.get("cc_member_uuid")):
            return  # without cc_side: a leg of no queue call (cc_cause set by something else)
        try:
            member = _text(m.get("cc_member_uuid"))
            if not member:
                raise RowError("no cc_member_uuid")
            joined = _epoch(m.get("cc_queue_joined_epoch"), "cc_queue_joined_epoch", required=True)
            answered_at = _epoch(m.get("cc_queue_answered_epoch"), "cc_queue_answered_epoch")
            cause = (_text(m.get("cc_cause")) or "").lower() or None
            if cause == "answered" and answered_at is None:
                raise RowError("cc_cause 'answered' without cc_queue_answered_epoch")
            answered = answered_at if cause in (None, "answered") else None
            ended = _epoch(m.get("cc_queue_terminated_epoch" if answered is not None else "cc_queue_canceled_epoch"),
                           "cc_queue_terminated_epoch" if answered is not None else "cc_queue_canceled_epoch")
            if ended is None:
                ended = self._leg_end(m)
            agent = self._served_by(m.get("cc_agent")) if answered is not None else None
            row = self._call(member, m.get("cc_queue"), joined, answered, ended, agent, m.get("caller_id_number"), 0)
        except RowError as e:
            out.rejected.append((where, _raw({k: v for k, v in m.items() if not k.startswith("wallboard_")}),
                                 str(e)))
            return
        if member in self._members:
            self._members[member]["final"] = True  # the member's later changes no longer replace this row
        out.call(row)

    def _leg_end(self, m) -> int:
        if m.get("end_epoch") not in (None, ""):
            return _epoch(m.get("end_epoch"), "end_epoch", required=True)
        stamp = m.get("end_stamp")
        if isinstance(stamp, str) and stamp.strip():
            try:
                stamp = datetime.fromisoformat(stamp.strip())
            except ValueError:
                raise RowError(f"end_stamp: not a time: {stamp!r}") from None
        if not isinstance(stamp, datetime):
            raise RowError("no end: cc_queue_terminated_epoch / cc_queue_canceled_epoch, end_epoch and end_stamp "
                           "empty")
        if stamp.tzinfo is None:  # local time of the FreeSWITCH server
            stamp = stamp.replace(tzinfo=ZoneInfo(self.source.timezone or self.config.timezone))
        return _epoch(_ms(stamp) / 1000, "end_stamp", required=True)

    # -- agents ------------------------------------------------------------------------------------------------
    def _read_agents(self, rows, tiers, now: int, out: _Out) -> None:
        first: dict[str, tuple] = {}
        for agent, queue, level, pos in tiers:
            name, queue = _text(agent), _text(queue)
            if name and queue:
                rank = (_int(level), _int(pos), queue)
                if name not in first or rank < first[name]:
                    first[name] = rank
        present = set()
        for r in rows:
            name = _text(r.name) or ""
            present.add(name)
            sig = _raw(r._mapping)
            known = self._agents.get(name) or {"state": None, "reason": None, "at": None, "site": None}
            try:
                if not name:
                    raise RowError("no name")
                agent_id = self._agent_id(name)
                changes = self._agent_changes(r, known, now)
            except RowError as e:
                if known.get("bad") != sig:
                    out.rejected.append((f"agents {name or '(no name)'}", sig, str(e)))
                self._agents[name] = {**known, "bad": sig}
                continue
            queue = first.get(name, (0, 0, None))[2]
            site = self._site(queue) if queue else (self.source.site or "default")
            for state, reason, at in changes:
                out.agent({"agent_id": agent_id, "agent_name": name[:128], "site": site, "state": state,
                           "reason": reason, "started_at": to_stored(_time(at))}, at)
                known = {"state": state, "reason": reason, "at": at, "site": site}
            self._agents[name] = {k: known.get(k) for k in ("state", "reason", "at", "site")}
        for name in [n for n in self._agents if n not in present]:
            known = self._agents.pop(name)
            if name and known.get("state") not in (None, "logged_out"):  # deleted from mod_callcenter: logged out
                at = max(now, known["at"] + 1)
                out.agent({"agent_id": self._agent_id(name), "agent_name": name[:128],
                           "site": known.get("site") or self.source.site or "default", "state": "logged_out",
                           "reason": None, "started_at": to_stored(_time(at))}, at)

    def _agent_changes(self, r, known: dict, now: int) -> list[tuple[str, str | None, int]]:
        """The agent's rows since `known` (its last row): the epochs' history, then its state now."""
        status, state = _text(r.status) or "", _text(r.state) or ""
        changed = _epoch(r.last_status_change, "last_status_change") or 0
        start = _epoch(r.last_bridge_start, "last_bridge_start") or 0
        end = _epoch(r.last_bridge_end, "last_bridge_end") or 0
        offered = _epoch(r.last_offered_call, "last_offered_call") or 0
        wrap = max(0, _int(r.wrap_up_time)) * 1000
        on_call = offered if 0 < offered <= start else start  # on the call from its offer (ringing)
        if status == "Logged Out":
            current = ("logged_out", None, changed)
        elif status == ON_BREAK:
            current = ("not_ready", ON_BREAK, changed)
        elif status in AVAILABLE:
            if state == "In a queue call":
                current = ("on_call", None, max(on_call, changed))
            elif state in ("Receiving", "Reserved"):
                current = ("on_call", None, max(offered, changed))
            elif state == "Idle":
                current = (WRAP_UP, None, max(end, changed))
            elif state == "Waiting" and status != "Available":  # an On-Demand agent ready again: by hand
                current = ("available", None, changed)
            elif state == "Waiting":
                if wrap and end and end >= start and now < end + wrap:
                    current = (WRAP_UP, None, max(end, changed))
                else:
                    current = ("available", None, max(end + wrap if end else 0, changed))
            else:
                raise RowError(f"state {state!r} is not Waiting, Receiving, In a queue call, Idle or Reserved")
        else:
            raise RowError(f"status {status!r} is not Logged Out, Available, Available (On Demand) or On Break")
        history: list[tuple[str, str | None, int]] = []
        if known["at"] is not None:  # a call begun and ended since the last read: its rows too
            if start:
                history.append(("on_call", None, on_call))
            if end:  # the last call's end (before the call of now, if one began since)
                if status == "Available (On Demand)":
                    history.append((WRAP_UP, None, end))
                elif wrap:
                    history += [(WRAP_UP, None, end), ("available", None, end + wrap)]
                else:
                    history.append(("available", None, end))
            history = [h for h in sorted(history, key=lambda h: h[2]) if known["at"] < h[2] < current[2]
                       and h[2] <= now]
        out: list[tuple[str, str | None, int]] = []
        last_state, last_at = (known["state"], known["reason"]), known["at"]
        for state_, reason, at in [*history, current]:
            if (state_, reason) == last_state:
                continue
            if not at or (last_at is not None and at <= last_at):  # no epoch tells when: now
                at = now if last_at is None or now > last_at else last_at + 1
            out.append((state_, reason, at))
            last_state, last_at = (state_, reason), at
        return out

    # -- rows --------------------------------------------------------------------------------------------------
    def _call(self, call_id: str, queue: Any, queued: int, answered: int | None, ended: int | None,
              agent: str | None, caller: Any, flags: int) -> dict:
        queue = _text(queue)
        if not queue:
            raise RowError("no queue")
        group = self.source.group_of(queue)
        if len(call_id) > 64 or len(group) > 64:
            raise RowError("member uuid or queue longer than 64 characters")
        if answered is not None and answered < queued:
            flags |= FLAG_ANSWER_BEFORE_QUEUE
        if answered is not None and ended is not None and ended < answered:
            flags |= FLAG_END_BEFORE_ANSWER
        if answered is None and ended is not None and ended < queued:
            flags |= FLAG_END_BEFORE_QUEUE
        stored = {k: None if v is None else to_stored(_time(v)) for k, v in
                  (("queued_at", queued), ("answered_at", answered), ("ended_at", ended))}
        return {"call_id": call_id, "site": self._site(queue), "skill_group": group,
                "arrived_at": stored["queued_at"], **stored, "agent_id": agent, "wrap_up_seconds": None,
                "transferred": 0, "direction": "inbound", "caller_id": (_text(caller) or "")[:64] or None,
                "quality_flags": flags, "_at": max(v for v in (queued, answered, ended) if v is not None)}

    def _site(self, queue: str) -> str:
        site = self._sites.get(queue)
        if site is None:
            site = self._sites[queue] = self.source.site_of(queue, self.config)
        return site

    def _served_by(self, name: Any) -> str | None:
        """The agent of a call (serving_agent, cc_agent), if it names one."""
        name = _text(name)
        return None if not name or name in NOT_AN_AGENT else self._agent_id(name)

    def _agent_id(self, name: str) -> str:
        agent_id = self.source.agents.get(name) or name
        if len(agent_id) > 64:
            raise RowError(f"agent {agent_id[:80]!r}: longer than 64 characters (map it in `agents`)")
        return agent_id


class _Out:
    """What one read gives."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.agent_states: list[dict] = []
        self.rejected: list[tuple[str, str, str]] = []
        self.times: list[int] = []
        self.events = 0

    def call(self, row: dict) -> None:
        self.times.append(row.pop("_at"))
        self.calls.append(row)
        self.events += 1

    def agent(self, row: dict, at: int) -> None:
        self.times.append(at)
        self.agent_states.append(row)
        self.events += 1


# -- values ----------------------------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _raw(mapping) -> str:
    return "|".join(f"{k}={'' if v is None else v}" for k, v in mapping.items())


def _ms(when: datetime) -> int:
    """An aware time as integer milliseconds since the epoch (exact: no float)."""
    return (when - _EPOCH) // _MS


def _time(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def _epoch(value: Any, column: str, required: bool = False) -> int | None:
    """mod_callcenter's epochs (whole seconds; 0 = not yet) as milliseconds; an impossible one is an error."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        number = 0.0
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RowError(f"{column}: not an epoch: {value!r}") from None
        if not math.isfinite(number):
            raise RowError(f"{column}: not an epoch: {value!r}")
    if number == 0:
        if required:
            raise RowError(f"{column}: missing")
        return None
    ms = round(number * 1000) if number == number else 0
    if not EPOCH_MIN_MS <= ms < EPOCH_MAX_MS:
        raise RowError(f"{column}: impossible epoch {value!r} (not between 2000 and 2100)")
    return ms


def _is_id(table: Table) -> bool:
    c = table.c.get("id")
    try:
        return c is not None and c.type.python_type is int
    except NotImplementedError:
        return False


def _key_column(table: Table):
    primary = list(table.primary_key.columns)
    if len(primary) == 1:
        return primary[0]
    for name in ("uuid", "xml_cdr_uuid", "cc_member_uuid"):
        if name in table.c:
            return table.c[name]
    raise ValueError(f"CDR table {table.name}: no key column")


def _raw_column(column):
    """A column read as the driver gives it: no type's processing (SQLite keeps any text in any column)."""
    return type_coerce(column, NullType())


def _dump(value: Any) -> tuple[Any, str | None]:
    """A watermark value as JSON, and its kind."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value.isoformat(), "time"
    if isinstance(value, Decimal | float | int):
        return (int(value) if value == int(value) else float(value)), "number"
    return str(value), "text"


def _load(value: Any, kind: str | None) -> Any:
    return datetime.fromisoformat(value) if kind == "time" else value


def _floor(value: Any) -> Any:
    """The lowest watermark read again: LOOKBACK_SECONDS before the newest (a text column: that value only)."""
    if isinstance(value, datetime):
        return value - timedelta(seconds=LOOKBACK_SECONDS)
    if isinstance(value, int | float):
        return value - LOOKBACK_SECONDS
    return value
