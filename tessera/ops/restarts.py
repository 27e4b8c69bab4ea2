"""When to restart a service that exited by itself: exponential backoff, and a crash loop
cooled down.

`up` restarts a crashed service the way supervisord or Kubernetes do: after a short pause
the first time, then after longer and longer ones while it keeps crashing; a service that ran
healthy for a while starts over from the shortest pause. One that crashes too often in a
short time is crash-looping: it is reported and left down (the rest of the store keeps
serving) for a cool-down, as Kubernetes' CrashLoopBackOff caps its wait at five minutes,
then tried afresh: what made it crash (a backend down, a full disk) may have passed. An
operator may try it at once (`manage.py restart <service>`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestartPolicy:
    """How `up` restarts services; the defaults are the local stack's."""

    #: Seconds before the first restart, doubled for each further crash in a row.
    first_delay: float = 0.5
    max_delay: float = 30.0
    #: This many exits within `window` seconds is a crash loop: the service is left down.
    crash_loop: int = 5
    window: float = 60.0
    #: A service that ran this long since its last start had recovered: its next crash is
    #: a first crash again.
    recovered_after: float = 30.0
    #: Seconds a crash-looping service is left down before it is tried afresh.
    cooldown: float = 300.0


@dataclass
class CrashHistory:
    """The exits of one service and its restart count, read against a `RestartPolicy`."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    restarts: int = 0
    _exits: deque[float] = field(default_factory=deque)
    _in_a_row: int = 0

    def exited(self, now: float, started_at: float) -> float | None:
        """Record an exit at `now` of the run started at `started_at`; return the seconds to
        wait before restarting, or None when the service is crash-looping."""
        policy = self.policy
        if now - started_at >= policy.recovered_after:
            self._in_a_row = 0
        self._in_a_row += 1
        self._exits.append(now)
        while self._exits and now - self._exits[0] > policy.window:
            self._exits.popleft()
        if len(self._exits) >= policy.crash_loop:
            return None
        return min(policy.max_delay, policy.first_delay * 2 ** (self._in_a_row - 1))

    def forget(self) -> None:
        """Start afresh (after a crash loop's cool-down, or an operator's restart): the
        exits so far no longer count; the restarts do."""
        self._exits.clear()
        self._in_a_row = 0
