"""Streaming parser for Asterisk ``queue_log`` files.

Turns the pipe-separated queue log into the project's canonical *call* and
*agent state* rows (plain dicts, datetimes timezone-aware in UTC).  No database
access: the one-shot importer and the live follower take the rows and write them.
The same events give the same rows by every path (a file imported at once, or
followed live as a file or as Asterisk's realtime table, across restarts).

Input format
------------
One event per line::

    epoch|callid|queuename|agent|event|data1|data2|...

* The parameter count varies between Asterisk versions (1.2/1.4 log fewer
  parameters than 1.8+, e.g. ``EXITWITHTIMEOUT|position`` against
  ``EXITWITHTIMEOUT|position|origposition|waittime``; realtime/MySQL exports
  always carry ``data1..data5``, so trailing fields may be empty).  Only the
  event, its time, its callid, queue and agent are used, plus the pause reason
  (``data1`` of ``PAUSE``), so every variant is accepted; trailing empty
  fields are dropped.
* The first field may be a datetime (``2024-05-01 09:00:00.123456``, the
  realtime/MySQL export) instead of epoch seconds.  Epoch seconds are UTC; a
  datetime without an offset is local time in ``timezone`` (an ambiguous time
  in the autumn DST overlap is read as the first occurrence).
* Blank lines are skipped (counted in ``lines`` only).  Lines with fewer than
  five fields, an unreadable time, an empty event name, or a call event with no
  callid/queue are *rejected*: ``on_reject(line_number, raw_line, reason)`` is
  called (line numbers are 1-based, ``raw_line`` has its line ending removed)
  and parsing continues; without ``on_reject`` a :class:`QueueLogError` is
  raised.
* ``QUEUESTART`` (Asterisk started again) ends every call still waiting or
  talking at that moment, at that time, flagged ``FLAG_ENDED_BY_RESTART``: a
  waiting call is never counted as answered; its agents are no longer on it.
* Events that produce no rows (``CONFIGRELOAD``, ``AGENTDUMP``,
  ``RINGCANCELED``, ``SYSCOMPAT``, anything unknown...) are counted per name
  in ``stats.ignored_events``.

Call rows
---------
``ENTERQUEUE`` opens a call; ``CONNECT`` answers it; ``COMPLETECALLER``,
``COMPLETEAGENT``, ``TRANSFER``, ``BLINDTRANSFER`` and ``ATTENDEDTRANSFER`` end
an answered call; ``ABANDON``, ``EXITWITHTIMEOUT``, ``EXITEMPTY``,
``EXITWITHKEY`` and ``WITHDRAW`` end an unanswered one.  ``RINGNOANSWER`` does not end a call.
A call row is yielded as soon as its end event is read.

* ``call_id``: the Asterisk callid (uniqueid).  The second time the same
  callid enters a queue (typically after a transfer to another queue) the row
  is ``callid#2``, then ``callid#3``...
* ``site``: ``site_of(queue name)``; ``skill_group``: the queue name.
* ``arrived_at`` = ``queued_at`` = ENTERQUEUE time, ``answered_at`` = CONNECT
  time, ``ended_at`` = end event time.  Times are clamped so that they never go
  backwards within a call (queue_log lines can be out of order by a second);
  each clamp (here and for agent states) is counted in ``stats.clamped_times``.
* ``agent_id``: normalised agent of CONNECT (see :func:`normalise_agent_id`).
* ``wrap_up_seconds`` is always None (queue_log does not record wrap-up);
  ``transferred`` is 1 for the three transfer events, else 0; ``direction`` is
  ``"inbound"``.
* A call still open at the end of the input is emitted at the end with
  ``ended_at`` None (still in progress, or lost: the caller decides) and counted
  in ``stats.unterminated_calls``.  So is a call whose callid has seen no event
  for ``horizon_seconds`` (default one day) of log time, and an unanswered
  call whose callid enters a queue again without having left the first one
  (a lost exit event): this keeps memory bounded even when end events are
  missing.
* End/CONNECT events for a callid that never entered a queue in this input
  (e.g. the file starts mid-call after log rotation) produce no call row; they
  are counted in ``stats.orphan_events`` (their agent states are still emitted).

Agent state rows
----------------
``{"agent_id", "agent_name", "site", "state", "reason", "started_at"}`` with
state ``available`` (AGENTLOGIN, AGENTCALLBACKLOGIN, ADDMEMBER, UNPAUSE,
UNPAUSEALL, end of a call), ``logged_out`` (AGENTLOGOFF, AGENTCALLBACKLOGOFF,
REMOVEMEMBER), ``not_ready`` (PAUSE, PAUSEALL; ``reason`` is the pause reason
when logged) and ``on_call`` (CONNECT).  ``agent_name`` is the agent field as
written; ``site`` is ``site_of(queue)``, or for events logged against queue
``NONE`` the site of the queue the agent last appeared in (else
``site_of("NONE")``).  Refinements, because states are per agent, not per
queue:

* A row is only emitted when the agent's (state, reason) changes, so the
  per-queue ``PAUSE`` lines that accompany a ``PAUSEALL`` give one row.  A
  pause without a reason does not erase the reason of a pause in force.
* Changes logged at the same instant are merged into one row carrying the
  final state (e.g. ``PAUSEALL`` followed by ``PAUSE|Lunch`` gives one
  ``not_ready``/``Lunch`` row; the table's key is (agent_id, started_at)), so a
  row is yielded once the log has moved past its instant (or at the end of the
  input).  An agent's rows never go back in
  time: a line out of order is stamped with the agent's latest time.
* ``ADDMEMBER|PAUSED`` (member added paused, Asterisk 13+) gives ``not_ready``.
* ``REMOVEMEMBER`` gives ``logged_out`` only when the agent is no longer a
  member of any queue it has been seen in (ADDMEMBER, or any event naming the
  agent in that queue).  ``AGENTLOGOFF`` always logs out.
* A pause taken during a call is held: the agent stays ``on_call`` and the
  end of the call gives ``not_ready`` (with the reason) instead of
  ``available``.  An agent on two calls stays ``on_call`` until both end.

Agent ids
---------
The agent field holds a queue member's interface or member name.  The id is
the extension / agent number with the channel technology and dial options
removed, so an agent keeps one id when the PBX moves from chan_sip to pjsip or
behind FreePBX Local channels: ``SIP/1001``, ``PJSIP/1001``, ``IAX2/1001``,
``Local/1001@from-queue/n`` and ``Agent/1001`` all give ``"1001"``.  Anything
that is not ``<known technology>/<something>`` (a member name such as ``"Jane
Doe"``) is kept as written (whitespace trimmed).  The original interface stays
available as ``agent_name`` on agent state rows.  Caveat: with chan_agent,
``Agent/1001`` and a phone ``SIP/1001`` would share the id ``1001``.

Live following
--------------
``live=True`` also yields a call's row as soon as it changes (``ENTERQUEUE``:
waiting, ``CONNECT``: talking; ``ended_at`` None), so the wall shows calls in
progress; the final row replaces it (same ``call_id``).  ``feed(numbered)``
parses more lines without resetting or flushing, ``idle(now)`` yields the agent
states held for their instant once the clock is past it, ``finish()`` flushes
what a one-shot parse flushes at the end, and ``state()`` / ``restore(state)``
carry the parser's memory (JSON-able) across a restart of the follower.

API
---
``QueueLogParser(site_of, timezone="UTC", on_reject=None, horizon_seconds=86400)
.parse(lines)`` is a generator of ``("call", row)`` and ``("agent_state", row)``;
``parser.stats`` (a :class:`QueueLogStats`) is updated while parsing and final
once the generator is exhausted (each ``parse`` call starts afresh).
``parser.open_calls`` and ``parser.tracked_callids`` show what is held in
memory.  :class:`QueueLogError` (a ``ValueError``) carries ``line_number``,
``reason`` and ``line``.  :func:`parse_queue_log` is the function form: it
returns an iterator that also carries ``.stats``.  ``site_of`` is called once
per distinct queue name.  ``lines`` may be any iterable of ``str`` (or
``bytes``, decoded as UTF-8), e.g. an open file; it is consumed lazily.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wallboard.data_access.schema import FLAG_ENDED_BY_RESTART

__all__ = [
    "QueueLogError",
    "QueueLogParser",
    "QueueLogRun",
    "QueueLogStats",
    "normalise_agent_id",
    "parse_queue_log",
]

SiteOf = Callable[[str], str]
OnReject = Callable[[int, str, str], None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_RE = re.compile(r"^(\d+)(?:\.(\d+))?$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")

_TRANSFERS = frozenset({"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"})
_ANSWERED_END = frozenset({"COMPLETECALLER", "COMPLETEAGENT"}) | _TRANSFERS
_UNANSWERED_END = frozenset({"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW"})
_LOGIN = frozenset({"AGENTLOGIN", "AGENTCALLBACKLOGIN", "ADDMEMBER"})
_LOGOFF = frozenset({"AGENTLOGOFF", "AGENTCALLBACKLOGOFF"})
_PAUSE = frozenset({"PAUSE", "PAUSEALL"})
_UNPAUSE = frozenset({"UNPAUSE", "UNPAUSEALL"})
_CALL_EVENTS = frozenset({"ENTERQUEUE", "CONNECT", "RINGNOANSWER"}) | _ANSWERED_END | _UNANSWERED_END
_NO_VALUE = frozenset({"", "NONE"})

# Channel technologies whose "<TECH>/<resource>" prefix is removed from agent ids.
_TECHNOLOGIES = frozenset(
    {
        "SIP",
        "PJSIP",
        "IAX2",
        "IAX",
        "LOCAL",
        "AGENT",
        "DAHDI",
        "ZAP",
        "SCCP",
        "SKINNY",
        "H323",
        "OOH323",
        "MGCP",
        "UNISTIM",
        "MOTIF",
        "JINGLE",
        "GTALK",
        "WEBRTC",
    }
)


@dataclass
class QueueLogStats:
    """Counts for the caller to print or keep as data-quality figures."""

    lines: int = 0  # lines read, including blank and rejected ones
    events: int = 0  # well-formed event lines (used or ignored)
    calls: int = 0  # call rows yielded (including unterminated ones)
    agent_states: int = 0  # agent state rows yielded
    ignored_events: dict[str, int] = field(default_factory=dict)  # event name -> count, no rows produced
    unterminated_calls: int = 0  # call rows yielded with ended_at None
    rejected_lines: int = 0  # malformed lines passed to on_reject
    orphan_events: int = 0  # call events whose callid never entered a queue in this input
    clamped_times: int = 0  # call / agent state times moved forward because the log was out of order
    restarts: int = 0  # QUEUESTART events: every call open then ended, flagged


class QueueLogError(ValueError):
    """A malformed queue_log line (raised when no ``on_reject`` callback is given)."""

    def __init__(self, line_number: int, reason: str, line: str = "") -> None:
        super().__init__(f"queue_log line {line_number}: {reason}")
        self.line_number = line_number
        self.reason = reason
        self.line = line


def normalise_agent_id(agent: str) -> str:
    """Stable agent id from a queue_log agent field (see the module docstring).

    >>> normalise_agent_id("Local/1001@from-queue/n")
    '1001'
    """
    text = agent.strip()
    tech, sep, rest = text.partition("/")
    if not sep or tech.upper() not in _TECHNOLOGIES:
        return text
    resource = re.split(r"[@/]", rest, maxsplit=1)[0].strip()
    return resource or text


@dataclass(slots=True)
class _Call:
    call_id: str
    callid: str
    queue: str
    arrived_at: datetime
    answered_at: datetime | None = None
    agent_id: str | None = None


@dataclass(slots=True)
class _Callid:
    """Everything remembered about one Asterisk callid."""

    entries: int  # how many times it entered a queue
    last_seen: datetime
    open: list[_Call] = field(default_factory=list)


@dataclass(slots=True)
class _Agent:
    name: str = ""  # the agent field as last logged
    last_queue: str | None = None
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    pause_reason: str | None = None
    calls: set[str] = field(default_factory=set)  # raw callids the agent is connected to
    state: str | None = None
    reason: str | None = None
    since: datetime | None = None  # started_at of the agent's latest state row


class _Reject(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QueueLogParser:
    """Streaming queue_log parser; see the module docstring for the rules.

    ``horizon_seconds``: a callid with no event for this long (in log time) is
    forgotten; its open calls are emitted unterminated.  Memory is bounded by
    the callids seen within the horizon and the number of agents.
    """

    def __init__(
        self,
        site_of: SiteOf,
        timezone: str = "UTC",
        on_reject: OnReject | None = None,
        horizon_seconds: float = 86_400,
        group_of: Callable[[str], str] | None = None,
        agents: dict[str, str] | None = None,
        live: bool = False,
    ) -> None:
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {timezone!r}") from exc
        self._site_of = site_of
        self._group_of = group_of or (lambda queue: queue)
        self._agent_map = dict(agents or {})  # interface or member name -> agent_id, before normalising
        self.live = live
        self._on_reject = on_reject
        self._horizon = timedelta(seconds=horizon_seconds)
        self._sites: dict[str, str] = {}
        self._agent_ids: dict[str, str] = {}
        self._reset()

    def _reset(self) -> None:
        self.stats = QueueLogStats()
        self._callids: OrderedDict[str, _Callid] = OrderedDict()
        self._agents: dict[str, _Agent] = {}
        self._pending: dict[str, tuple[dict, tuple[str | None, str | None]]] = {}
        self._high_water: datetime | None = None
        self._opened = 0
        self._last_time_text: str | None = None
        self._last_time: datetime = _EPOCH

    # -- diagnostics -------------------------------------------------------
    @property
    def open_calls(self) -> int:
        """Calls that entered a queue and have not ended yet."""
        return self._opened - self.stats.calls  # every call row closes one opened call

    @property
    def tracked_callids(self) -> int:
        """Callids held in memory (open calls plus recently ended ones, for re-entry numbering)."""
        return len(self._callids)

    # -- memory across restarts ---------------------------------------------
    def state(self) -> dict:
        """Everything the parser remembers, JSON-able: `restore` of it and the same lines after give the same rows
        as if the parser had never stopped."""
        def when(d: datetime | None) -> str | None:
            return d.isoformat() if d is not None else None

        def call(c: _Call) -> list:
            return [c.call_id, c.callid, c.queue, when(c.arrived_at), when(c.answered_at), c.agent_id]
        return {
            "callids": [[k, v.entries, when(v.last_seen), [call(c) for c in v.open]] for k, v in self._callids.items()],
            "agents": {k: [a.name, a.last_queue, sorted(a.queues), a.paused, a.pause_reason, sorted(a.calls), a.state,
                           a.reason, when(a.since)] for k, a in self._agents.items()},
            "pending": {k: [{**row, "started_at": when(row["started_at"])}, list(base)]
                        for k, (row, base) in self._pending.items()},
            "high_water": when(self._high_water), "opened": self._opened,
            "stats": {**self.stats.__dict__, "ignored_events": dict(self.stats.ignored_events)},
        }

    def restore(self, state: dict) -> None:
        """The memory of `state()` (of a parser with the same settings)."""
        def when(text: str | None) -> datetime | None:
            return datetime.fromisoformat(text) if text is not None else None

        self._reset()
        for callid, entries, last_seen, open_calls in state["callids"]:
            self._callids[callid] = _Callid(entries, when(last_seen), [
                _Call(c[0], c[1], c[2], when(c[3]), when(c[4]), c[5]) for c in open_calls])
        for agent_id, a in state["agents"].items():
            self._agents[agent_id] = _Agent(a[0], a[1], set(a[2]), a[3], a[4], set(a[5]), a[6], a[7], when(a[8]))
        self._pending = {k: ({**row, "started_at": when(row["started_at"])}, tuple(base))
                         for k, (row, base) in state["pending"].items()}
        self._high_water, self._opened = when(state["high_water"]), state["opened"]
        self.stats = QueueLogStats(**state["stats"])

    # -- main loop ---------------------------------------------------------
    def parse(self, lines: Iterable[str]) -> Iterator[tuple[str, dict]]:
        """Yield ``("call", row)`` and ``("agent_state", row)`` tuples; resets ``stats``."""
        self._reset()
        yield from self.feed(enumerate(lines, start=1))
        yield from self.finish()

    def feed(self, numbered: Iterable[tuple[int | str, str]]) -> Iterator[tuple[str, dict]]:
        """More lines, each with where it was read (a line number, a table row's id): no reset, no flush."""
        stats = self.stats
        for number, line in numbered:
            stats.lines += 1
            if isinstance(line, bytes):
                line = line.decode("utf-8", "replace")
            raw = line.rstrip("\r\n")
            if number == 1:
                raw = raw.lstrip("\ufeff")
            if not raw.strip():
                continue
            try:
                yield from self._line(raw)
            except _Reject as rejection:
                stats.rejected_lines += 1
                if self._on_reject is None:
                    raise QueueLogError(number, rejection.reason, raw) from None
                self._on_reject(number, raw, rejection.reason)

    def finish(self) -> Iterator[tuple[str, dict]]:
        """The end of a one-shot input: held agent states, and every call still open (unterminated)."""
        yield from self._flush_pending()
        yield from self._flush_all()

    def idle(self, now: datetime, settle_seconds: float = 2.0) -> Iterator[tuple[str, dict]]:
        """Live: the agent states held for an instant that the clock has passed by `settle_seconds` (no later
        line arrived to release them; a line of that instant arriving later still updates the same row)."""
        if self._pending and (self._high_water is None or self._high_water < now - timedelta(seconds=settle_seconds)):
            yield from self._flush_pending()

    def _line(self, raw: str) -> Iterator[tuple[str, dict]]:
        fields = raw.split("|")
        if len(fields) < 5:
            raise _Reject(f"expected at least 5 pipe-separated fields, got {len(fields)}")
        when = self._time(fields[0].strip())
        callid = fields[1].strip()
        queue = fields[2].strip()
        agent = fields[3].strip()
        event = fields[4].strip()
        if not event:
            raise _Reject("empty event name")
        if event in _CALL_EVENTS and callid in _NO_VALUE:
            raise _Reject(f"{event} without a callid")
        if event == "ENTERQUEUE" and queue in _NO_VALUE:
            raise _Reject("ENTERQUEUE without a queue name")
        data = fields[5:]
        while data and not data[-1].strip():
            data.pop()
        self.stats.events += 1

        if self._high_water is None or when > self._high_water:
            self._high_water = when
            if self._pending:
                yield from self._flush_pending()
            if self._callids and next(iter(self._callids.values())).last_seen < when - self._horizon:
                yield from self._evict_stale(when)

        if event in _CALL_EVENTS:
            yield from self._call_event(when, callid, queue, agent, event)
        elif event == "QUEUESTART":
            yield from self._restart(when)
        elif event in _LOGIN:
            paused = bool(data) and data[0].strip().upper() == "PAUSED"
            yield from self._login(when, queue, agent, paused)
        elif event in _LOGOFF:
            yield from self._logoff(when, queue, agent, remove_from=None)
        elif event == "REMOVEMEMBER":
            yield from self._logoff(when, queue, agent, remove_from=queue)
        elif event in _PAUSE:
            reason = data[0].strip() if data and data[0].strip() else None
            yield from self._pause(when, queue, agent, reason)
        elif event in _UNPAUSE:
            yield from self._unpause(when, queue, agent)
        else:
            ignored = self.stats.ignored_events
            ignored[event] = ignored.get(event, 0) + 1

    def _time(self, text: str) -> datetime:
        if text == self._last_time_text:
            return self._last_time
        match = _EPOCH_RE.match(text)
        try:
            if match:
                micro = int((match.group(2) or "").ljust(6, "0")[:6])
                when = _EPOCH + timedelta(seconds=int(match.group(1)), microseconds=micro)
            elif _DATETIME_RE.match(text):
                parsed = datetime.fromisoformat(text)
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=self._tz)
                when = parsed.astimezone(UTC)
            else:
                raise _Reject(f"invalid time field {text!r} (expected epoch seconds or a datetime)")
        except (ValueError, OverflowError) as exc:
            raise _Reject(f"invalid time field {text!r}: {exc}") from None
        self._last_time_text = text
        self._last_time = when
        return when

    # -- calls -------------------------------------------------------------
    def _call_event(
        self, when: datetime, callid: str, queue: str, agent: str, event: str
    ) -> Iterator[tuple[str, dict]]:
        state = self._callids.get(callid)
        if state is not None:
            self._callids.move_to_end(callid)
            if when > state.last_seen:
                state.last_seen = when

        if event == "ENTERQUEUE":
            if state is None:
                state = _Callid(entries=0, last_seen=when)
                self._callids[callid] = state
            # A channel waits in one queue at a time: an unanswered open call
            # for this callid lost its exit event.
            for stale in [call for call in state.open if call.answered_at is None]:
                state.open.remove(stale)
                yield self._call_row(stale, ended_at=None, transferred=0)
            state.entries += 1
            call_id = callid if state.entries == 1 else f"{callid}#{state.entries}"
            call = _Call(call_id=call_id, callid=callid, queue=queue, arrived_at=when)
            state.open.append(call)
            self._opened += 1
            if self.live:
                yield ("call", self._row(call, None, 0))
            return

        has_agent = agent not in _NO_VALUE
        if has_agent and queue not in _NO_VALUE:
            self._agent(agent).last_queue = queue
            self._agent(agent).queues.add(queue)

        if event == "RINGNOANSWER":
            return

        if event == "CONNECT":
            call = self._find(state, queue, answered=False)
            if call is None:
                self.stats.orphan_events += 1
            else:
                call.answered_at = when = self._not_before(when, call.arrived_at)
                if has_agent:
                    call.agent_id = self._agent_id(agent)
                if self.live:
                    yield ("call", self._row(call, None, 0))
            if has_agent:
                record = self._agent(agent)
                record.calls.add(callid)
                yield from self._agent_state(when, agent, queue, record)
            return

        if event in _ANSWERED_END:
            call = self._find(state, queue, answered=True) or self._find(state, queue, answered=False)
        else:
            call = self._find(state, queue, answered=False)
        if call is None:
            self.stats.orphan_events += 1
        else:
            state.open.remove(call)
            if call.agent_id is None and event in _ANSWERED_END and has_agent:
                call.agent_id = self._agent_id(agent)
            ended_at = when = self._not_before(when, call.answered_at or call.arrived_at)
            yield self._call_row(call, ended_at=ended_at, transferred=1 if event in _TRANSFERS else 0)
        if event in _ANSWERED_END:
            connected = call.agent_id if call is not None else None
            if connected is not None and connected in self._agents:
                self._agents[connected].calls.discard(callid)
            if has_agent:
                record = self._agent(agent)
                record.calls.discard(callid)
                yield from self._agent_state(when, agent, queue, record)

    @staticmethod
    def _find(state: _Callid | None, queue: str, answered: bool) -> _Call | None:
        if state is None:
            return None
        candidates = [call for call in state.open if (call.answered_at is not None) == answered]
        for call in candidates:
            if call.queue == queue:
                return call
        return candidates[0] if candidates else None

    def _not_before(self, when: datetime, earliest: datetime) -> datetime:
        if when < earliest:
            self.stats.clamped_times += 1
            return earliest
        return when

    def _call_row(self, call: _Call, ended_at: datetime | None, transferred: int,
                  flags: int = 0) -> tuple[str, dict]:
        self.stats.calls += 1
        if ended_at is None:
            self.stats.unterminated_calls += 1
        return ("call", self._row(call, ended_at, transferred, flags))

    def _row(self, call: _Call, ended_at: datetime | None, transferred: int, flags: int = 0) -> dict:
        return {
            "call_id": call.call_id,
            "site": self._site(call.queue),
            "skill_group": self._group_of(call.queue),
            "arrived_at": call.arrived_at,
            "queued_at": call.arrived_at,
            "answered_at": call.answered_at,
            "ended_at": ended_at,
            "agent_id": call.agent_id,
            "wrap_up_seconds": None,
            "transferred": transferred,
            "direction": "inbound",
            "quality_flags": flags,
        }

    def _restart(self, when: datetime) -> Iterator[tuple[str, dict]]:
        """QUEUESTART: Asterisk started again, so no call of before is still waiting or talking."""
        self.stats.restarts += 1
        for state in self._callids.values():
            for call in state.open:
                ended = self._not_before(when, call.answered_at or call.arrived_at)
                yield self._call_row(call, ended_at=ended, transferred=0, flags=FLAG_ENDED_BY_RESTART)
            state.open.clear()
        for record in self._agents.values():
            if record.calls:
                record.calls.clear()
                yield from self._agent_state(when, record.name, record.last_queue or "NONE", record)

    def _forget(self, state: _Callid) -> Iterator[tuple[str, dict]]:
        for call in state.open:
            if call.agent_id is not None and call.agent_id in self._agents:
                self._agents[call.agent_id].calls.discard(call.callid)
            yield self._call_row(call, ended_at=None, transferred=0)
        state.open.clear()

    def _evict_stale(self, now: datetime) -> Iterator[tuple[str, dict]]:
        limit = now - self._horizon
        callids = self._callids
        while callids:
            oldest = next(iter(callids.values()))
            if oldest.last_seen >= limit:
                break
            callids.popitem(last=False)
            yield from self._forget(oldest)

    def _flush_all(self) -> Iterator[tuple[str, dict]]:
        remaining = [call for state in self._callids.values() for call in state.open]
        remaining.sort(key=lambda call: call.arrived_at)
        for call in remaining:
            yield self._call_row(call, ended_at=None, transferred=0)
        self._callids.clear()

    # -- agents ------------------------------------------------------------
    def _agent_id(self, agent: str) -> str:
        agent_id = self._agent_ids.get(agent)
        if agent_id is None:
            mapped = self._agent_map.get(agent.strip())
            agent_id = self._agent_ids[agent] = mapped or normalise_agent_id(agent)
        return agent_id

    def _agent(self, agent: str) -> _Agent:
        agent_id = self._agent_id(agent)
        record = self._agents.get(agent_id)
        if record is None:
            record = self._agents[agent_id] = _Agent()
        record.name = agent
        return record

    def _site(self, queue: str) -> str:
        site = self._sites.get(queue)
        if site is None:
            site = self._sites[queue] = self._site_of(queue)
        return site

    def _agent_state(
        self, when: datetime, agent: str, queue: str, record: _Agent, state: str | None = None
    ) -> Iterator[tuple[str, dict]]:
        """Record the agent's new state (``state``, or the one implied by calls and pause).

        Nothing happens when (state, reason) is unchanged.  The row is held in
        ``_pending`` until the log moves past this instant, so that several
        changes logged at the same instant (``PAUSEALL`` then ``PAUSE|reason``,
        end of a call then ``PAUSE``) give one row with the final state.
        """
        reason = None
        if state is None:
            if record.calls:
                state = "on_call"
            elif record.paused:
                state, reason = "not_ready", record.pause_reason
            else:
                state = "available"
        if (state, reason) == (record.state, record.reason):
            return
        if record.since is not None and when < record.since:  # log out of order: keep rows in time order
            self.stats.clamped_times += 1
            when = record.since
        record.since = when
        agent_id = self._agent_id(agent)
        site_queue = queue if queue not in _NO_VALUE else (record.last_queue or "NONE")
        row = {
            "agent_id": agent_id,
            "agent_name": agent,
            "site": self._site(site_queue),
            "state": state,
            "reason": reason,
            "started_at": when,
        }
        base = (record.state, record.reason)
        record.state, record.reason = state, reason
        held = self._pending.get(agent_id)
        if held is not None:
            held_row, held_base = held
            if held_row["started_at"] == when:
                if (state, reason) == held_base:  # back where it was before this instant
                    del self._pending[agent_id]
                else:
                    self._pending[agent_id] = (row, held_base)
                return
            del self._pending[agent_id]
            yield self._emit_state(held_row)
        self._pending[agent_id] = (row, base)

    def _emit_state(self, row: dict) -> tuple[str, dict]:
        self.stats.agent_states += 1
        return ("agent_state", row)

    def _flush_pending(self) -> Iterator[tuple[str, dict]]:
        if self._pending:
            held = list(self._pending.values())
            self._pending.clear()
            for row, _base in held:
                yield self._emit_state(row)

    def _touch(self, agent: str, queue: str) -> _Agent | None:
        if agent in _NO_VALUE:
            return None
        record = self._agent(agent)
        if queue not in _NO_VALUE:
            record.last_queue = queue
        return record

    def _login(self, when: datetime, queue: str, agent: str, paused: bool) -> Iterator[tuple[str, dict]]:
        record = self._touch(agent, queue)
        if record is None:
            return
        if record.state in (None, "logged_out"):
            record.paused, record.pause_reason = False, None
        if paused and not record.paused:  # ADDMEMBER|PAUSED: added in the paused state
            record.paused = True
        if queue not in _NO_VALUE:
            record.queues.add(queue)
        yield from self._agent_state(when, agent, queue, record)

    def _logoff(
        self, when: datetime, queue: str, agent: str, remove_from: str | None
    ) -> Iterator[tuple[str, dict]]:
        record = self._touch(agent, queue)
        if record is None:
            return
        if remove_from is not None:
            record.queues.discard(remove_from)
            if record.queues:
                return
        record.queues.clear()
        record.calls.clear()
        record.paused, record.pause_reason = False, None
        yield from self._agent_state(when, agent, queue, record, state="logged_out")

    def _pause(
        self, when: datetime, queue: str, agent: str, reason: str | None
    ) -> Iterator[tuple[str, dict]]:
        record = self._touch(agent, queue)
        if record is None:
            return
        if queue not in _NO_VALUE:
            record.queues.add(queue)
        if reason is not None or not record.paused:
            record.pause_reason = reason
        record.paused = True
        yield from self._agent_state(when, agent, queue, record)

    def _unpause(self, when: datetime, queue: str, agent: str) -> Iterator[tuple[str, dict]]:
        record = self._touch(agent, queue)
        if record is None:
            return
        if queue not in _NO_VALUE:
            record.queues.add(queue)
        record.paused, record.pause_reason = False, None
        yield from self._agent_state(when, agent, queue, record)


class QueueLogRun(Iterator[tuple[str, dict]]):
    """Iterator returned by :func:`parse_queue_log`; ``.stats`` is final once it is exhausted."""

    def __init__(self, parser: QueueLogParser, lines: Iterable[str]) -> None:
        self.parser = parser
        self._rows = parser.parse(lines)

    def __iter__(self) -> QueueLogRun:
        return self

    def __next__(self) -> tuple[str, dict]:
        return next(self._rows)

    @property
    def stats(self) -> QueueLogStats:
        return self.parser.stats


def parse_queue_log(
    lines: Iterable[str],
    site_of: SiteOf,
    timezone: str = "UTC",
    on_reject: OnReject | None = None,
) -> QueueLogRun:
    """Parse queue_log lines lazily; the returned iterator has a ``.stats`` attribute.

    >>> rows = parse_queue_log(["1714554000|1714554000.1|sales|NONE|ENTERQUEUE||01234|1"], lambda q: "hq")
    >>> [(kind, row["call_id"], row["ended_at"]) for kind, row in rows]
    [('call', '1714554000.1', None)]
    >>> rows.stats.unterminated_calls
    1
    """
    return QueueLogRun(QueueLogParser(site_of, timezone=timezone, on_reject=on_reject), lines)
