"""What can go wrong fetching over HTTP, as exceptions the engine maps to fragment failures."""


class HTTPClientError(Exception):
    """Base class of every fragment client error."""


class ConnectError(HTTPClientError):
    """No connection could be made to the origin."""


class ConnectionClosed(HTTPClientError):
    """The server closed the connection before the response was complete."""

    def __init__(self, message: str, *, received_any: bool) -> None:
        super().__init__(message)
        self.received_any = received_any


class InvalidResponse(HTTPClientError):
    """The server sent something that is not a valid HTTP/1.1 response."""


class BodyTooLarge(HTTPClientError):
    """The body exceeded the cap; reading stopped there."""


class Overloaded(HTTPClientError):
    """The origin has as many requests in flight as the caller allows (a bulkhead): refused
    before sending, so the caller falls back at once instead of queueing."""
