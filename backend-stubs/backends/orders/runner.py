"""Where sagas run in the orders service: worker threads, and a sweep that resumes sagas.

A checkout request starts its saga on a worker thread and waits only a moment for it
(`run`), so a slow participant holds the saga, not the request; the shopper's page asks
again until it ends. When the service starts, and every `ORDERS_SWEEP_INTERVAL` seconds
after, the sweep hands every unfinished saga not already running here to
`Orchestrator.recover`: those an earlier process left behind, and those waiting for a
participant that was unavailable once their wait (`retry_at`, the orchestrator's backoff)
is over, settling ones (their payment still to capture) included. One orders process runs
the sagas of its database (the service runs as a single replica: two processes would each
sweep and run the same sagas).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from backends.orders.models import Saga
from backends.orders.participants import HttpParticipants
from backends.orders.saga import Orchestrator
from tessera.runtime.env import env_float

logger = logging.getLogger("tessera.orders.runner")

#: Unfinished sagas one sweep takes on at most (the next sweep takes the rest).
SWEEP_BATCH = 100


class CrashSwitch:
    """Makes the process die right after a step took effect, once (tests' crash points):
    set at run time through the API (backends/orders/api.py), so the restarted process,
    which starts without it, recovers instead of dying again."""

    def __init__(self, exit: Callable[[int], None] = os._exit) -> None:
        self.after: str | None = None
        self._exit = exit

    def __call__(self, step: str) -> None:
        if step == self.after:
            logger.warning("crash switch: exiting after %s", step)
            self._exit(70)


class Runner:
    """Runs sagas on a few worker threads, never the same saga twice at once."""

    def __init__(
        self,
        orchestrator: Callable[[], Orchestrator],
        *,
        workers: int = 4,
        sweep_interval: float | None = None,
        now: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.orchestrator = orchestrator
        self.now = now
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="saga")
        self.sweep_interval = sweep_interval or env_float("ORDERS_SWEEP_INTERVAL", 5.0)
        self._running: dict[str, Future[None]] = {}
        #: Sagas being started by a request here: stored, not yet submitted (`starting`).
        self._starting: set[str] = set()
        self._lock = threading.Lock()
        self._sweeper: threading.Thread | None = None

    def submit(self, key: str, *, recover: bool = False) -> Future[None]:
        """Run (or, for a saga of an earlier process, recover) saga `key`; the future of
        the run already under way if there is one."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            future = self.pool.submit(self._run, key, recover)
            self._running[key] = future
            return future

    @contextmanager
    def starting(self, key: str) -> Iterator[None]:
        """While a request stores saga `key` and submits it: the sweep leaves it alone, not
        taking a row committed a moment before its run begins for one a crash left."""
        with self._lock:
            self._starting.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._starting.discard(key)

    def _run(self, key: str, recover: bool) -> None:
        try:
            orchestrator = self.orchestrator()
            (orchestrator.recover if recover else orchestrator.run)(key)
        except Exception:
            logger.exception("saga %s: the run failed; the sweep tries again", key)
        finally:
            connection.close()  # this thread's connection: workers live long
            with self._lock:
                self._running.pop(key, None)

    def sweep(self) -> int:
        """Hand every unfinished saga not running here and not waiting (backoff) to
        `recover`; how many were."""
        close_old_connections()
        keys = list(
            Saga.objects.filter(status__in=Saga.UNFINISHED)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=self.now()))
            .order_by("updated_at")
            .values_list("key", flat=True)[:SWEEP_BATCH]
        )
        with self._lock:
            waiting = [k for k in keys if k not in self._running and k not in self._starting]
        for key in waiting:
            self.submit(key, recover=True)
        return len(waiting)

    def _sweeping(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:
                logger.exception("saga sweep failed")
            time.sleep(self.sweep_interval)

    def start(self) -> None:
        """Start sweeping (the first sweep at once: sagas a crash left unfinished). The
        threads are daemons: a stop mid-step is a crash like any other, and recovered."""
        self._sweeper = threading.Thread(target=self._sweeping, name="saga-sweep", daemon=True)
        self._sweeper.start()


#: The process's crash switch and runner (started by OrdersConfig.serving, backends/orders/apps.py).
CRASH = CrashSwitch()
PARTICIPANTS = HttpParticipants()
RUNNER = Runner(lambda: Orchestrator(PARTICIPANTS, crash=CRASH))
