"""`/metrics` of a service run as several workers (workers.py): the whole service's, whichever
worker the scrape reaches.

Each worker answers with its own exposition on a Unix socket in the server's private
directory; the worker a scrape reaches asks every other one for theirs, then and there, and
answers with all of them, every sample labelled with the `worker` it came from (`0`, `1`…).
`sum without (worker) (rate(tessera_http_requests_total[1m]))` is then the service's rate.

Why this and not the alternatives:
- prometheus-client's multiprocess mode aggregates only its own metric objects, through
  files every process writes as it counts; our request and fragment counts are plain objects
  turned into metric families by custom collectors at scrape time (metrics.py), so that
  counting costs the page path a tenth of what a prometheus-client metric would, and the
  process collector (RSS, open files) is per process anyway.
- Expositions written to files on a timer would be up to a period old when scraped, and cost
  every worker the writing whether anyone scrapes or not; asked for, they cost nothing until
  a scrape, and are as fresh as the answering worker's own.
- A `worker` label rather than sums: breakers, the fragment cache and the snapshot are each
  worker's own, and gauges such as the snapshot's age do not add up.

A worker that does not answer within `ASK_TIMEOUT` (being restarted, say) is left out of that
scrape; its counters start again from zero when it is back, which Prometheus' `rate` takes as
the reset it is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families

from tessera.runtime.workers import Worker

#: Seconds the answering worker waits for each other worker's exposition.
ASK_TIMEOUT = 2.0
#: The label telling one worker's samples from another's.
LABEL = "worker"

Exposition = Callable[[], Awaitable[bytes]]


class WorkerMetrics:
    """One worker's side: answer the others with `expose()`, and gather theirs."""

    def __init__(self, worker: Worker, expose: Exposition) -> None:
        self.worker = worker
        self.expose = expose
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        """Answer the other workers at this worker's socket."""
        path = self.worker.metrics_socket()
        path.unlink(missing_ok=True)  # left by the worker this one replaces
        self._server = await asyncio.start_unix_server(self._answer, path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            self.worker.metrics_socket().unlink(missing_ok=True)

    async def exposition(self) -> bytes:
        """Every worker's metrics that answered, each sample labelled with its worker."""
        others = [i for i in range(self.worker.count) if i != self.worker.index]
        answers = await asyncio.gather(self.expose(), *(self._ask(i) for i in others))
        expositions = {self.worker.index: answers[0]}
        expositions.update(
            (index, answer) for index, answer in zip(others, answers[1:], strict=True) if answer
        )
        # Parsing the others' text takes a while (120 ms for two workers, measured): not in
        # the loop, where this worker's pages wait.
        return await asyncio.to_thread(merged, expositions)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(await self.expose())
            await writer.drain()
        finally:
            writer.close()

    async def _ask(self, index: int) -> bytes | None:
        """Worker `index`'s exposition, or None when it does not answer in time."""
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(ASK_TIMEOUT):
                reader, writer = await asyncio.open_unix_connection(
                    self.worker.metrics_socket(index)
                )
                try:
                    return await reader.read()
                finally:
                    writer.close()
        return None


def merged(expositions: Mapping[int, bytes]) -> bytes:
    """One exposition of several, in the Prometheus text format, by worker index: each
    metric family once, with every worker's samples labelled `worker="<index>"`."""
    families: dict[str, Metric] = {}
    for index, text in sorted(expositions.items()):
        for family in text_string_to_metric_families(text.decode()):
            kept = families.setdefault(family.name, family)
            labelled = [s._replace(labels={**s.labels, LABEL: str(index)}) for s in family.samples]
            if kept is family:
                family.samples = labelled
            else:
                kept.samples.extend(labelled)
    return generate_latest(_Families(list(families.values())))  # type: ignore[arg-type]


class _Families:
    """What `generate_latest` asks of a registry: its metric families."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families
