"""The bounded pool that runs the slow work after `ack()`, apart from the threads that ack.

Bolt runs listeners on the threads that receive requests and acks as they return
(ACK_WHEN_LISTENER_RETURNS). If the work after `ack()` ran on those threads too, a Web API call
waiting out a 429 (`users.info` with `Retry-After: 60`) would hold a Bolt thread, and ten such
commands would leave none to ack the next one. Listeners therefore ack, hand the rest to
`WorkPool.submit()` and return at once. The pool has a fixed
number of workers and a fixed queue; when both are full, `submit()` says so at once and the
listener answers "busy" instead of queueing without end.

Workers are daemon threads: a worker stuck in a long Retry-After never holds up shutdown.
"""

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
# Bolt's `process_before_response`. Listeners only ack, check and submit, so Bolt may run them
# on the thread that received the request and send the ack as they return. Otherwise Bolt hands
# each to another pool and polls every 10 ms for ack(): one more thread to wake on a busy
# machine, and 5 ms more per ack at the median (docs/BENCHMARKS.md, "The running bot on a big
# store").
ACK_WHEN_LISTENER_RETURNS = True


class WorkPool:
    """`workers` threads, and room for `waiting` more jobs queued behind them."""

    def __init__(self, workers: int = 8, waiting: int = 32, name: str = "papers-work"):
        if workers < 1 or waiting < 0:
            raise ValueError("a WorkPool needs at least one worker and a queue of 0 or more")
        # One slot per job running or queued; the queue itself never grows past the slots.
        self._slots = threading.BoundedSemaphore(workers + waiting)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(workers):
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True).start()

    def submit(self, job: Callable[[], None], what: str) -> bool:
        """Queue `job` (no arguments); False at once when every worker and queue slot is taken.

        :param what: names the job in the log if it raises ("your /papers command").
        """
        if not self._slots.acquire(blocking=False):
            return False
        self._jobs.put((job, what))
        return True

    def _work(self) -> None:
        while True:
            job, what = self._jobs.get()
            try:
                job()
            except Exception:
                # The job already told the person (listeners.guard); the traceback is for us.
                log.exception("Unhandled error while handling %s", what)
            finally:
                self._slots.release()
