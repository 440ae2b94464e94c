"""Synthetic contact-centre data for the benchmarks, generated with numpy (vectorised, seeded).

Shapes follow `wallboard.demo.simulator` (intraday profile with morning and
afternoon peaks, 12 % IVR-only, exponential patience, lognormal talk, 10-60 s wrap-up,
6 % transfers, ~20 % post-call surveys) but at a scale the event simulation cannot
reach quickly: 600 sites (S001..S600, sizes lognormal), four skill groups, about
5,000 agents on shifts.  Each day is generated from its own seed, so the last day of a
30-day data set is the same as a 1-day data set ending on that day.

Times are epoch milliseconds (float64, NaN = empty) until they are written: as naive
UTC text for the databases, as local time without offset for canonical CSV files.
Agent states are derived from the answered calls and the shifts; they have the volume
and the timing of real ones, not a fully consistent state machine (an agent's calls may
overlap a break).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

ZONE = "Asia/Shanghai"
GROUPS = ("claims", "consult", "vip", "rescue")
GROUP_MIX = np.array([0.45, 0.35, 0.10, 0.10])
TALK_MEAN = np.array([200.0, 230.0, 240.0, 160.0])  # seconds
PATIENCE_MEAN = np.array([120.0, 140.0, 90.0, 80.0])  # seconds
ALL_DAY = np.array([True, False, False, True])  # staffed around the clock; the others 08-21
GROUP_SETTINGS = {"claims": (20, 0.80), "consult": (20, 0.80), "vip": (10, 0.90), "rescue": (15, 0.85)}
OPENING = (8, 21)
# relative arrival rate by local hour (the simulator's profile)
HOURLY = np.array([0.10, 0.07, 0.05, 0.05, 0.06, 0.10, 0.25, 0.60, 1.15, 1.55, 1.65, 1.40, 1.00, 1.20, 1.55,
                   1.60, 1.40, 1.10, 0.75, 0.55, 0.45, 0.35, 0.25, 0.15])
HOUR_P = HOURLY / HOURLY.sum()
LOAD = HOURLY / HOURLY.max()
WEEKDAY_FACTOR, WEEKEND_FACTOR = 1.08, 0.80  # weekly mean = 1
DAY_SHIFTS = [(7.5, 9.0), (8.0, 9.0), (9.0, 9.5), (11.5, 9.0), (12.5, 8.5)]
NIGHT_SHIFT = (21.0, 10.5)
OUTBOUND_SHARE = 0.03
IVR_SHARE = 0.12
SURVEY_SHARE = 0.20
OUT_OF_ORDER_SHARE = 0.001  # answered a second before the queue entry: flagged rows
CATEGORIES = np.array(["claim_report", "policy_query", "complaint", "roadside", "billing"], dtype=object)
COMMENTS = np.array(["服务很好，解答清楚", "接通很快", "等待时间太长", "waited too long", "问题一次解决"], dtype=object)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红丹玲晨宇浩然欣怡子涵梓轩"

CALL_COLUMNS = ("call_id", "site", "skill_group", "arrived_at", "queued_at", "answered_at", "ended_at", "agent_id",
                "wrap_up_seconds", "transferred", "direction", "caller_id", "category", "quality_flags")
SURVEY_COLUMNS = ("survey_id", "call_id", "site", "skill_group", "agent_id", "submitted_at", "score", "survey_type",
                  "comment")
STATE_COLUMNS = ("agent_id", "started_at", "site", "state", "reason")
AGENT_COLUMNS = ("agent_id", "agent_name", "site", "skill_group")
COMPLAINT_COLUMNS = ("complaint_id", "site", "category", "severity", "channel", "received_at", "handed_over_at",
                     "registered_at", "first_contact_at", "refund_requested_at", "refund_completed_at", "closed_at",
                     "archived_at", "owner")
TIME_COLUMNS = {"arrived_at", "queued_at", "answered_at", "ended_at", "submitted_at", "started_at", "received_at",
                "handed_over_at", "registered_at", "first_contact_at", "refund_requested_at", "refund_completed_at",
                "closed_at", "archived_at"}

Frame = dict[str, np.ndarray]  # column name -> array of equal length


def local_ms(day: date, zone: str = ZONE, at: time = time(0)) -> float:
    """Epoch milliseconds of a local wall time."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).timestamp() * 1000.0


def frame_len(frame: Frame) -> int:
    return len(next(iter(frame.values())))


@dataclass
class Centre:
    """Sites, agents and their shifts; which agents of a (site, group) are on shift at each hour."""

    site_ids: np.ndarray
    site_weight: np.ndarray
    site_wait: np.ndarray  # understaffed sites wait longer
    agent_ids: np.ndarray
    agent_names: np.ndarray
    agent_site: np.ndarray
    agent_group: np.ndarray
    shift_start: np.ndarray  # local hours
    shift_len: np.ndarray
    pick_offset: np.ndarray  # index (site * 4 + group) * 24 + hour
    pick_count: np.ndarray
    pick_flat: np.ndarray

    @classmethod
    def build(cls, sites: int = 600, agents: int = 3800, seed: int = 1) -> Centre:
        rng = np.random.default_rng([seed, 0])
        site_ids = np.array([f"S{i:03d}" for i in range(1, sites + 1)], dtype=object)
        weight = rng.lognormal(0.0, 0.6, sites)
        weight /= weight.sum()
        site_wait = rng.lognormal(0.0, 0.35, sites)
        per = np.maximum(1, np.rint(agents * weight[:, None] * GROUP_MIX[None, :])).astype(int)  # (sites, groups)
        per[:, ALL_DAY] = np.maximum(per[:, ALL_DAY], 2)  # someone on the night shift everywhere
        ids, names, a_site, a_group, start, length = [], [], [], [], [], []
        n = 0
        for s in range(sites):
            for g in range(len(GROUPS)):
                for i in range(per[s, g]):
                    n += 1
                    night = ALL_DAY[g] and (i % 5 == 4 or i == per[s, g] - 1)
                    shift = NIGHT_SHIFT if night else DAY_SHIFTS[i % len(DAY_SHIFTS)]
                    ids.append(f"{site_ids[s]}-A{g}{i:02d}")
                    name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11) % len(GIVEN)]
                    names.append(name + (GIVEN[(n * 5) % len(GIVEN)] if n % 3 == 0 else ""))
                    a_site.append(s)
                    a_group.append(g)
                    start.append(shift[0])
                    length.append(shift[1])
        a_site_arr, a_group_arr = np.array(a_site), np.array(a_group)
        start_arr, len_arr = np.array(start), np.array(length)
        # agents of each (site, group) on shift at the middle of each local hour (all of them if none is)
        order = np.lexsort((np.arange(n), a_group_arr, a_site_arr))
        offsets, counts, flat = [], [], []
        bounds = np.searchsorted(a_site_arr[order] * len(GROUPS) + a_group_arr[order],
                                 np.arange(sites * len(GROUPS) + 1))
        for key in range(sites * len(GROUPS)):
            members = order[bounds[key]:bounds[key + 1]]
            for hour in range(24):
                on = members[((hour + 0.5 - start_arr[members]) % 24) < len_arr[members]]
                chosen = on if len(on) else members
                offsets.append(len(flat))
                counts.append(len(chosen))
                flat.extend(chosen.tolist())
        return cls(site_ids, weight, site_wait, np.array(ids, dtype=object), np.array(names, dtype=object),
                   a_site_arr, a_group_arr, start_arr, len_arr, np.array(offsets), np.array(counts), np.array(flat))

    def agents_frame(self) -> Frame:
        return {"agent_id": self.agent_ids, "agent_name": self.agent_names,
                "site": self.site_ids[self.agent_site], "skill_group": np.array(GROUPS, dtype=object)[self.agent_group]}


def _nan_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = values.astype(float).copy()
    out[mask] = np.nan
    return out


def calls_for_day(centre: Centre, day: date, calls_per_day: float, seed: int = 1, cut_ms: float | None = None,
                  zone: str = ZONE) -> tuple[Frame, Frame]:
    """(calls, surveys) of one local day; with `cut_ms`, as the tables look at that moment."""
    rng = np.random.default_rng([seed, day.toordinal()])
    factor = WEEKEND_FACTOR if day.weekday() >= 5 else WEEKDAY_FACTOR
    n = int(rng.poisson(calls_per_day * factor))
    hour = rng.choice(24, size=n, p=HOUR_P)
    second = hour * 3600.0 + rng.random(n) * 3600.0
    order = np.argsort(second, kind="stable")  # an ACD writes calls in time order
    hour, second = hour[order], second[order]
    site = rng.choice(len(centre.site_ids), size=n, p=centre.site_weight)
    group = rng.choice(len(GROUPS), size=n, p=GROUP_MIX)
    arrived = np.rint(local_ms(day, zone) + second * 1000.0)

    outbound = rng.random(n) < OUTBOUND_SHARE
    closed = ~ALL_DAY[group] & ((hour < OPENING[0]) | (hour >= OPENING[1]))
    ivr = ~outbound & (closed | (rng.random(n) < IVR_SHARE))
    queued_in = ~outbound & ~ivr
    queued = np.where(outbound, arrived, arrived + np.rint(rng.uniform(8, 35, n) * 1000))
    mean_wait = (3.0 + 14.0 * LOAD[hour] ** 2) * centre.site_wait[site]
    wait = rng.exponential(mean_wait)
    patience = rng.exponential(PATIENCE_MEAN[group])
    answered_in = queued_in & (wait < patience)
    answered_out = outbound & (rng.random(n) < 0.75)
    answered_mask = answered_in | answered_out
    answered = np.where(outbound, arrived + np.rint(rng.uniform(5, 25, n) * 1000), queued + np.rint(wait * 1000))
    talk = np.minimum(rng.lognormal(np.log(TALK_MEAN[group]) - 0.18, 0.6), 3600.0)
    ended = np.where(answered_mask, answered + np.rint(talk * 1000),
                     np.where(ivr, arrived + np.rint(rng.uniform(30, 150, n) * 1000),
                              np.where(outbound, arrived + np.rint(rng.uniform(20, 40, n) * 1000),
                                       queued + np.rint(patience * 1000))))
    swapped = answered_in & (rng.random(n) < OUT_OF_ORDER_SHARE)
    answered = np.where(swapped, queued - 1000.0, answered)
    wrap = np.where(answered_mask, np.rint(rng.uniform(10, 60, n)), np.nan)
    transferred = (answered_mask & (rng.random(n) < 0.06)).astype(np.int16)
    key = (site * len(GROUPS) + group) * 24 + hour
    agent_idx = centre.pick_flat[centre.pick_offset[key] + (rng.random(n) * centre.pick_count[key]).astype(int)]
    queued = _nan_where(queued, ivr)
    answered = _nan_where(answered, ~answered_mask)

    if cut_ms is not None:  # the moment `cut_ms`: nothing from the future
        keep = arrived <= cut_ms
        queued[queued > cut_ms] = np.nan
        answered[np.isnan(queued) | (answered > cut_ms)] = np.nan
        ended[ended > cut_ms] = np.nan
        ended[np.isnan(queued) & ~ivr & ~outbound] = np.nan  # still in the IVR, will queue
        ended[~np.isnan(queued) & np.isnan(answered) & answered_mask] = np.nan  # will be answered
        answered_mask = ~np.isnan(answered)
        wrap[np.isnan(ended) | ~answered_mask] = np.nan
        transferred[np.isnan(ended)] = 0
    else:
        keep = np.ones(n, dtype=bool)
    flags = np.where(answered_mask & (answered < np.nan_to_num(queued, nan=-1)), 1, 0).astype(np.int16)
    seq = np.char.zfill(np.arange(n).astype(str), 6)
    call_id = np.char.add(np.char.add(centre.site_ids[site].astype(str), f"-{day:%Y%m%d}-"), seq).astype(object)
    caller = np.char.add("1", rng.integers(3_000_000_000, 9_999_999_999, n).astype(str)).astype(object)
    category = CATEGORIES[rng.integers(0, len(CATEGORIES), n)]
    category[~answered_mask | (rng.random(n) < 0.3)] = None
    agent = centre.agent_ids[agent_idx].copy()
    agent[~answered_mask] = None
    calls = {
        "call_id": call_id, "site": centre.site_ids[site], "skill_group": np.array(GROUPS, dtype=object)[group],
        "arrived_at": arrived.astype(float), "queued_at": queued, "answered_at": answered, "ended_at": ended,
        "agent_id": agent, "wrap_up_seconds": wrap, "transferred": transferred,
        "direction": np.where(outbound, "outbound", "inbound").astype(object), "caller_id": caller,
        "category": category, "quality_flags": flags,
    }
    calls = {k: v[keep] for k, v in calls.items()}

    # post-call surveys: a share of the answered inbound calls that have ended
    c = calls
    done = (c["direction"] == "inbound") & ~np.isnan(c["answered_at"]) & ~np.isnan(c["ended_at"])
    pick = done & (rng.random(len(done)) < SURVEY_SHARE)
    submitted = c["ended_at"][pick] + np.rint(rng.uniform(30, 300, pick.sum()) * 1000)
    waited = np.clip((c["answered_at"][pick] - c["queued_at"][pick]) / 1000.0, 0, 180)
    score = np.clip(np.rint(rng.normal(4.6 - waited / 90.0, 0.8)), 1, 5).astype(np.int16)
    comment = COMMENTS[rng.integers(0, len(COMMENTS), pick.sum())]
    comment[rng.random(pick.sum()) > 0.1] = None
    surveys = {"survey_id": np.char.add("SV-", c["call_id"][pick].astype(str)).astype(object),
               "call_id": c["call_id"][pick], "site": c["site"][pick], "skill_group": c["skill_group"][pick],
               "agent_id": c["agent_id"][pick], "submitted_at": submitted, "score": score,
               "survey_type": np.full(pick.sum(), "post_call", dtype=object), "comment": comment}
    if cut_ms is not None:
        keep_s = submitted <= cut_ms
        surveys = {k: v[keep_s] for k, v in surveys.items()}
    return calls, surveys


def agent_states_for_day(centre: Centre, day: date, calls: Frame | None, seed: int = 1,
                         cut_ms: float | None = None, zone: str = ZONE) -> Frame:
    """The agents' state rows of one local day (plus the night shift that began the evening before).

    Without `calls`, only the shifts and breaks (logins, pauses, logouts)."""
    rng = np.random.default_rng([seed, day.toordinal(), 1])
    if calls is None:
        calls = {"agent_id": np.array([], dtype=object), "direction": np.array([], dtype=object),
                 "answered_at": np.array([]), "ended_at": np.array([]), "wrap_up_seconds": np.array([])}
    midnight = local_ms(day, zone)
    n = len(centre.agent_ids)
    night = np.flatnonzero(centre.shift_start >= 20)
    idx = np.concatenate([np.arange(n), night])  # night shifts: the one that began the evening before, too
    hours = np.concatenate([centre.shift_start, centre.shift_start[night] - 24])
    start = midnight + hours * 3_600_000 + rng.uniform(-300, 300, len(idx)) * 1000
    end = start + centre.shift_len[idx] * 3_600_000
    # the calls: on_call when answered, wrap_up when ended, available after the wrap-up
    index_of = {a: i for i, a in enumerate(centre.agent_ids)}
    has = np.array([a is not None for a in calls["agent_id"]], dtype=bool) & (calls["direction"] == "inbound")
    who = np.array([index_of[a] for a in calls["agent_id"][has]], dtype=int)
    answered, ended, wrap = calls["answered_at"][has], calls["ended_at"][has], calls["wrap_up_seconds"][has]
    ok_end = ~np.isnan(ended)
    free = ended[ok_end] + np.nan_to_num(wrap[ok_end]) * 1000
    # an agent logs out after the last call of the shift (a night shift's morning belongs to the one before)
    position = np.full(n, -1)
    position[night] = n + np.arange(len(night))
    call_end = np.where(ok_end, np.nan, answered)
    call_end[ok_end] = free
    shift_of = np.where((position[who] >= 0) & (call_end < midnight + 14 * 3_600_000), position[who], who)
    last = np.full(len(idx), -np.inf)
    np.maximum.at(last, shift_of, call_end)
    end = np.maximum(end, last + 1000)
    agent_parts, time_parts = [idx, idx], [start, end]
    state_parts = [np.full(len(idx), "available", dtype=object), np.full(len(idx), "logged_out", dtype=object)]
    reason_parts = [np.full(len(idx), None, dtype=object)] * 2
    for frac, reason, minutes in ((0.25, "break", 15), (0.5, "lunch", 40), (0.75, "break", 15)):
        at = start + frac * (end - start) + rng.uniform(-900, 900, len(idx)) * 1000
        back = at + minutes * 60_000 * rng.uniform(0.8, 1.3, len(idx))
        agent_parts += [idx, idx]
        time_parts += [at, back]
        state_parts += [np.full(len(idx), "not_ready", dtype=object), np.full(len(idx), "available", dtype=object)]
        reason_parts += [np.full(len(idx), reason, dtype=object), np.full(len(idx), None, dtype=object)]
    agent_parts += [who, who[ok_end], who[ok_end]]
    time_parts += [answered, ended[ok_end], free]
    state_parts += [np.full(len(who), "on_call", dtype=object), np.full(ok_end.sum(), "wrap_up", dtype=object),
                    np.full(ok_end.sum(), "available", dtype=object)]
    reason_parts += [np.full(len(who), None, dtype=object), np.full(ok_end.sum(), None, dtype=object),
                     np.full(ok_end.sum(), None, dtype=object)]
    agent = np.concatenate(agent_parts)
    started = np.rint(np.concatenate(time_parts))
    state = np.concatenate(state_parts)
    reason = np.concatenate(reason_parts)
    keep = started <= cut_ms if cut_ms is not None else np.ones(len(started), dtype=bool)
    agent, started, state, reason = agent[keep], started[keep], state[keep], reason[keep]
    order = np.lexsort((started, agent))
    agent, started, state, reason = agent[order], started[order], state[order], reason[order]
    last = np.ones(len(agent), dtype=bool)  # one row per (agent, instant): the last wins
    last[:-1] = (agent[1:] != agent[:-1]) | (started[1:] != started[:-1])
    agent, started, state, reason = agent[last], started[last], state[last], reason[last]
    return {"agent_id": centre.agent_ids[agent], "started_at": started,
            "site": centre.site_ids[centre.agent_site[agent]], "state": state, "reason": reason}


def complaints_for_days(centre: Centre, days: list[date], per_day: float, seed: int = 1,
                        cut_ms: float | None = None, zone: str = ZONE) -> Frame:
    """Complaints received on the working days among `days`, their stages done as far as `cut_ms`."""
    rows: dict[str, list] = {c: [] for c in COMPLAINT_COLUMNS}
    serial: dict[tuple[str, int, int], int] = {}
    hour = 3_600_000.0
    for day in days:
        if day.weekday() >= 5:
            continue
        rng = np.random.default_rng([seed, day.toordinal(), 2])
        k = int(rng.poisson(per_day))
        site = rng.choice(len(centre.site_ids), size=k, p=centre.site_weight)
        received = np.sort(local_ms(day, zone) + rng.uniform(8.5, 19, k) * hour)
        late = rng.random(k) < 0.18
        handed = received + rng.uniform(0.5, 10, k) * hour + np.where(late & (rng.random(k) < 0.4),
                                                                      rng.uniform(3, 20, k) * hour, 0)
        registered = handed + rng.uniform(1, 20, k) * hour + np.where(late & (rng.random(k) < 0.4),
                                                                      rng.uniform(5, 30, k) * hour, 0)
        contact = registered + rng.uniform(4, 60, k) * hour + np.where(late, rng.uniform(24, 96, k) * hour, 0)
        closed = contact + rng.uniform(1, 5, k) * 24 * hour + np.where(late, rng.uniform(3, 10, k) * 24 * hour, 0)
        refund_req = np.where(rng.random(k) < 0.2, contact + rng.uniform(2, 24, k) * hour, np.nan)
        refund_done = refund_req + rng.uniform(6, 70, k) * hour
        archived = closed + rng.uniform(1, 30, k) * hour
        owners = centre.agent_names[rng.integers(0, len(centre.agent_names), k)]
        for i in range(k):
            sid = centre.site_ids[site[i]]
            skey = (sid, day.year, day.month)
            serial[skey] = serial.get(skey, 0) + 1
            rows["complaint_id"].append(f"{sid}-{day.year}-{day.month:02d}-{serial[skey]:03d}")
            rows["site"].append(sid)
            rows["owner"].append(owners[i])
        rows["category"] += rng.choice(["service_attitude", "process", "quality", "billing", "suggestion"],
                                       k).tolist()
        rows["severity"] += rng.choice(["I", "II", "III", "IV", "V"], k, p=[0.40, 0.30, 0.18, 0.09, 0.03]).tolist()
        rows["channel"] += rng.choice(["phone", "online", "walk_in", "return_visit"], k).tolist()
        for name, values in (("received_at", received), ("handed_over_at", handed), ("registered_at", registered),
                             ("first_contact_at", contact), ("refund_requested_at", refund_req),
                             ("refund_completed_at", refund_done), ("closed_at", closed),
                             ("archived_at", archived)):
            rows[name] += np.rint(values).tolist()
    frame = {c: np.array(v, dtype=float if c in TIME_COLUMNS else object) for c, v in rows.items()}
    if cut_ms is not None and frame_len(frame):
        keep = frame["received_at"] <= cut_ms
        frame = {c: v[keep] for c, v in frame.items()}
        for c in TIME_COLUMNS & set(frame):
            frame[c][frame[c] > cut_ms] = np.nan
    return frame


# ---------------------------------------------------------------- text forms

def utc_text(ms: np.ndarray) -> np.ndarray:
    """Epoch ms → 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's SQLite format; PostgreSQL reads it), None for NaN."""
    missing = np.isnan(ms)
    values = np.where(missing, 0, ms).astype("int64").astype("datetime64[ms]").astype("datetime64[us]")
    text = np.char.replace(np.datetime_as_string(values, unit="us"), "T", " ").astype(object)
    text[missing] = None
    return text


def local_text(ms: np.ndarray, offset_hours: float = 8.0) -> np.ndarray:
    """Epoch ms → local time without offset 'YYYY-MM-DD HH:MM:SS.fff' (how ACD exports look), '' for NaN."""
    missing = np.isnan(ms)
    values = (np.where(missing, 0, ms) + offset_hours * 3_600_000).astype("int64").astype("datetime64[ms]")
    text = np.char.replace(np.datetime_as_string(values, unit="ms"), "T", " ").astype(object)
    text[missing] = ""
    return text


def db_rows(frame: Frame, columns: tuple[str, ...]) -> list[tuple]:
    """Rows as tuples of Python values for a DB-API executemany / COPY (times as naive-UTC text)."""
    cols = []
    for c in columns:
        v = frame[c]
        if c in TIME_COLUMNS:
            cols.append(utc_text(v).tolist())
        elif v.dtype.kind == "f":
            cols.append([None if x != x else x for x in v.tolist()])
        else:
            cols.append(v.tolist())
    return list(zip(*cols, strict=True))


def write_calls_csv(path: str, centre: Centre, days: list[date], calls_per_day: float, seed: int = 1,
                    zone: str = ZONE, max_rows: int | None = None) -> int:
    """A canonical calls CSV (CONTRACT section 2), local times without offset; returns the number of rows.

    With `max_rows`, stops there (the days must hold enough calls)."""
    offset = ZoneInfo(zone).utcoffset(datetime.combine(days[0], time(12))).total_seconds() / 3600
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CALL_COLUMNS[:-1])  # quality_flags is the importer's
        for day in days:
            calls, _ = calls_for_day(centre, day, calls_per_day, seed, zone=zone)
            cols = []
            for c in CALL_COLUMNS[:-1]:
                v = calls[c]
                if c in TIME_COLUMNS:
                    cols.append(local_text(v, offset).tolist())
                elif c == "wrap_up_seconds":
                    cols.append(["" if x != x else int(x) for x in v.tolist()])
                else:
                    cols.append(["" if x is None else x for x in v.tolist()])
            lines = list(zip(*cols, strict=True))
            if max_rows is not None:
                lines = lines[:max_rows - rows]
            writer.writerows(lines)
            rows += len(lines)
            if max_rows is not None and rows >= max_rows:
                break
    return rows


def day_range(last: date, days: int) -> list[date]:
    return [last - timedelta(days=days - 1 - i) for i in range(days)]


def chunks(rows: list[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]
