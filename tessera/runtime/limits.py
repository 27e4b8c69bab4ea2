"""What one service process accepts from its clients: time, size and number bounds.

Without them a client could hold a connection open forever by sending nothing or a byte now
and then, grow a request head without end (tens of MB buffered per connection), or
open connections until the process runs out of memory. The defaults are generous for any
browser or service client and are read once, at start-up, from the environment (names below).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from tessera.runtime.env import env_float, env_int


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Bounds one service process enforces on its HTTP connections (see `bounded`)."""

    #: Seconds to receive a request head: from connection open for the first request, from
    #: its first byte for each later one. Past it: 408 and the connection is closed (without
    #: an answer when nothing arrived).
    head_timeout: float = 10.0
    #: Seconds to receive a request's body once its head is complete. Past it: 408, closed.
    body_timeout: float = 30.0
    #: Seconds a connection may sit idle between requests before it is closed.
    keep_alive: float = 5.0
    #: Bytes of request line and headers, about as on the wire. Beyond it: 431.
    max_head_bytes: int = 32 * 1024
    #: Header lines in one request. Beyond it: 431.
    max_headers: int = 100
    #: Request body bytes (declared `Content-Length` or received chunked). Beyond it: 413.
    max_body_bytes: int = 1024 * 1024
    #: Open connections; a connection beyond it gets a 503 and is closed at once.
    max_connections: int = 1024

    def __post_init__(self) -> None:
        for field in fields(self):
            if not getattr(self, field.name) > 0:
                raise ValueError(f"{field.name} must be positive")

    @classmethod
    def from_env(cls) -> ServerLimits:
        """The limits from `TESSERA_HEAD_TIMEOUT`, `TESSERA_BODY_TIMEOUT`, `TESSERA_KEEP_ALIVE`,
        `TESSERA_MAX_HEAD_BYTES`, `TESSERA_MAX_HEADERS`, `TESSERA_MAX_BODY_BYTES` and
        `TESSERA_MAX_CONNECTIONS`, each defaulting to the field's default."""
        default = cls()
        return cls(
            head_timeout=env_float("TESSERA_HEAD_TIMEOUT", default.head_timeout),
            body_timeout=env_float("TESSERA_BODY_TIMEOUT", default.body_timeout),
            keep_alive=env_float("TESSERA_KEEP_ALIVE", default.keep_alive),
            max_head_bytes=env_int("TESSERA_MAX_HEAD_BYTES", default.max_head_bytes),
            max_headers=env_int("TESSERA_MAX_HEADERS", default.max_headers),
            max_body_bytes=env_int("TESSERA_MAX_BODY_BYTES", default.max_body_bytes),
            max_connections=env_int("TESSERA_MAX_CONNECTIONS", default.max_connections),
        )
