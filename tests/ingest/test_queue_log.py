"""Tests for the streaming Asterisk queue_log parser.

Fixtures are realistic queue_log excerpts; every expected value is written by
hand.  Epoch 1714554000 is 2024-05-01 09:00:00 UTC.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from wallboard.ingest.queue_log import (
    QueueLogError,
    QueueLogParser,
    QueueLogStats,
    normalise_agent_id,
    parse_queue_log,
)

SITES = {"sales": "leeds", "support": "glasgow", "NONE": "unassigned"}


def site_of(queue: str) -> str:
    return SITES.get(queue, "other")


def at(hour: int, minute: int, second: int, microsecond: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute, second, microsecond, tzinfo=UTC)


def log(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").splitlines()


def run(text: str, **options) -> tuple[list[tuple[str, dict]], QueueLogStats]:
    parser = QueueLogParser(site_of, **options)
    rows = list(parser.parse(log(text)))
    return rows, parser.stats


def call(call_id, site, queue, arrived, answered, ended, agent_id, transferred=0, flags=0):
    return (
        "call",
        {
            "call_id": call_id,
            "site": site,
            "skill_group": queue,
            "arrived_at": arrived,
            "queued_at": arrived,
            "answered_at": answered,
            "ended_at": ended,
            "agent_id": agent_id,
            "wrap_up_seconds": None,
            "transferred": transferred,
            "direction": "inbound",
            "quality_flags": flags,
        },
    )


def state(agent_id, agent_name, site, state_name, reason, started_at):
    return (
        "agent_state",
        {
            "agent_id": agent_id,
            "agent_name": agent_name,
            "site": site,
            "state": state_name,
            "reason": reason,
            "started_at": started_at,
        },
    )


# -- answered calls, old and new parameter counts ---------------------------------------------


def test_answered_call_asterisk_13_parameters():
    rows, stats = run(
        """
        1714554000|1714553998.12|sales|NONE|ENTERQUEUE||07700900123|1
        1714554015|1714553998.12|sales|PJSIP/1001|RINGNOANSWER|15000
        1714554020|1714553998.12|sales|PJSIP/1002|CONNECT|20|1714554015.15|4
        1714554200|1714553998.12|sales|PJSIP/1002|COMPLETECALLER|20|180|1
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 20)),
        call("1714553998.12", "leeds", "sales", at(9, 0, 0), at(9, 0, 20), at(9, 3, 20), "1002"),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 3, 20)),
    ]
    assert stats == QueueLogStats(lines=4, events=4, calls=1, agent_states=2)


def test_answered_call_asterisk_1_4_parameters_with_chan_agent():
    # 1.4: ENTERQUEUE without position, CONNECT without ringtime, COMPLETEAGENT without origposition.
    rows, stats = run(
        """
        1714554000|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-08a1b2c8
        1714554060|1714554058.3|support|NONE|ENTERQUEUE||07700900456
        1714554072|1714554058.3|support|Agent/1001|CONNECT|12|1714554060.4
        1714554372|1714554058.3|support|Agent/1001|COMPLETEAGENT|12|300
        1714554500|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001-08a1b2c8|500
        """
    )
    assert rows == [
        state("1001", "Agent/1001", "unassigned", "available", None, at(9, 0, 0)),
        state("1001", "Agent/1001", "glasgow", "on_call", None, at(9, 1, 12)),
        call("1714554058.3", "glasgow", "support", at(9, 1, 0), at(9, 1, 12), at(9, 6, 12), "1001"),
        state("1001", "Agent/1001", "glasgow", "available", None, at(9, 6, 12)),
        # AGENTLOGOFF is logged against queue NONE: site of the queue the agent was last seen in.
        state("1001", "Agent/1001", "glasgow", "logged_out", None, at(9, 8, 20)),
    ]
    assert stats == QueueLogStats(lines=5, events=5, calls=1, agent_states=4)


def test_realtime_export_with_data1_to_data5_and_empty_trailing_fields():
    rows, stats = run(
        """
        1714554000|1714553999.7|sales|NONE|ENTERQUEUE||07700900789|1||
        1714554009|1714553999.7|sales|SIP/1004|CONNECT|9|1714554000.8|3||
        1714554100|1714553999.7|sales|SIP/1004|COMPLETEAGENT|9|91|1||
        """
    )
    assert rows == [
        state("1004", "SIP/1004", "leeds", "on_call", None, at(9, 0, 9)),
        call("1714553999.7", "leeds", "sales", at(9, 0, 0), at(9, 0, 9), at(9, 1, 40), "1004"),
        state("1004", "SIP/1004", "leeds", "available", None, at(9, 1, 40)),
    ]
    assert stats.rejected_lines == 0


# -- datetime first field ----------------------------------------------------------------------

DATETIME_LOG = """
    2024-05-01 10:00:00.250000|1714554000.31|sales|NONE|ENTERQUEUE||07700900999|1||
    2024-05-01 10:00:07.500000|1714554000.31|sales|Local/1005@from-queue/n|CONNECT|7|1714554000.32|5||
    2024-05-01 10:02:07.000000|1714554000.31|sales|Local/1005@from-queue/n|COMPLETEAGENT|7|120|1||
    """


def test_datetime_first_field_is_local_time_in_the_given_timezone():
    rows, _ = run(DATETIME_LOG, timezone="Europe/London")  # BST, UTC+1
    assert rows == [
        state("1005", "Local/1005@from-queue/n", "leeds", "on_call", None, at(9, 0, 7, 500000)),
        call(
            "1714554000.31", "leeds", "sales", at(9, 0, 0, 250000), at(9, 0, 7, 500000), at(9, 2, 7), "1005"
        ),
        state("1005", "Local/1005@from-queue/n", "leeds", "available", None, at(9, 2, 7)),
    ]
    assert rows[1][1]["arrived_at"].tzinfo is UTC


def test_datetime_first_field_defaults_to_utc():
    rows, _ = run(DATETIME_LOG)
    assert rows[1] == call(
        "1714554000.31", "leeds", "sales", at(10, 0, 0, 250000), at(10, 0, 7, 500000), at(10, 2, 7), "1005"
    )


def test_datetime_first_field_in_winter_time():
    rows, _ = run(
        """
        2024-01-15 09:00:00|1705309200.5|support|NONE|ENTERQUEUE||07700900100|1||
        2024-01-15 09:00:30|1705309200.5|support|NONE|ABANDON|1|1|30||
        """,
        timezone="Europe/London",
    )
    utc_nine = datetime(2024, 1, 15, 9, 0, 0, tzinfo=UTC)
    utc_nine_thirty_s = datetime(2024, 1, 15, 9, 0, 30, tzinfo=UTC)
    assert rows == [call("1705309200.5", "glasgow", "support", utc_nine, None, utc_nine_thirty_s, None)]


def test_epoch_times_ignore_the_timezone_option():
    rows, _ = run(
        """
        1714554000|1714554000.33|support|NONE|ENTERQUEUE||07700900101|1
        1714554030|1714554000.33|support|NONE|ABANDON|1|1|30
        """,
        timezone="America/New_York",
    )
    assert rows == [call("1714554000.33", "glasgow", "support", at(9, 0, 0), None, at(9, 0, 30), None)]


# -- unanswered calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exit_event",
    [
        "ABANDON|2|3|45",
        "EXITWITHTIMEOUT|1",  # Asterisk 1.4: position only
        "EXITWITHTIMEOUT|1|2|45",  # 1.8+: position|origposition|waittime
        "EXITEMPTY|1|1|45",
        "EXITWITHKEY|5|1",  # 1.4: key|position
        "EXITWITHKEY|5|1|1|45",  # 1.8+: key|position|origposition|waittime
        "WITHDRAW|1|1|45|callback",  # 13+: position|origposition|waittime|withdraw_info
    ],
)
def test_unanswered_call_ends_at_its_exit_event(exit_event):
    rows, stats = run(
        f"""
        1714554000|1714554000.40|support|NONE|ENTERQUEUE||07700900202|1
        1714554030|1714554000.40|support|SIP/2001|RINGNOANSWER|15000
        1714554045|1714554000.40|support|NONE|{exit_event}
        """
    )
    assert rows == [call("1714554000.40", "glasgow", "support", at(9, 0, 0), None, at(9, 0, 45), None)]
    assert stats == QueueLogStats(lines=3, events=3, calls=1)


# -- transfers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "transfer_event",
    [
        "TRANSFER|6001|from-internal|10|95",  # 1.4: extension|context|holdtime|calltime
        "TRANSFER|6001|from-internal|10|95|1",  # 1.8: ...|origposition
        "BLINDTRANSFER|6001|from-internal|10|95|1",
        "ATTENDEDTRANSFER|BRIDGE|e2a0f3c4-5a55-4c4e-9d1a-2b1f2c3d4e5f|10|95|1",
        "ATTENDEDTRANSFER|APP|VoiceMail|10|95|1",
        "ATTENDEDTRANSFER|LINK|SIP/1003-0000001a|SIP/1006-0000001b|10|95|1",
    ],
)
def test_transfer_ends_an_answered_call_and_marks_it_transferred(transfer_event):
    rows, stats = run(
        f"""
        1714554000|1714554000.50|sales|NONE|ENTERQUEUE||07700900303|1
        1714554010|1714554000.50|sales|SIP/1003|CONNECT|10|1714554001.51|3
        1714554105|1714554000.50|sales|SIP/1003|{transfer_event}
        """
    )
    assert rows == [
        state("1003", "SIP/1003", "leeds", "on_call", None, at(9, 0, 10)),
        call(
            "1714554000.50", "leeds", "sales", at(9, 0, 0), at(9, 0, 10), at(9, 1, 45), "1003", transferred=1
        ),
        state("1003", "SIP/1003", "leeds", "available", None, at(9, 1, 45)),
    ]
    assert stats.ignored_events == {}


def test_call_reentering_a_second_queue_after_transfer_gets_a_numbered_id():
    rows, stats = run(
        """
        1714554000|1714553990.20|sales|NONE|ENTERQUEUE||07700900111|1
        1714554008|1714553990.20|sales|PJSIP/1002|CONNECT|8|1714554000.21|3
        1714554068|1714553990.20|sales|PJSIP/1002|BLINDTRANSFER|700|from-queue|8|60|1
        1714554069|1714553990.20|support|NONE|ENTERQUEUE||07700900111|1
        1714554080|1714553990.20|support|Local/2001@from-queue/n|CONNECT|11|1714554069.25|5
        1714554380|1714553990.20|support|Local/2001@from-queue/n|COMPLETECALLER|11|300|1
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 8)),
        call("1714553990.20", "leeds", "sales", at(9, 0, 0), at(9, 0, 8), at(9, 1, 8), "1002", transferred=1),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 1, 8)),
        state("2001", "Local/2001@from-queue/n", "glasgow", "on_call", None, at(9, 1, 20)),
        call("1714553990.20#2", "glasgow", "support", at(9, 1, 9), at(9, 1, 20), at(9, 6, 20), "2001"),
        state("2001", "Local/2001@from-queue/n", "glasgow", "available", None, at(9, 6, 20)),
    ]
    assert stats.calls == 2
    assert stats.unterminated_calls == 0


def test_reentry_logged_before_the_transfer_event_is_matched_correctly():
    # The new queue's ENTERQUEUE is written before the old queue's BLINDTRANSFER (same second).
    rows, _ = run(
        """
        1714554000|1714553990.20|sales|NONE|ENTERQUEUE||07700900111|1
        1714554008|1714553990.20|sales|PJSIP/1002|CONNECT|8|1714554000.21|3
        1714554068|1714553990.20|support|NONE|ENTERQUEUE||07700900111|1
        1714554068|1714553990.20|sales|PJSIP/1002|BLINDTRANSFER|700|from-queue|8|60|1
        1714554080|1714553990.20|support|Local/2001@from-queue/n|CONNECT|12|1714554068.25|5
        1714554380|1714553990.20|support|Local/2001@from-queue/n|COMPLETECALLER|12|300|1
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 8)),
        call("1714553990.20", "leeds", "sales", at(9, 0, 0), at(9, 0, 8), at(9, 1, 8), "1002", transferred=1),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 1, 8)),
        state("2001", "Local/2001@from-queue/n", "glasgow", "on_call", None, at(9, 1, 20)),
        call("1714553990.20#2", "glasgow", "support", at(9, 1, 8), at(9, 1, 20), at(9, 6, 20), "2001"),
        state("2001", "Local/2001@from-queue/n", "glasgow", "available", None, at(9, 6, 20)),
    ]


# -- calls without an exit ----------------------------------------------------------------------


def test_enterqueue_without_exit_is_emitted_at_the_end_with_no_end_time():
    exhausted = []

    def lines():
        yield from log(
            """
            1714554000|1714554000.1|sales|NONE|ENTERQUEUE||07700900222|1
            1714554005|1714554005.2|support|NONE|ENTERQUEUE||07700900333|1
            1714554012|1714554000.1|sales|PJSIP/1001|CONNECT|12|1714554001.3|2
            1714554030|1714554005.2|support|NONE|ABANDON|1|1|25
            """
        )
        exhausted.append(True)

    parser = QueueLogParser(site_of)
    rows = []
    for row in parser.parse(lines()):
        rows.append((row, bool(exhausted)))
    assert rows == [
        (state("1001", "PJSIP/1001", "leeds", "on_call", None, at(9, 0, 12)), False),
        (call("1714554005.2", "glasgow", "support", at(9, 0, 5), None, at(9, 0, 30), None), False),
        (call("1714554000.1", "leeds", "sales", at(9, 0, 0), at(9, 0, 12), None, "1001"), True),
    ]
    assert parser.stats == QueueLogStats(lines=4, events=4, calls=2, agent_states=1, unterminated_calls=1)


def test_call_idle_beyond_the_horizon_is_emitted_unterminated_without_waiting_for_the_end():
    parser = QueueLogParser(site_of, horizon_seconds=3600)
    rows = list(
        parser.parse(
            log(
                """
                1714554000|1714554000.1|sales|NONE|ENTERQUEUE||07700900222|1
                1714557601|1714557601.2|support|NONE|ENTERQUEUE||07700900333|1
                1714557650|1714557601.2|support|NONE|ABANDON|1|1|49
                """
            )
        )
    )
    assert rows == [
        call("1714554000.1", "leeds", "sales", at(9, 0, 0), None, None, None),
        call("1714557601.2", "glasgow", "support", at(10, 0, 1), None, at(10, 0, 50), None),
    ]
    assert parser.stats.unterminated_calls == 1


def test_second_enterqueue_while_still_waiting_closes_the_first_as_unterminated():
    rows, stats = run(
        """
        1714554000|1714554000.7|sales|NONE|ENTERQUEUE||07700900404|1
        1714554600|1714554000.7|sales|NONE|ENTERQUEUE||07700900404|1
        1714554630|1714554000.7|sales|NONE|ABANDON|1|1|30
        """
    )
    assert rows == [
        call("1714554000.7", "leeds", "sales", at(9, 0, 0), None, None, None),
        call("1714554000.7#2", "leeds", "sales", at(9, 10, 0), None, at(9, 10, 30), None),
    ]
    assert stats.unterminated_calls == 1


# -- RINGNOANSWER ------------------------------------------------------------------------------

RING_LOG = """
    1714554000|1714553999.60|support|NONE|ENTERQUEUE||07700900444|1
    1714554015|1714553999.60|support|SIP/2001|RINGNOANSWER|15000
    1714554030|1714553999.60|support|SIP/2002|RINGNOANSWER|15000
    1714554045|1714553999.60|support|SIP/2001|RINGNOANSWER|15000
    1714554049|1714553999.60|support|SIP/2003|CONNECT|49|1714554045.64|4
    1714554169|1714553999.60|support|SIP/2003|COMPLETEAGENT|49|120|1
    """


def test_ringnoanswer_does_not_end_the_call():
    parser = QueueLogParser(site_of)
    rows = list(parser.parse(log(RING_LOG)[:4]))
    assert rows == [call("1714553999.60", "glasgow", "support", at(9, 0, 0), None, None, None)]


def test_ringnoanswer_then_connect_on_another_agent():
    rows, stats = run(RING_LOG)
    assert rows == [
        state("2003", "SIP/2003", "glasgow", "on_call", None, at(9, 0, 49)),
        call("1714553999.60", "glasgow", "support", at(9, 0, 0), at(9, 0, 49), at(9, 2, 49), "2003"),
        state("2003", "SIP/2003", "glasgow", "available", None, at(9, 2, 49)),
    ]
    assert stats == QueueLogStats(lines=6, events=6, calls=1, agent_states=2)


# -- agent states -------------------------------------------------------------------------------


def test_pause_without_reason_asterisk_1_4():
    rows, _ = run(
        """
        1714554000|NONE|sales|SIP/1001|ADDMEMBER|
        1714554060|NONE|sales|SIP/1001|PAUSE|
        1714554120|NONE|sales|SIP/1001|UNPAUSE|
        """
    )
    assert rows == [
        state("1001", "SIP/1001", "leeds", "available", None, at(9, 0, 0)),
        state("1001", "SIP/1001", "leeds", "not_ready", None, at(9, 1, 0)),
        state("1001", "SIP/1001", "leeds", "available", None, at(9, 2, 0)),
    ]


def test_pause_with_reason_and_pauseall_across_queues():
    # PAUSEALL / UNPAUSEALL (queue NONE) come with one PAUSE / UNPAUSE per queue at the same instant.
    rows, stats = run(
        """
        1714554000|MANAGER|sales|PJSIP/1002|ADDMEMBER|
        1714554000|MANAGER|support|PJSIP/1002|ADDMEMBER|
        1714554300|NONE|NONE|PJSIP/1002|PAUSEALL|
        1714554300|NONE|sales|PJSIP/1002|PAUSE|Lunch
        1714554300|NONE|support|PJSIP/1002|PAUSE|Lunch
        1714556100|NONE|NONE|PJSIP/1002|UNPAUSEALL|
        1714556100|NONE|sales|PJSIP/1002|UNPAUSE|
        1714556100|NONE|support|PJSIP/1002|UNPAUSE|
        1714556400|NONE|support|PJSIP/1002|PAUSE|Training
        1714556460|NONE|support|PJSIP/1002|UNPAUSE|
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 0, 0)),
        state("1002", "PJSIP/1002", "leeds", "not_ready", "Lunch", at(9, 5, 0)),
        state("1002", "PJSIP/1002", "glasgow", "available", None, at(9, 35, 0)),
        state("1002", "PJSIP/1002", "glasgow", "not_ready", "Training", at(9, 40, 0)),
        state("1002", "PJSIP/1002", "glasgow", "available", None, at(9, 41, 0)),
    ]
    assert stats.agent_states == 5
    assert stats.events == 10


def test_pauseall_for_an_agent_never_seen_in_a_queue_uses_the_site_of_none():
    rows, _ = run(
        """
        1714554000|NONE|NONE|PJSIP/1009|PAUSEALL|
        1714554060|NONE|NONE|PJSIP/1009|UNPAUSEALL|
        """
    )
    assert rows == [
        state("1009", "PJSIP/1009", "unassigned", "not_ready", None, at(9, 0, 0)),
        state("1009", "PJSIP/1009", "unassigned", "available", None, at(9, 1, 0)),
    ]


def test_pause_during_a_call_takes_effect_when_the_call_ends():
    rows, _ = run(
        """
        1714554000|MANAGER|sales|PJSIP/1002|ADDMEMBER|
        1714554010|1714554010.70|sales|NONE|ENTERQUEUE||07700900555|1
        1714554014|1714554010.70|sales|PJSIP/1002|CONNECT|4|1714554010.71|4
        1714554100|NONE|sales|PJSIP/1002|PAUSE|Admin
        1714554190|1714554010.70|sales|PJSIP/1002|COMPLETEAGENT|4|176|1
        1714554400|NONE|sales|PJSIP/1002|UNPAUSE|
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 0, 0)),
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 14)),
        call("1714554010.70", "leeds", "sales", at(9, 0, 10), at(9, 0, 14), at(9, 3, 10), "1002"),
        state("1002", "PJSIP/1002", "leeds", "not_ready", "Admin", at(9, 3, 10)),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 6, 40)),
    ]


def test_addmember_removemember_and_member_added_paused():
    rows, _ = run(
        """
        1714554000|MANAGER|sales|PJSIP/1003|ADDMEMBER|
        1714554000|MANAGER|support|PJSIP/1003|ADDMEMBER|
        1714554600|MANAGER|sales|PJSIP/1003|REMOVEMEMBER|
        1714555200|MANAGER|support|PJSIP/1003|REMOVEMEMBER|
        1714555800|MANAGER|support|PJSIP/1003|ADDMEMBER|PAUSED
        """
    )
    assert rows == [
        state("1003", "PJSIP/1003", "leeds", "available", None, at(9, 0, 0)),
        # Removed from sales only: still a member of support, so no row at 09:10.
        state("1003", "PJSIP/1003", "glasgow", "logged_out", None, at(9, 20, 0)),
        state("1003", "PJSIP/1003", "glasgow", "not_ready", None, at(9, 30, 0)),
    ]


def test_agent_callback_login_and_logoff_asterisk_1_4():
    rows, _ = run(
        """
        1714554000|1714553990.1|NONE|Agent/1007|AGENTCALLBACKLOGIN|1007@from-internal
        1714557600|1714553990.1|NONE|Agent/1007|AGENTCALLBACKLOGOFF|1007@from-internal|3600|CommandLogoff
        """
    )
    assert rows == [
        state("1007", "Agent/1007", "unassigned", "available", None, at(9, 0, 0)),
        state("1007", "Agent/1007", "unassigned", "logged_out", None, at(10, 0, 0)),
    ]


def test_sip_and_pjsip_interfaces_of_one_extension_are_one_agent():
    rows, _ = run(
        """
        1714554000|MANAGER|sales|SIP/1001|ADDMEMBER|
        1714554060|MANAGER|sales|PJSIP/1001|ADDMEMBER|
        1714554120|NONE|sales|PJSIP/1001|PAUSE|Break
        """
    )
    assert rows == [
        state("1001", "SIP/1001", "leeds", "available", None, at(9, 0, 0)),
        state("1001", "PJSIP/1001", "leeds", "not_ready", "Break", at(9, 2, 0)),
    ]


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("SIP/1001", "1001"),
        ("PJSIP/1001", "1001"),
        ("IAX2/1001", "1001"),
        ("Local/1001@from-queue/n", "1001"),
        ("Local/1001@from-internal", "1001"),
        ("Agent/1001", "1001"),
        ("sip/1001", "1001"),
        (" PJSIP/1001 ", "1001"),
        ("Jane Doe", "Jane Doe"),
        ("Custom/queue-member", "Custom/queue-member"),
        ("SIP/", "SIP/"),
    ],
)
def test_normalise_agent_id(agent, expected):
    assert normalise_agent_id(agent) == expected


# -- ignored events, malformed lines, ordering --------------------------------------------------


def test_unknown_and_unused_events_are_ignored_and_counted():
    rows, stats = run(
        """
        1714553000|NONE|NONE|NONE|QUEUESTART|
        1714553100|NONE|NONE|NONE|CONFIGRELOAD|
        1714554000|1714554000.80|sales|NONE|DID|01132960000
        1714554000|1714554000.80|sales|NONE|ENTERQUEUE||07700900666|1
        1714554003|1714554000.80|sales|PJSIP/1001|RINGCANCELED|3000
        1714554003|1714554000.80|sales|PJSIP/1002|CONNECT|3|1714554000.81|3
        1714554010|1714554000.80|sales|PJSIP/1002|COMPLETEAGENT|3|7|1
        1714554020|NONE|NONE|NONE|SYSCOMPAT|
        """
    )
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 3)),
        call("1714554000.80", "leeds", "sales", at(9, 0, 0), at(9, 0, 3), at(9, 0, 10), "1002"),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 0, 10)),
    ]
    assert stats.ignored_events == {
        "CONFIGRELOAD": 1,
        "DID": 1,
        "RINGCANCELED": 1,
        "SYSCOMPAT": 1,
    }
    assert stats.events == 8 and stats.restarts == 1


MALFORMED_LOG = """
    1714554000|1714554000.90|sales|NONE|ENTERQUEUE||07700900777|1
    this is not a queue_log line
    17145540x5|1714554000.90|sales|PJSIP/1001|RINGNOANSWER|5000
    1714554008|1714554000.90|sales|PJSIP/1002

    1714554010|1714554000.90|sales|PJSIP/1002||10|1714554000.91|2
    1714554011|NONE|sales|PJSIP/1002|CONNECT|11|1714554000.91|2
    2024-13-01 09:00:00|1714554000.90|sales|PJSIP/1002|CONNECT|12|1714554000.91|2
    1714554012|1714554000.90|sales|PJSIP/1002|CONNECT|12|1714554000.91|2
    1714554072|1714554000.90|sales|PJSIP/1002|COMPLETECALLER|12|60|1
    """


def test_malformed_lines_are_reported_and_parsing_continues():
    rejected = []
    parser = QueueLogParser(
        site_of, on_reject=lambda number, line, reason: rejected.append((number, line, reason))
    )
    rows = list(parser.parse(log(MALFORMED_LOG)))
    assert rows == [
        state("1002", "PJSIP/1002", "leeds", "on_call", None, at(9, 0, 12)),
        call("1714554000.90", "leeds", "sales", at(9, 0, 0), at(9, 0, 12), at(9, 1, 12), "1002"),
        state("1002", "PJSIP/1002", "leeds", "available", None, at(9, 1, 12)),
    ]
    assert rejected[:5] == [
        (2, "this is not a queue_log line", "expected at least 5 pipe-separated fields, got 1"),
        (
            3,
            "17145540x5|1714554000.90|sales|PJSIP/1001|RINGNOANSWER|5000",
            "invalid time field '17145540x5' (expected epoch seconds or a datetime)",
        ),
        (4, "1714554008|1714554000.90|sales|PJSIP/1002", "expected at least 5 pipe-separated fields, got 4"),
        (6, "1714554010|1714554000.90|sales|PJSIP/1002||10|1714554000.91|2", "empty event name"),
        (7, "1714554011|NONE|sales|PJSIP/1002|CONNECT|11|1714554000.91|2", "CONNECT without a callid"),
    ]
    number, line, reason = rejected[5]
    assert (number, line) == (
        8,
        "2024-13-01 09:00:00|1714554000.90|sales|PJSIP/1002|CONNECT|12|1714554000.91|2",
    )
    assert reason.startswith("invalid time field '2024-13-01 09:00:00'")
    assert len(rejected) == 6
    assert parser.stats == QueueLogStats(lines=10, events=3, calls=1, agent_states=2, rejected_lines=6)


def test_malformed_line_without_on_reject_raises_with_the_line_number():
    parser = QueueLogParser(site_of)
    received = []
    with pytest.raises(QueueLogError) as caught:
        for row in parser.parse(
            log(
                """
                1714554000|1714554000.91|support|NONE|ENTERQUEUE||07700900888|1
                1714554020|1714554000.91|support|NONE|ABANDON|1|1|20
                1714554030|1714554030.92|support|NONE
                1714554040|1714554040.93|support|NONE|ENTERQUEUE||07700900999|1
                """
            )
        ):
            received.append(row)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.line_number == 3
    assert error.reason == "expected at least 5 pipe-separated fields, got 4"
    assert str(error) == "queue_log line 3: expected at least 5 pipe-separated fields, got 4"
    assert received == [call("1714554000.91", "glasgow", "support", at(9, 0, 0), None, at(9, 0, 20), None)]


def test_events_out_of_order_by_a_second_do_not_go_back_in_time():
    rows, stats = run(
        """
        1714554000|1714554000.95|sales|NONE|ENTERQUEUE||07700900888|1
        1714553999|1714554000.95|sales|PJSIP/1001|CONNECT|0|1714554000.96|1
        1714554061|1714554000.95|sales|PJSIP/1001|COMPLETECALLER|0|61|1
        1714554060|NONE|sales|PJSIP/1001|PAUSE|Break
        """
    )
    assert rows == [
        state("1001", "PJSIP/1001", "leeds", "on_call", None, at(9, 0, 0)),
        call("1714554000.95", "leeds", "sales", at(9, 0, 0), at(9, 0, 0), at(9, 1, 1), "1001"),
        state("1001", "PJSIP/1001", "leeds", "not_ready", "Break", at(9, 1, 1)),
    ]
    assert stats.clamped_times == 2


def test_events_for_calls_that_entered_before_the_file_started_are_orphans():
    rows, stats = run(
        """
        1714554000|1714553900.10|sales|PJSIP/1001|CONNECT|30|1714553930.11|2
        1714554090|1714553900.10|sales|PJSIP/1001|COMPLETECALLER|30|90|2
        1714554095|1714553950.12|support|NONE|ABANDON|3|3|145
        """
    )
    assert rows == [
        state("1001", "PJSIP/1001", "leeds", "on_call", None, at(9, 0, 0)),
        state("1001", "PJSIP/1001", "leeds", "available", None, at(9, 1, 30)),
    ]
    assert stats.orphan_events == 3
    assert stats.calls == 0


def test_bytes_lines_with_bom_and_crlf_are_accepted():
    lines = [
        b"\xef\xbb\xbf1714554000|1714554000.97|support|NONE|ENTERQUEUE||07700900121|1\r\n",
        b"1714554012|1714554000.97|support|NONE|EXITWITHTIMEOUT|1|1|12\r\n",
    ]
    rows = list(QueueLogParser(site_of).parse(lines))
    assert rows == [call("1714554000.97", "glasgow", "support", at(9, 0, 0), None, at(9, 0, 12), None)]


def test_unknown_timezone_is_rejected_up_front():
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus_Mons'"):
        QueueLogParser(site_of, timezone="Mars/Olympus_Mons")


# -- API ------------------------------------------------------------------------------------------


def test_function_wrapper_exposes_stats_after_iteration():
    rows = parse_queue_log(
        log(
            """
            1714554000|1714554000.98|sales|NONE|ENTERQUEUE||07700900131|1
            1714554004|1714554000.98|sales|SIP/1001|CONNECT|4|1714554000.99|1
            1714554010|1714554000.98|sales|SIP/1001|COMPLETEAGENT|4|6|1
            1714554011|NONE|NONE|NONE|QUEUESTART|
            bad line
            """
        ),
        site_of,
        on_reject=lambda number, line, reason: None,
    )
    assert iter(rows) is rows
    assert [kind for kind, _row in rows] == ["agent_state", "call", "agent_state"]
    assert rows.stats == QueueLogStats(
        lines=5, events=4, calls=1, agent_states=2, restarts=1, rejected_lines=1
    )


def test_parse_resets_stats_between_runs():
    parser = QueueLogParser(site_of)
    text = log(
        """
        1714554000|1714554000.5|support|NONE|ENTERQUEUE||07700900141|1
        1714554009|1714554000.5|support|NONE|ABANDON|1|1|9
        """
    )
    list(parser.parse(text))
    second = list(parser.parse(text))
    assert second == [call("1714554000.5", "glasgow", "support", at(9, 0, 0), None, at(9, 0, 9), None)]
    assert parser.stats == QueueLogStats(lines=2, events=2, calls=1)


def test_site_of_is_called_once_per_queue():
    seen = []

    def counting_site_of(queue):
        seen.append(queue)
        return site_of(queue)

    parser = QueueLogParser(counting_site_of)
    list(
        parser.parse(
            log(
                """
                1714554000|1714554000.1|sales|NONE|ENTERQUEUE||07700900151|1
                1714554001|1714554000.1|sales|NONE|ABANDON|1|1|1
                1714554002|1714554002.2|sales|NONE|ENTERQUEUE||07700900152|1
                1714554003|1714554002.2|sales|NONE|ABANDON|1|1|1
                """
            )
        )
    )
    assert seen == ["sales"]


# -- streaming ------------------------------------------------------------------------------------


def test_a_large_generator_is_consumed_lazily_with_bounded_memory():
    consumed = 0

    def synthetic():  # 50,000 calls x 4 lines, one call every 10 seconds (about 5.8 days of log)
        nonlocal consumed
        for i in range(50_000):
            base = 1714554000 + 10 * i
            callid = f"{base}.{i}"
            for line in (
                f"{base}|{callid}|sales|NONE|ENTERQUEUE||07700900000|1",
                f"{base + 1}|{callid}|sales|PJSIP/1002|RINGNOANSWER|1000",
                f"{base + 2}|{callid}|sales|PJSIP/1001|CONNECT|2|{base}.9|1",
                f"{base + 5}|{callid}|sales|PJSIP/1001|COMPLETECALLER|2|3|1",
            ):
                consumed += 1
                yield line

    parser = QueueLogParser(site_of)
    rows = parser.parse(synthetic())
    first_call = None
    consumed_at_first_call = None
    max_open = max_tracked = 0
    calls = 0
    for kind, row in rows:
        if kind == "call":
            calls += 1
            if first_call is None:
                first_call, consumed_at_first_call = row, consumed
        max_open = max(max_open, parser.open_calls)
        max_tracked = max(max_tracked, parser.tracked_callids)

    assert consumed_at_first_call == 4
    assert (
        first_call == call("1714554000.0", "leeds", "sales", at(9, 0, 0), at(9, 0, 2), at(9, 0, 5), "1001")[1]
    )
    assert consumed == 200_000
    assert calls == 50_000
    assert max_open <= 1
    # Ended callids are kept for one day (re-entry numbering): 8,641 at one call per 10 seconds.
    assert max_tracked <= 8_641
    assert parser.stats == QueueLogStats(lines=200_000, events=200_000, calls=50_000, agent_states=100_000)
