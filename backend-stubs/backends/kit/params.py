"""The grammar of what callers send the backend stubs, declared once for every stub.

Declared as ninja parameter types, so a request that breaks it is a 422 naming the parameter
before a view runs, and the OpenAPI document states it. Patterns are for pydantic's regex
engine: `[0-9]`, not `\\d` (any Unicode digit), and `$` only at the very end.
"""

from collections.abc import Sequence
from typing import Annotated, Protocol, TypeVar

from ninja import Path, Query
from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

#: One line of text with something visible in it (a name, a title): no control characters,
#: line separators or bidi controls, and not only invisible characters; the fragments' BFFs
#: hold their lines to the same rule, spelled once in tessera/runtime/text.py.
from tessera.runtime.text import VisibleLine as VisibleLine

#: Text of several lines (a review) with something visible in it: tabs and line breaks, but no
#: other control characters and no bidi controls.
from tessera.runtime.text import VisibleText as VisibleText

SKU = r"^SKU-[0-9]{1,8}$"
VISITOR = r"^[A-Za-z0-9_-]{8,64}$"
#: The currencies the shop prices in and charges (ISO 4217): euros only, as the pricing
#: backend stores its prices (a Korean page shows won, converted for display only).
CURRENCIES = ("EUR",)


def _priced_in(currency: str) -> str:
    """`currency` if the shop prices in it; else a refusal in words (a 422 naming the field)."""
    if currency not in CURRENCIES:
        raise PydanticCustomError(
            "currency",
            "the shop prices and charges in {allowed} only, not {currency}",
            {"allowed": ", ".join(CURRENCIES), "currency": repr(currency[:8])},
        )
    return currency


#: A currency the shop prices in (one of CURRENCIES), as a field's type: any other is a 422
#: saying so, and the OpenAPI document lists them.
Currency = Annotated[
    str,
    AfterValidator(_priced_in),
    WithJsonSchema({"type": "string", "enum": list(CURRENCIES)}),
]
#: What payments makes of a card (POST /cards): the only way a card travels between stubs.
CARD_TOKEN = r"^card_[0-9a-f]{24}$"  # noqa: S105 (a pattern, not a secret)
#: Text without control characters (NUL included, which some databases refuse).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
#: The deepest a listing may be paged; a bigger offset is a 422, not a database overflow.
MAX_OFFSET = 100_000

SkuPath = Annotated[str, Path(pattern=SKU, description="a SKU, e.g. SKU-1001")]
#: One SKU of a list in the query (`?sku=SKU-1001&sku=SKU-1002`).
Sku = Annotated[str, StringConstraints(pattern=SKU)]
VisitorPath = Annotated[
    str, Path(pattern=VISITOR, description="a visitor id: 8-64 letters, digits, '-' or '_'")
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")]


class _Line(Protocol):
    sku: str


LineT = TypeVar("LineT", bound=_Line)


def one_line_per_sku(lines: Sequence[LineT]) -> Sequence[LineT]:
    """`lines` of an order, a reservation or a removal, each SKU in one of them only (a
    pydantic `AfterValidator`: two lines of one SKU would be counted against its stock
    twice, or removed twice)."""
    if len({line.sku for line in lines}) != len(lines):
        raise ValueError("each product may appear in one line only")
    return lines
