"""The services a checkout saga changes, called over HTTP: inventory, payments, cart.

Every call names the saga's idempotency key, so repeating one (after a timeout, or after a
restart) changes nothing that the first did not. An answer is one of three things: done,
`Refused` (the service said no and will say no again: a decline, not enough stock) or
`Unavailable` (no answer, a timeout, a 5xx: asking again may succeed).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from tessera.runtime.env import env_float, service_url
from tessera.runtime.tracing import outgoing

#: What a refusal means for the shopper, by the service's status, per step.
RESERVE_REFUSALS = {404: "out_of_stock", 409: "out_of_stock"}
AUTHORISE_REFUSALS = {402: "declined", 404: "payment_refused", 409: "payment_refused"}
CONFIRM_REFUSALS = {404: "reservation_lost", 409: "reservation_lost"}
CAPTURE_REFUSALS = {404: "payment_lost", 409: "payment_lost"}
#: The cart no longer holds the units (removed, or taken by another checkout of the cart).
TAKE_REFUSALS = {409: "cart_changed"}


class Refused(Exception):
    """A participant refused the step for good: `reason` (for the shopper) and `detail`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Unavailable(Exception):
    """A participant did not answer, or failed: the step may succeed if tried again."""


class Participants(Protocol):
    """What the saga asks of the other services; `HttpParticipants` or a test's fake."""

    def reserve(self, key: str, lines: list[dict[str, Any]]) -> None: ...
    def release(self, key: str) -> None: ...
    def authorise(self, key: str, card: str, amount_cents: int, currency: str) -> None: ...
    def void(self, key: str) -> None: ...
    def confirm(self, key: str) -> None: ...
    def capture(self, key: str) -> None: ...
    def take_from_cart(self, key: str, visitor: str, lines: list[dict[str, Any]]) -> None: ...
    def return_to_cart(self, key: str, visitor: str) -> None: ...


class HttpParticipants:
    """`Participants` over HTTP, at the URLs `up` announces (`TESSERA_<NAME>_URL`)."""

    def __init__(self, timeout: float | None = None) -> None:
        self.client = httpx.Client(
            timeout=timeout or env_float("ORDERS_CALL_TIMEOUT", 2.0),
            headers={"User-Agent": "tessera-orders"},
        )

    def _call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        refusals: dict[int, str],
        json: Any = None,
        params: Any = None,
    ) -> None:
        url = service_url(service) + path
        try:
            response = self.client.request(
                method, url, json=json, params=params, headers=outgoing()
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service}: {type(exc).__name__}") from exc
        if response.status_code < 400:
            return
        if response.status_code in refusals:
            raise Refused(refusals[response.status_code], _detail(response))
        if response.status_code >= 500:
            raise Unavailable(f"{service}: HTTP {response.status_code}")
        # Any other refusal is this service's mistake, not the shopper's: it will not pass.
        raise Refused("rejected", f"{service} refused the request: {_detail(response)}")

    def reserve(self, key: str, lines: list[dict[str, Any]]) -> None:
        body = {"key": key, "lines": [{"sku": x["sku"], "quantity": x["quantity"]} for x in lines]}
        self._call("inventory", "POST", "/reservations", json=body, refusals=RESERVE_REFUSALS)

    def release(self, key: str) -> None:
        self._call("inventory", "POST", f"/reservations/{key}/release", refusals={})

    def authorise(self, key: str, card: str, amount_cents: int, currency: str) -> None:
        body = {"key": key, "card": card, "amount_cents": amount_cents, "currency": currency}
        self._call("payments", "POST", "/authorisations", json=body, refusals=AUTHORISE_REFUSALS)

    def void(self, key: str) -> None:
        self._call("payments", "POST", f"/voids/{key}", refusals={})

    def confirm(self, key: str) -> None:
        path = f"/reservations/{key}/confirm"
        self._call("inventory", "POST", path, refusals=CONFIRM_REFUSALS)

    def capture(self, key: str) -> None:
        self._call("payments", "POST", f"/captures/{key}", refusals=CAPTURE_REFUSALS)

    def take_from_cart(self, key: str, visitor: str, lines: list[dict[str, Any]]) -> None:
        """Take the units bought out of the cart, all or none, only if the cart holds them
        now (not whole lines: a unit the shopper added meanwhile stays), once under `key`;
        `Refused` (cart_changed) when it does not hold them any more."""
        body = {"key": key, "lines": [{"sku": x["sku"], "quantity": x["quantity"]} for x in lines]}
        path = f"/carts/{visitor}/removals"
        self._call("cart", "POST", path, json=body, refusals=TAKE_REFUSALS)

    def return_to_cart(self, key: str, visitor: str) -> None:
        """Put what was taken under `key` back (idempotent; a tombstone if nothing was)."""
        self._call("cart", "POST", f"/carts/{visitor}/removals/{key}/return", refusals={})


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else f"HTTP {response.status_code}"
