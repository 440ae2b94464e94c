"""An emulated Asterisk: the queue_log events of a small centre, written as Asterisk's logger.c writes them.

* a file: one line per event, `epoch|callid|queue|agent|event|data…` (always a `|` after the event), appended and
  flushed line by line; a writer may stop in the middle of a line;
* the realtime table, with the exact columns of Asterisk's Alembic script
  (contrib/ast-db-manage/queue_log/versions/4105ee839f58: `id` BIGINT auto-increment, `time` DATETIME, `callid`
  80, `queuename` 256, `agent` 80, `event` 32, `data1`..`data5` 100), or the one `data` column Asterisk writes to
  when data1..5 are absent, with or without `id`; `time` as `%F %T.%6q` in local time or GMT
  (queue_log_realtime_use_gmt); the arguments split as app.c does (the 5th column keeps the rest, pipes and all),
  empty columns '' not NULL.

Events come from `scenario`: calls answered (CONNECT, COMPLETECALLER/AGENT, BLINDTRANSFER), abandoned, timed out,
left by key or withdrawn, missed rings, members added and removed, pauses with reasons (PAUSEALL then one PAUSE
per queue), and optionally Asterisk restarting (QUEUESTART) with calls waiting and talking.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, column, insert
from sqlalchemy import table as table_clause

START = 1764990000  # 2025-12-06 03:00 UTC, 11:00 in Shanghai


@dataclass(frozen=True)
class Event:
    epoch: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.epoch}|{self.callid}|{self.queue}|{self.agent}|{self.event}|" + "|".join(self.data)


def scenario(calls: int = 300, agents: int = 8, queues: tuple[str, ...] = ("400-claims", "400-vip"), seed: int = 1,
             start: int = START, gap: float = 6.0, restart_after: int | None = None) -> list[Event]:
    """A centre's events in the order Asterisk logs them (time, then the order they happened)."""
    rnd = random.Random(seed)
    members = [f"PJSIP/{1001 + i}" for i in range(agents)]
    out: list[tuple[int, int, Event]] = []
    seq = [0]

    def log(t: float, *args) -> None:
        seq[0] += 1
        out.append((int(t), seq[0], Event(int(t), *args)))

    for m in members:
        for q in queues:
            log(start - 60, "MANAGER", q, m, "ADDMEMBER", ("",))
    busy = dict.fromkeys(members, float(start))
    t = float(start)
    restart_at = None
    for i in range(calls):
        t += rnd.expovariate(1 / gap)
        if restart_after is not None and i == restart_after:
            restart_at = t
            log(t, "NONE", "NONE", "NONE", "QUEUESTART", ())
            t += 1
        callid = f"{int(t)}.{i}"
        q = rnd.choice(queues)
        log(t, callid, q, "NONE", "ENTERQUEUE", ("", f"1380013{i:04d}", "1"))
        roll = rnd.random()
        wait = rnd.randint(0, 45)
        if roll < 0.7:
            free = [m for m in members if busy[m] <= t + wait]
            if not free:
                log(t + wait, callid, q, "NONE", "ABANDON", ("1", "1", str(wait)))
                continue
            m = rnd.choice(free)
            if rnd.random() < 0.2 and wait > 5:
                log(t + wait - 4, callid, q, rnd.choice(members), "RINGNOANSWER", ("4000",))
            talk = rnd.randint(20, 400)
            log(t + wait, callid, q, m, "CONNECT", (str(wait), f"{callid}9", "2"))
            end = rnd.random()
            if end < 0.1:
                log(t + wait + talk, callid, q, m, "BLINDTRANSFER", ("8001", "from-internal", str(wait), str(talk),
                                                                      "1"))
            else:
                log(t + wait + talk, callid, q, m, "COMPLETECALLER" if end < 0.6 else "COMPLETEAGENT",
                    (str(wait), str(talk), "1"))
            busy[m] = t + wait + talk + 1
            if rnd.random() < 0.08:  # a break after the call
                reason = rnd.choice(["Lunch", "Training", "午休"])
                log(t + wait + talk + 1, "NONE", "NONE", m, "PAUSEALL", (reason,))
                for q2 in queues:
                    log(t + wait + talk + 1, "NONE", q2, m, "PAUSE", (reason,))
                back = t + wait + talk + rnd.randint(60, 600)
                log(back, "NONE", "NONE", m, "UNPAUSEALL", ("",))
                for q2 in queues:
                    log(back, "NONE", q2, m, "UNPAUSE", ("",))
                busy[m] = back + 1
        elif roll < 0.88:
            log(t + wait, callid, q, "NONE", "ABANDON", ("1", "1", str(wait)))
        elif roll < 0.93:
            log(t + 60, callid, q, "NONE", "EXITWITHTIMEOUT", ("1", "1", "60"))
        elif roll < 0.97:
            log(t + wait, callid, q, "NONE", "EXITWITHKEY", ("5", "1", "1", str(wait)))
        else:
            log(t + wait, callid, q, "NONE", "WITHDRAW", ("1", "1", str(wait), "callback"))
    last = max(e[0] for e in out) + 10
    for m in members[:2]:
        for q in queues:
            log(last, "MANAGER", q, m, "REMOVEMEMBER", ("",))
    events = [e for _, _, e in sorted(out, key=lambda x: (x[0], x[1]))]
    if restart_at is not None:  # Asterisk went down: nothing of the calls of before is logged after the restart
        before = {e.callid for e in events if e.epoch < restart_at and e.event == "ENTERQUEUE"}
        events = [e for e in events if not (e.callid in before and e.epoch > restart_at)]
    return events


def write_file(path, events: list[Event], partial_last: bool = False) -> None:
    """Appended as logger.c does (a line, flushed); `partial_last`: the writer stopped in the middle of a line."""
    with open(path, "a", encoding="utf-8") as f:
        for e in events[:-1] if partial_last else events:
            f.write(e.line() + "\n")
            f.flush()
        if partial_last and events:
            f.write(events[-1].line()[:7])


def finish_partial(path, event: Event) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(event.line()[7:] + "\n")


def queue_log_table(name: str = "queue_log", layout: str = "data5", with_id: bool = True) -> Table:
    """Asterisk's queue_log table: `layout` "data5" (data1..data5) or "data" (one pipe-joined column)."""
    # BIGINT auto-increment; on SQLite (res_config_sqlite3) only an INTEGER primary key counts by itself
    big = BigInteger().with_variant(Integer(), "sqlite")
    columns = [Column("id", big, primary_key=True, nullable=False, unique=True, autoincrement=True)] \
        if with_id else []
    columns += [Column("time", DateTime()), Column("callid", String(80)), Column("queuename", String(256)),
                Column("agent", String(80)), Column("event", String(32))]
    columns += [Column(f"data{i}", String(100)) for i in range(1, 6)] if layout == "data5" \
        else [Column("data", String(400))]
    return Table(name, MetaData(), *columns, mysql_charset="utf8mb4", mariadb_charset="utf8mb4")


def insert_rows(engine, table: Table, events: list[Event], timezone: str = "Asia/Shanghai",
                gmt: bool = False) -> None:
    """As res_config_* stores them: `time` the text `%F %T.%6q` (local, or GMT), the arguments split."""
    zone = UTC if gmt else ZoneInfo(timezone)
    names = set(table.c.keys())
    rows = []
    for e in events:
        row = {"time": datetime.fromtimestamp(e.epoch, zone).strftime("%Y-%m-%d %H:%M:%S.%f"),
               "callid": e.callid, "queuename": e.queue, "agent": e.agent, "event": e.event}
        if "data1" in names:
            args = list(e.data[:4]) + (["|".join(e.data[4:])] if len(e.data) > 4 else [])
            row.update({f"data{i + 1}": args[i] if i < len(args) else "" for i in range(5)})
        else:
            row["data"] = "|".join(e.data)
        rows.append(row)
    # untyped columns: the values go to the database as the text Asterisk sends, for it to convert
    stmt = insert(table_clause(table.name, *[column(c) for c in table.c.keys() if c != "id"]))
    with engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(stmt, rows[i:i + 1000])
