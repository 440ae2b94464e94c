"""A seeded discrete-event simulation of a multi-site hotline, written into the canonical tables.

Calls arrive as a Poisson process per (site, skill group) with an intraday profile
(morning and afternoon peaks, quiet nights, lighter weekends), wait in a FIFO queue,
are answered by the longest-idle available agent or abandoned by the caller's patience. A caller who
abandoned may call again a few minutes later (same caller_id), or be called back by an idle agent of the
site (an outbound call to their number), or neither: the `/callbacks` list lives as it would on a real floor.
Agents work shifts with breaks and not-ready reasons.  Surveys follow a share of the
calls, complaints progress through the manual's stages, some late.  The same code
back-fills weeks of history in seconds and then keeps writing in real time.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import threading
import time as _time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from wallboard.data_access import schema
from wallboard.data_access.writes import to_stored, upsert
from wallboard.demo.centre import THREE_SITES, ZONE, CentreSpec

log = logging.getLogger(__name__)

OPENING_HOURS = (8, 21)  # local hours of the groups that are not staffed around the clock
# local shift start hour, length hours
DAY_SHIFTS = [(7.5, 9.0), (8.0, 9.0), (9.0, 9.5), (11.5, 9.0), (12.5, 8.5)]
NIGHT_SHIFT = (21.0, 10.5)
# relative arrival rate by local hour (peaks 9-11 and 14-16)
HOURLY = [0.10, 0.07, 0.05, 0.05, 0.06, 0.10, 0.25, 0.60, 1.15, 1.55, 1.65, 1.40, 1.00, 1.20, 1.55, 1.60,
          1.40, 1.10, 0.75, 0.55, 0.45, 0.35, 0.25, 0.15]
NOT_READY_REASONS = ["break", "lunch", "training", "meeting", "admin"]
SURVEY_TYPES = ["return_visit_no_purchase", "return_visit_non_surgical", "return_visit_surgical"]
COMPLAINT_CATEGORIES = ["service_attitude", "process", "quality", "billing", "suggestion"]
COMMENTS_GOOD = ["服务很好，解答清楚", "接通很快", "态度热情", "very helpful", "问题一次解决"]
COMMENTS_BAD = ["等待时间太长", "转了好几次", "没有解决问题", "waited too long", "态度一般"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红丹玲晨宇浩然欣怡子涵梓轩"
# what an abandoned caller's next contact is: (share, its kind, seconds after the abandon (low, high))
AFTER_ABANDON = ((0.30, "call_again", (120, 900)), (0.40, "call_back", (300, 1800)))  # the rest: nobody
CALL_BACK_PATIENCE = 3600  # an agent is looked for this long after the planned call-back time, then not at all
CALL_BACK_ANSWERED = 0.85  # callers who pick up when called back


def demo_config_toml(centre: CentreSpec = THREE_SITES) -> str:
    """The configuration that matches the simulated centre (written by `wallboard demo`)."""
    return centre.config_toml()


@dataclass
class Agent:
    agent_id: str
    name: str
    site: str
    group: str
    shift: tuple[float, float]
    days_off: tuple[int, int]
    state: str = "logged_out"
    since: float = 0.0
    on_shift: bool = False
    pending: tuple | None = None  # a break or logout waiting for the call to finish
    call: dict | None = None


class Simulation:
    """The centre's state and its event queue; `advance(t)` runs every event up to time t (epoch s)."""

    def __init__(self, start: datetime, seed: int = 1, centre: CentreSpec = THREE_SITES) -> None:
        self.centre = centre
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(ZONE)
        self.start = start.timestamp()
        self.now = self.start
        self.events: list[tuple] = []  # (time, sequence, kind, data)
        self.seq = itertools.count()
        self.queues: dict[tuple[str, str], deque] = {}
        self.agents: list[Agent] = []
        self.idle: dict[tuple[str, str], list[Agent]] = {}
        self.calls_changed: dict[str, dict] = {}
        self.states_new: list[dict] = []
        self.surveys_new: list[dict] = []
        self.complaints: dict[str, dict] = {}  # planned complaints (full timestamps)
        self.complaints_pending: set[str] = set()
        self.complaints_changed: dict[str, dict] = {}
        self.complaint_serial: dict[tuple[str, int, int], int] = {}
        self.call_serial = itertools.count(1)
        self._adopted: list[dict[str, dict]] = []
        self._lock = threading.Lock()
        self._make_agents()
        self.agents_at = {s.id: [a for a in self.agents if a.site == s.id] for s in centre.sites}
        # the three-site demo's complaint mix, else in proportion to the sites' rosters
        self.complaint_weights = ([5, 3, 2] if centre is THREE_SITES
                                  else [len(self.agents_at[s]) for s in self.agents_at])
        self.return_visit_group = "consult" if "consult" in centre.group else centre.groups[1].id
        first = self._local_midnight(self.start)
        self._schedule_day(first - 86400, chain=False)  # night shifts that began the evening before
        self._schedule_day(first)

    # ------------------------------------------------------------ set-up
    def _make_agents(self) -> None:
        n = 0
        for spec in self.centre.sites:
            site = spec.id
            for group, count in spec.agents.items():
                self.queues[(site, group)] = deque()
                self.idle[(site, group)] = []
                for i in range(count):
                    n += 1
                    night = self.centre.group[group].around_the_clock and i % 5 == 4
                    shift = NIGHT_SHIFT if night else DAY_SHIFTS[i % len(DAY_SHIFTS)]
                    name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11) % len(GIVEN)]
                    if n % 3 == 0:
                        name += GIVEN[(n * 5) % len(GIVEN)]
                    off = (n % 7, (n + 1) % 7)  # two consecutive days off, rotating over the week
                    self.agents.append(Agent(f"{site}{n:03d}", name, site, group, shift, off))

    def agent_rows(self) -> list[dict]:
        return [{"agent_id": a.agent_id, "agent_name": a.name, "site": a.site, "skill_group": a.group}
                for a in self.agents]

    def _local_midnight(self, t: float) -> float:
        local = datetime.fromtimestamp(t, self.zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def _push(self, t: float, kind: str, *data) -> None:
        heapq.heappush(self.events, (t, next(self.seq), kind, data))

    def _schedule_day(self, midnight: float, chain: bool = True) -> None:
        """Arrivals, shifts and complaints of one local day (scheduled lazily, a day ahead)."""
        day = datetime.fromtimestamp(midnight + 43200, self.zone)
        weekday = day.weekday()
        volume = 0.62 if weekday >= 5 else 1.0
        for spec in self.centre.sites:
            site = spec.id
            for group, count in spec.agents.items():
                daily = count * self.centre.group[group].calls_per_agent_day * volume * (0.9 + 0.2 * self.rng.random())
                for hour in range(24):
                    rate = daily * HOURLY[hour] / sum(HOURLY) / 3600.0
                    t = midnight + hour * 3600
                    end = t + 3600
                    while True:
                        t += self.rng.expovariate(rate)
                        if t >= end:
                            break
                        if t >= self.start:
                            self._push(t, "arrive", site, group, hour)
        for a in self.agents:
            if weekday in a.days_off:
                continue
            begin = midnight + a.shift[0] * 3600 + self.rng.uniform(-300, 300)
            length = a.shift[1] * 3600
            if begin + length > self.start:
                self._push(max(begin, self.start), "shift_start", a, begin + length)
                for frac, reason, minutes in ((0.25, "break", 15), (0.5, "lunch", 40), (0.75, "break", 15)):
                    at = begin + frac * length + self.rng.uniform(-900, 900)
                    if at > self.start:
                        self._push(at, "not_ready", a, reason, minutes * 60 * self.rng.uniform(0.8, 1.3))
                if self.rng.random() < 0.15:
                    at = begin + self.rng.uniform(0.1, 0.9) * length
                    if at > self.start:
                        self._push(at, "not_ready", a, self.rng.choice(NOT_READY_REASONS[2:]),
                                   self.rng.uniform(900, 2700))
        complaints = self.rng.randint(1, 5) if weekday < 5 else self.rng.randint(0, 2)
        for _ in range(round(complaints * self.centre.scale)):
            t = midnight + self.rng.uniform(8.5, 19) * 3600
            if t >= self.start:
                self._push(t, "complaint")
        for _ in range(round((self.rng.randint(10, 25) if weekday < 6 else 5) * self.centre.scale)):
            t = midnight + self.rng.uniform(9, 18) * 3600
            if t >= self.start:
                self._push(t, "return_visit")
        if chain:
            self._push(midnight + 86400 - 1, "next_day", midnight + 86400)

    # ------------------------------------------------------------ running
    def adopt_complaints(self, planned: dict[str, dict]) -> None:
        """Take over complaints still in progress from another simulation (thread-safe)."""
        with self._lock:
            self._adopted.append(planned)

    def end_open_calls(self) -> None:
        """End every call still in the IVR, queued or talking (a simulation that stops here must
        not leave calls "waiting" forever in the database)."""
        stamp = self._ts(self.now)
        open_calls = [c for q in self.queues.values() for c in q if c.get("_waiting")]
        open_calls += [data[-1] for _, _, kind, data in self.events
                       if kind in ("enqueue", "ivr_end", "answer", "hang_up") and isinstance(data[-1], dict)]
        open_calls += [data[1] for _, _, kind, data in self.events if kind == "call_back_end"]
        for call in open_calls:
            if call["ended_at"] is None:
                call["_waiting"] = False
                call["ended_at"] = stamp
                self.calls_changed[call["call_id"]] = call

    def pending_complaints(self) -> dict[str, dict]:
        return {cid: self.complaints[cid] for cid in self.complaints_pending}

    def advance(self, until: float) -> None:
        with self._lock:
            for planned in self._adopted:
                self.complaints.update(planned)
                self.complaints_pending.update(planned)
            self._adopted.clear()
        while self.events and self.events[0][0] <= until:
            self.now, _, kind, data = heapq.heappop(self.events)
            getattr(self, "_on_" + kind)(*data)
        self.now = until
        for cid in list(self.complaints_pending):
            self._publish_complaint(cid)

    def _set_state(self, a: Agent, state: str, reason: str | None = None) -> None:
        if a.state == "available" and state != "available":
            idle = self.idle[(a.site, a.group)]
            if a in idle:
                idle.remove(a)
        a.state, a.since = state, self.now
        self.states_new.append({"agent_id": a.agent_id, "site": a.site, "state": state, "reason": reason,
                                "started_at": self._ts(self.now)})
        if state == "available":
            self.idle[(a.site, a.group)].append(a)
            self._serve_queue(a.site, a.group)

    def _ts(self, t: float) -> datetime:
        return to_stored(datetime.fromtimestamp(t, UTC))

    def _on_next_day(self, midnight: float) -> None:
        self._schedule_day(midnight)

    def _on_shift_start(self, a: Agent, ends: float) -> None:
        a.on_shift = True
        self._push(ends, "shift_end", a)
        self._set_state(a, "available")

    def _on_shift_end(self, a: Agent) -> None:
        a.on_shift = False
        if a.state in ("on_call", "wrap_up"):
            a.pending = ("logout",)
        else:
            self._set_state(a, "logged_out")

    def _on_not_ready(self, a: Agent, reason: str, seconds: float) -> None:
        if not a.on_shift or a.state == "not_ready":
            return
        if a.state in ("on_call", "wrap_up"):
            a.pending = ("not_ready", reason, seconds)
            return
        self._set_state(a, "not_ready", reason)
        self._push(self.now + seconds, "ready", a)

    def _on_ready(self, a: Agent) -> None:
        if a.on_shift and a.state == "not_ready":
            self._set_state(a, "available")

    def _on_arrive(self, site: str, group: str, hour: int, caller: str | None = None) -> None:
        local = datetime.fromtimestamp(self.now, self.zone)
        call_id = f"{site}-{local:%Y%m%d}-{next(self.call_serial):07d}"
        call = {"call_id": call_id, "site": site, "skill_group": group, "arrived_at": self._ts(self.now),
                "queued_at": None, "answered_at": None, "ended_at": None, "agent_id": None, "wrap_up_seconds": None,
                "transferred": 0, "direction": "inbound",
                "caller_id": caller or f"1{self.rng.randint(3000000000, 9999999999)}",
                "category": None, "quality_flags": 0}
        self.calls_changed[call_id] = call
        closed = not self.centre.group[group].around_the_clock and not OPENING_HOURS[0] <= hour < OPENING_HOURS[1]
        if closed or self.rng.random() < 0.12:  # served by the IVR alone (or the closed-hours message)
            self._push(self.now + self.rng.uniform(30, 150), "ivr_end", call)
            return
        self._push(self.now + self.rng.uniform(8, 35), "enqueue", call)

    def _on_ivr_end(self, call: dict) -> None:
        call["ended_at"] = self._ts(self.now)
        self.calls_changed[call["call_id"]] = call

    def _on_enqueue(self, call: dict) -> None:
        call["queued_at"] = self._ts(self.now)
        self.calls_changed[call["call_id"]] = call
        key = (call["site"], call["skill_group"])
        call["_waiting"] = True
        self.queues[key].append(call)
        patience = self.rng.expovariate(1.0 / self.centre.group[call["skill_group"]].patience_seconds)
        self._push(self.now + patience, "abandon", call)
        self._serve_queue(*key)

    def _on_abandon(self, call: dict) -> None:
        if call.get("_waiting"):
            call["_waiting"] = False
            call["ended_at"] = self._ts(self.now)
            self.calls_changed[call["call_id"]] = call
            self._after_abandon(call)

    def _after_abandon(self, call: dict) -> None:
        """Some callers try again a few minutes later; some are called back by the site; the rest by nobody."""
        draw, share = self.rng.random(), 0.0
        for part, kind, (low, high) in AFTER_ABANDON:
            share += part
            if draw < share:
                at = self.now + self.rng.uniform(low, high)
                site, group, number = call["site"], call["skill_group"], call["caller_id"]
                if kind == "call_again":
                    self._push(at, "arrive", site, group, datetime.fromtimestamp(at, self.zone).hour, number)
                else:
                    self._push(at, "call_back", site, group, number, at + CALL_BACK_PATIENCE)
                return

    def _on_call_back(self, site: str, group: str, number: str, give_up: float) -> None:
        """The longest-idle agent of the caller's site and group dials them (an outbound call: no queue); with
        nobody idle, tried again a minute or two later until `give_up` (the caller then stays on the list)."""
        idle = self.idle[(site, group)]
        if not idle:
            if self.now < give_up:
                self._push(self.now + self.rng.uniform(60, 180), "call_back", site, group, number, give_up)
            return
        a = idle[0]
        local = datetime.fromtimestamp(self.now, self.zone)
        call = {"call_id": f"{site}-{local:%Y%m%d}-CB{next(self.call_serial):07d}", "site": site,
                "skill_group": group, "arrived_at": self._ts(self.now), "queued_at": None, "answered_at": None,
                "ended_at": None, "agent_id": a.agent_id, "wrap_up_seconds": None, "transferred": 0,
                "direction": "outbound", "caller_id": number, "category": None, "quality_flags": 0}
        self.calls_changed[call["call_id"]] = call
        a.call = call
        self._set_state(a, "on_call")
        ring = self.rng.uniform(5, 25)
        if self.rng.random() < CALL_BACK_ANSWERED:
            talk = self.rng.lognormvariate(math.log(self.centre.group[group].talk_seconds * 0.6), 0.5)
            self._push(self.now + ring + min(talk, 1800), "call_back_end", a, call, ring)
        else:
            self._push(self.now + ring, "call_back_end", a, call, None)

    def _on_call_back_end(self, a: Agent, call: dict, ring: float | None) -> None:
        """The call-back ends (`ring`: seconds until the caller picked up, None: they did not); then wrap-up."""
        if ring is not None:
            call["answered_at"] = to_stored(call["arrived_at"] + timedelta(seconds=ring))
        call["ended_at"] = self._ts(self.now)
        self.calls_changed[call["call_id"]] = call
        if ring is None:  # nobody picked up: nothing to wrap up
            self._on_wrap_end(a)
            return
        call["wrap_up_seconds"] = wrap = round(self.rng.uniform(10, 40))
        self._set_state(a, "wrap_up")
        self._push(self.now + wrap, "wrap_end", a)

    def _serve_queue(self, site: str, group: str) -> None:
        queue, idle = self.queues[(site, group)], self.idle[(site, group)]
        while queue and idle:
            call = queue.popleft()
            if not call.get("_waiting"):
                continue
            call["_waiting"] = False
            a = idle.pop(0)  # longest idle first
            a.call = call
            ring = self.rng.uniform(2, 6)
            a.state = "ringing"  # reserved; becomes on_call when answered
            self._push(self.now + ring, "answer", a, call)

    def _on_answer(self, a: Agent, call: dict) -> None:
        call["answered_at"] = self._ts(self.now)
        call["agent_id"] = a.agent_id
        self.calls_changed[call["call_id"]] = call
        self._set_state(a, "on_call")
        mean = self.centre.group[call["skill_group"]].talk_seconds
        talk = self.rng.lognormvariate(math.log(mean) - 0.18, 0.6)
        self._push(self.now + min(talk, 3600), "hang_up", a, call)

    def _on_hang_up(self, a: Agent, call: dict) -> None:
        call["ended_at"] = self._ts(self.now)
        call["transferred"] = 1 if self.rng.random() < 0.06 else 0
        wrap = self.rng.uniform(10, 60)
        call["wrap_up_seconds"] = round(wrap)
        self.calls_changed[call["call_id"]] = call
        self._set_state(a, "wrap_up")
        self._push(self.now + round(wrap), "wrap_end", a)
        if self.rng.random() < 0.22:
            self._survey(call, a)

    def _on_wrap_end(self, a: Agent) -> None:
        a.call = None
        pending, a.pending = a.pending, None
        if pending and pending[0] == "logout":
            self._set_state(a, "logged_out")
        elif pending and pending[0] == "not_ready" and a.on_shift:
            self._set_state(a, "not_ready", pending[1])
            self._push(self.now + pending[2], "ready", a)
        else:
            self._set_state(a, "available")

    def _survey(self, call: dict, a: Agent) -> None:
        wait = (call["answered_at"] - call["queued_at"]).total_seconds()
        base = 4.6 - min(wait, 180) / 90
        score = max(1, min(5, round(self.rng.gauss(base, 0.8))))
        comment = None
        if self.rng.random() < 0.3:
            comment = self.rng.choice(COMMENTS_GOOD if score >= 4 else COMMENTS_BAD)
        self.surveys_new.append({
            "survey_id": f"S-{call['call_id']}", "call_id": call["call_id"], "site": call["site"],
            "skill_group": call["skill_group"], "agent_id": a.agent_id,
            "submitted_at": self._ts(self.now + self.rng.uniform(30, 300)), "score": score,
            "survey_type": "post_call", "comment": comment})

    def _on_return_visit(self) -> None:
        site = self.rng.choice(self.centre.site_ids)
        agent = self.rng.choice(self.agents_at[site])
        score = max(1, min(5, round(self.rng.gauss(4.3, 0.8))))
        self.surveys_new.append({
            "survey_id": f"RV-{site}-{next(self.call_serial):07d}", "call_id": None, "site": site,
            "skill_group": self.return_visit_group, "agent_id": agent.agent_id, "submitted_at": self._ts(self.now),
            "score": score, "survey_type": self.rng.choice(SURVEY_TYPES),
            "comment": self.rng.choice(COMMENTS_GOOD if score >= 4 else COMMENTS_BAD)
            if self.rng.random() < 0.4 else None})

    def _on_complaint(self) -> None:
        rng = self.rng
        site = rng.choices(self.centre.site_ids, weights=self.complaint_weights)[0]
        local = datetime.fromtimestamp(self.now, self.zone)
        serial_key = (site, local.year, local.month)
        self.complaint_serial[serial_key] = self.complaint_serial.get(serial_key, 0) + 1
        cid = f"{site}-{local.year}-{local.month:02d}-{self.complaint_serial[serial_key]:02d}"
        h = 3600.0
        late = rng.random() < 0.18  # some stages late, as in any real centre
        t = self.now
        handed = t + rng.uniform(0.5, 10) * h + (rng.uniform(3, 20) * h if late and rng.random() < 0.4 else 0)
        registered = handed + rng.uniform(1, 20) * h + (rng.uniform(5, 30) * h if late and rng.random() < 0.4 else 0)
        contact = registered + rng.uniform(4, 60) * h + (rng.uniform(24, 96) * h if late else 0)
        closed = contact + rng.uniform(1, 5) * 86400 + (rng.uniform(3, 10) * 86400 if late else 0)
        refund_requested = contact + rng.uniform(2, 24) * h if rng.random() < 0.2 else None
        refund_done = refund_requested + rng.uniform(6, 70) * h if refund_requested else None
        archived = closed + rng.uniform(1, 30) * h
        self.complaints[cid] = {
            "complaint_id": cid, "site": site, "category": rng.choice(COMPLAINT_CATEGORIES),
            "severity": rng.choices(["I", "II", "III", "IV", "V"], weights=[40, 30, 18, 9, 3])[0],
            "channel": rng.choice(["phone", "online", "walk_in", "return_visit"]),
            "owner": rng.choice(self.agents_at[site]).name,
            "received_at": t, "handed_over_at": handed, "registered_at": registered, "first_contact_at": contact,
            "refund_requested_at": refund_requested, "refund_completed_at": refund_done, "closed_at": closed,
            "archived_at": archived, "_published": None}
        self.complaints_pending.add(cid)

    def _publish_complaint(self, cid: str) -> None:
        """Make a complaint's stages visible as their times pass (nothing from the future is written)."""
        plan = self.complaints[cid]
        visible = {k: (self._ts(v) if isinstance(v, float) and v <= self.now else None)
                   for k, v in plan.items() if k.endswith("_at")}
        row = {k: v for k, v in plan.items() if not k.endswith("_at") and not k.startswith("_")} | visible
        if row != plan["_published"]:
            plan["_published"] = row
            self.complaints_changed[cid] = row
        if all(v is None or v <= self.now for k, v in plan.items() if k.endswith("_at")):
            self.complaints_pending.discard(cid)
            del self.complaints[cid]

    def take_changes(self) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        """Rows changed since the last call: calls, agent states, surveys (submitted by now), complaints."""
        calls = [{k: v for k, v in c.items() if not k.startswith("_")} for c in self.calls_changed.values()]
        self.calls_changed = {}
        states, self.states_new = self.states_new, []
        cutoff = self._ts(self.now)
        surveys = [s for s in self.surveys_new if s["submitted_at"] <= cutoff]
        self.surveys_new = [s for s in self.surveys_new if s["submitted_at"] > cutoff]
        complaints = list(self.complaints_changed.values())
        self.complaints_changed = {}
        return calls, states, surveys, complaints


def write_changes(calls_engine: Engine, tickets_engine: Engine, changes: tuple[list[dict], ...],
           chunk: int = 5000) -> None:
    calls, states, surveys, complaints = changes
    for table, key, rows, engine in ((schema.calls, ("call_id",), calls, calls_engine),
                                     (schema.agent_states, ("agent_id", "started_at"), states, calls_engine),
                                     (schema.surveys, ("survey_id",), surveys, tickets_engine),
                                     (schema.complaints, ("complaint_id",), complaints, tickets_engine)):
        for i in range(0, len(rows), chunk):
            with engine.begin() as conn:
                upsert(conn, table, key, rows[i:i + chunk])


def _merge(old: tuple[list[dict], ...] | None, new: tuple[list[dict], ...]) -> tuple[list[dict], ...]:
    """Changes not yet written plus newer ones (a newer version of a call replaces the older)."""
    if old is None:
        return new
    keys = ("call_id", None, "survey_id", "complaint_id")
    merged = []
    for key, a, b in zip(keys, old, new, strict=True):
        if key is None:
            merged.append(a + b)
        else:
            merged.append(list({r[key]: r for r in a + b}.values()))
    return tuple(merged)


def backfill(calls_engine: Engine, tickets_engine: Engine, history_days: float, seed: int = 1,
             now: datetime | None = None, progress=None, until: datetime | None = None,
             centre: CentreSpec = THREE_SITES) -> Simulation:
    """Simulate from local midnight `history_days` before `now` up to `until` (default now), writing everything."""
    now = now or datetime.now(UTC)
    start_local = (now - timedelta(days=history_days)).astimezone(ZoneInfo(ZONE))
    start = start_local.replace(hour=0, minute=0, second=0, microsecond=0)
    sim = Simulation(start, seed, centre)
    with calls_engine.begin() as conn:
        upsert(conn, schema.agents, ("agent_id",), sim.agent_rows())
    day = 86400.0
    t = sim.start
    target = (until or now).timestamp()
    while t < target:  # a day at a time keeps memory flat for long histories
        t = min(t + day, target)
        sim.advance(t)
        write_changes(calls_engine, tickets_engine, sim.take_changes())
        if progress:
            progress(t - sim.start, target - sim.start)
    return sim


def start_demo_traffic(calls_engine: Engine, tickets_engine: Engine, history_days: float, seed: int,
                       stop: threading.Event, recent_days: int = 1,
                       centre: CentreSpec = THREE_SITES) -> tuple[Simulation, threading.Thread | None]:
    """The demo's data: the last `recent_days` (and today) at once, then live traffic; older
    history is back-filled in a background thread so that the wall is up within seconds.

    The history simulation hands its complaints still in progress to the live one.
    """
    now = datetime.now(UTC)
    recent = min(float(recent_days), history_days)
    live = backfill(calls_engine, tickets_engine, recent, seed=seed, now=now, centre=centre)
    history_thread = None
    if history_days > recent:
        def fill_history() -> None:
            try:
                old = backfill(calls_engine, tickets_engine, history_days, seed=seed + 1, now=now,
                               until=datetime.fromtimestamp(live.start, UTC), centre=centre)
                old.end_open_calls()
                write_changes(calls_engine, tickets_engine, old.take_changes())
                live.adopt_complaints(old.pending_complaints())
                log.info("history back-fill of %g days finished", history_days)
            except Exception as e:  # the demo keeps running on the recent data
                log.warning("history back-fill failed: %s", e)
        history_thread = threading.Thread(target=fill_history, name="history-backfill", daemon=True)
        history_thread.start()
    threading.Thread(target=run_live, args=(calls_engine, tickets_engine, live, stop), name="simulator",
                     daemon=True).start()
    return live, history_thread


def run_live(calls_engine: Engine, tickets_engine: Engine, sim: Simulation, stop: threading.Event,
             tick: float = 1.0) -> None:
    """Keep simulating in real time, writing changes every `tick` seconds, until `stop` is set."""
    backlog = None
    while not stop.is_set():
        sim.advance(_time.time())
        backlog = _merge(backlog, sim.take_changes())
        try:
            write_changes(calls_engine, tickets_engine, backlog)
            backlog = None
        except Exception as e:  # the database may be locked or down: keep the rows, retry next tick
            log.warning("simulator write failed (will retry): %s", " ".join(str(e).split())[:200])
        stop.wait(tick)
