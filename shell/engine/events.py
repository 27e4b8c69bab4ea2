"""Observable engine events: subscribers hook onto outcomes instead of being woven in.

`fragment_resolved` fires once per placement with its `Outcome`; logging, metrics and
tracing subscribe here. The default subscriber logs every fragment that did not resolve
cleanly, so operators see failures with the page's request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shell.engine.outcome import Outcome

Subscriber = Callable[[Outcome, str], None]

logger = logging.getLogger("tessera.engine")

fragment_resolved: list[Subscriber] = []


def emit_fragment_resolved(outcome: Outcome, request_id: str) -> None:
    """Tell every subscriber how a fragment of page `request_id` resolved."""
    for subscriber in fragment_resolved:
        subscriber(outcome, request_id)


def log_failures(outcome: Outcome, request_id: str) -> None:
    if outcome.error:
        logger.warning(
            "fragment %s: %s",
            outcome.name,
            outcome.error,
            extra={
                "fragment": outcome.name,
                "outcome": outcome.kind,
                "duration_ms": round(outcome.duration_ms, 1),
                "page_request_id": request_id,
            },
        )


fragment_resolved.append(log_failures)
