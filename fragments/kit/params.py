"""What a fragment takes from the outside world, checked strictly before it is used.

Everything here comes from whoever calls a fragment service: a page's query string, a path
segment, a BFF request. Python's own helpers are too lenient for that: `str.isdigit()` and
`\\d` accept any Unicode digit ("²", "٣"), `$` matches before a trailing newline, and nothing
bounds a length. These helpers accept ASCII digits only, bound every number and length, and
drop control characters, so a bad value becomes a default, a 404 or a 422, never a crash.
"""

from __future__ import annotations

import re
from typing import Annotated

from django.http import QueryDict
from ninja import Path

#: One line of text people read (a name, a street): the rule the backends hold it to too.
from tessera.runtime.text import VisibleLine as VisibleLine
from tessera.runtime.text import VisibleText as VisibleText

#: A product's SKU, for ninja/pydantic (their regex engine ends `$` at the very end).
SKU_PATTERN = r"^SKU-[0-9]{1,8}$"
_SKU = re.compile(r"SKU-[0-9]{1,8}")
#: A SKU path parameter of a BFF operation: anything else is a 422 before the view runs.
SkuPath = Annotated[str, Path(pattern=SKU_PATTERN, description="a SKU, e.g. SKU-1001")]

#: The longest search text the catalog takes (the header's search box and the listing).
MAX_SEARCH = 100

_DIGITS = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def is_sku(value: str) -> bool:
    """Whether `value` is a well-formed SKU (ASCII digits only, no trailing newline)."""
    return _SKU.fullmatch(value) is not None


def query_int(query: QueryDict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The whole number `name` in `query`, or `default` when it is missing, is not one to
    nine plain ASCII digits, or lies outside `minimum`..`maximum` (a page link mangled by
    hand or by a bot gets a sensible page, not an error)."""
    raw = query.get(name, "")
    if not _DIGITS.fullmatch(raw):
        return default
    number = int(raw)
    return number if minimum <= number <= maximum else default


def query_text(query: QueryDict, name: str, *, max_length: int) -> str:
    """The text `name` in `query`, each run of control characters made a space, trimmed, cut to
    `max_length` characters (undecodable bytes have already become U+FFFD)."""
    return _CONTROL.sub(" ", query.get(name, "")).strip()[:max_length].strip()
