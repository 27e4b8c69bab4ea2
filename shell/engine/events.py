"""Observable engine events: subscribers hook onto outcomes instead of being woven in.

`fragment_resolved` fires once per placement with its `Outcome` and the page's request id
(resolve.py calls each subscriber); logging, metrics and tracing subscribe here. The
default subscriber logs every fragment that did not resolve cleanly, so operators see
failures with the page's request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shell.engine.outcome import Outcome

Subscriber = Callable[[Outcome, str], None]

logger = logging.getLogger("tessera.engine")

fragment_resolved: list[Subscriber] = []


def log_failures(outcome: Outcome, request_id: str) -> None:
    if outcome.error:
        logger.warning(
            "fragment %s: %s",
            outcome.name,
            outcome.error,
            extra={
                "fragment": outcome.name,
                "outcome": outcome.kind,
                "via": outcome.via,
                "duration_ms": round(outcome.duration_ms, 1),
                "page_request_id": request_id,
            },
        )


fragment_resolved.append(log_failures)
