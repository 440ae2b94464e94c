"""One daemon thread that does a step every N seconds: the poller, the alert evaluator and the history keeper.

The next step starts `interval` seconds after the last one started (at least `min_wait` after it ended), so steps
never overlap and a slow step is not followed by a burst; `stop` ends the thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Periodic:
    def __init__(self, step: Callable[[], object], interval: float, name: str, min_wait: float = 0.05) -> None:
        self.step, self.interval, self.name, self.min_wait = step, interval, name, min_wait
        self.stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            self.step()
            self.stopped.wait(max(self.min_wait, self.interval - (time.monotonic() - started)))

    def start(self) -> Periodic:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self.stopped.set()
        if self._thread:
            self._thread.join(timeout=timeout)
