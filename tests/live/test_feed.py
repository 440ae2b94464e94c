"""Many screens, one build: the queue feed (live/feed.py) and the answers kept per stamp (live/services.py)."""

from __future__ import annotations

import threading
import time

from wallboard.live.feed import QueueFeed, queue_figures
from wallboard.live.poller import Poller
from wallboard.live.services import Services


class DictCache(dict):
    def get(self, key):
        return super().get(key)

    def set(self, key, value, timeout=None):
        self[key] = value


def reread(cache: DictCache, at: str, waiting: int, oldest: str | None) -> None:
    """What the poller writes at a queue re-read: the figures, then the stamp that dates them."""
    cache[Poller.QUEUES_KEY] = {"at": at, "scopes": {"all": {"calls_waiting": waiting, "oldest_queued_at": oldest},
                                                     "site:BJ": {"calls_waiting": 1, "oldest_queued_at": oldest}}}
    cache[Poller.STAMP_KEY] = {"snapshot": "2026-03-02T01:59:55+00:00", "queues": at}


def test_live011_each_reread_reaches_every_stream_once_rendered_once_per_scope():
    """Two screens of all sites and one of BJ: at each re-read every stream sends one message with its scope's
    figures and the re-read's time; a scope's message is rendered once for its screens; a stream ends after its
    lifetime, so that the browser reconnects and is authorised again."""
    cache = DictCache()
    feed = QueueFeed(cache, every=0.01, spread=0.02, lifetime=1.5, keepalive=60)
    renders: list[tuple[str, int]] = []

    def render(scope):
        return lambda figures: renders.append((scope, figures["calls_waiting"])) or {
            "waiting": figures["calls_waiting"], "longest": figures["longest_wait"]}

    streams = [feed.stream("all", "en", render("all")), feed.stream("all", "en", render("all")),
               feed.stream("site:BJ", "en", render("site:BJ"))]
    assert [next(s) for s in streams] == ["retry: 1000\n\n"] * 3
    reread(cache, "2026-03-02T02:00:00+00:00", 3, "2026-03-02T01:58:00+00:00")
    first = [next(s) for s in streams]
    assert first[0] == first[1] == 'data: {"at":"2026-03-02T02:00:00+00:00","waiting":3,"longest":120.0}\n\n'
    assert first[2] == 'data: {"at":"2026-03-02T02:00:00+00:00","waiting":1,"longest":120.0}\n\n'
    assert sorted(renders) == [("all", 3), ("site:BJ", 1)]
    reread(cache, "2026-03-02T02:00:01+00:00", 0, None)
    assert next(streams[0]) == 'data: {"at":"2026-03-02T02:00:01+00:00","waiting":0,"longest":0.0}\n\n'
    assert feed.stamp() == ("2026-03-02T01:59:55+00:00", "2026-03-02T02:00:01+00:00")
    started = time.monotonic()
    assert list(streams[0]) == []  # nothing new until its lifetime (1.5 s × 0.75–1) ends it
    assert 0.3 < time.monotonic() - started < 1.6
    feed.stop()


def test_live012_a_quiet_stream_says_it_is_alive_and_a_stopped_feed_ends_it():
    cache = DictCache()
    feed = QueueFeed(cache, every=0.01, spread=0.02, lifetime=60, keepalive=0.05)
    stream = feed.stream("all", "zh", lambda figures: figures)
    assert next(stream) == "retry: 1000\n\n"
    assert next(stream) == ": keepalive\n\n"  # no queues yet: a comment, which frees the thread of a gone screen
    feed.stop()
    assert list(stream) in ([], [": keepalive\n\n"])


def test_live013_queue_figures_count_the_wait_at_the_reread():
    queues = {"at": "2026-03-02T02:00:00+00:00",
              "scopes": {"all": {"calls_waiting": 2, "oldest_queued_at": "2026-03-02T01:59:30+00:00"}}}
    assert queue_figures(queues, "all") == {"calls_waiting": 2, "oldest_queued_at": "2026-03-02T01:59:30+00:00",
                                            "longest_wait": 30.0}
    assert queue_figures(queues, "site:XX") == {"calls_waiting": 0, "oldest_queued_at": None, "longest_wait": 0}


def test_live014_an_answer_is_built_once_per_stamp_however_many_screens_ask_at_once():
    """Forty screens ask together while the answer of a new poll is built: one build, forty equal answers; a new
    stamp builds again; before any poll (None in the stamp) nothing is kept."""
    svc = Services(sources=None, cache=DictCache(), poller=None)
    builds: list[int] = []
    gate = threading.Event()

    def build():
        builds.append(1)
        gate.wait(1)
        return ["answer", len(builds)]

    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(svc.answer(("all", "en"), ("t1", "q1"), build)))
               for _ in range(40)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join()
    assert len(builds) == 1 and answers == [["answer", 1]] * 40
    assert svc.answer(("all", "en"), ("t1", "q1"), build) == ["answer", 1]
    assert svc.answer(("all", "en"), ("t2", "q1"), build) == ["answer", 2]
    assert svc.answer(("all", "zh"), ("t2", "q1"), build) == ["answer", 3]  # another key: its own
    assert svc.answer(("all", "en"), (None, "q1"), build) == ["answer", 4]
    assert svc.answer(("all", "en"), (None, "q1"), build) == ["answer", 5]
