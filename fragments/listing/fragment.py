"""The product list: a category's products or search results, with prices and stock, in pages.

It is the primary fragment of the category and search pages: an unknown category, or a page
past the last one, makes the page a 404, and the list names the page's title. Shoppers sort
it (`sort`: by name, by price either way) and filter it (`stock=in`: in stock only; `min`,
`max`: a price range in whole units of the page's currency, euros, or won on a Korean page,
fragments/kit/money.py), all in the page's query, hence in the fragment's URL and, with the
page's language, in the shell cache's key. Sorting by price or filtering needs every
product's price and stock: the list then considers the catalog's first `CONSIDERED` matches,
sorts and filters them here and pages the result; otherwise the catalog pages it. Product
and category names come in the page's language from the catalog (fragments/kit/backends.py
asks for it), sorting by name too.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja import Router

from fragments.kit.backends import add_image_relay, get_json, get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, NotFound, Rendered
from fragments.kit.money import won_per_cent
from fragments.kit.params import MAX_SEARCH, query_int, query_text
from fragments.kit.rendering import render as render_template

PAGE_SIZE = 12
MAX_PAGE = 1000
#: How many matches a sorted-by-price or filtered list considers: the catalog's largest page.
CONSIDERED = 100
#: The highest price bound a shopper may give, in whole euros, and in whole won on a Korean
#: page (nine digits, the most `query_int` reads); a higher one is left unset.
MAX_EUROS = 1_000_000
MAX_WON = 999_999_999
#: A category slug as the catalog makes them; anything else names no category.
CATEGORY = re.compile(r"[a-z0-9-]{1,50}")
#: A page number, however many digits: one past MAX_PAGE is past the last page too.
PAGE_NUMBER = re.compile(r"0*([1-9][0-9]*)")
#: The orders a shopper may choose ("" is the catalog's own), as the sort menu names them.
SORTS = {
    "": gettext_lazy("Featured"),
    "price-asc": gettext_lazy("Price: low to high"),
    "price-desc": gettext_lazy("Price: high to low"),
    "name": gettext_lazy("Name: A to Z"),
}

bff = Router(tags=["listing"])
add_image_relay(bff)


@dataclass(frozen=True)
class Choice:
    """How the shopper wants the list: its order and filters (each "" or 0 when unset).

    The price bounds are whole units of the currency the page shows prices in, as the
    shopper typed them: euros, or won on a Korean page (`won_per_cent` is then the page's
    rate, fragments/kit/money.py). Prices are euro cents: a bound in won keeps the prices
    whose won figure, as the page shows it, is within it (`min_cents`, `max_cents`).
    """

    sort: str = ""
    in_stock_only: bool = False
    min_price: int = 0
    max_price: int = 0
    won_per_cent: int | None = None

    @classmethod
    def of(cls, query: QueryDict) -> Choice:
        """The choice in a page's query, bounds in the current language's currency; an
        unknown order or a bad bound (not digits, negative, too high) is left unset."""
        sort = query.get("sort", "")
        rate = won_per_cent()
        highest = MAX_EUROS if rate is None else MAX_WON

        def bound(name: str) -> int:
            return query_int(query, name, default=0, minimum=0, maximum=highest)

        return cls(
            sort=sort if sort in SORTS else "",
            in_stock_only=query.get("stock") == "in",
            min_price=bound("min"),
            max_price=bound("max"),
            won_per_cent=rate,
        )

    @property
    def min_cents(self) -> int:
        """The lowest price kept, in euro cents (0: no lower bound)."""
        if self.won_per_cent is None:
            return 100 * self.min_price
        return -(-self.min_price // self.won_per_cent)  # ₩1,501 is above €1.00: €1.01 up

    @property
    def max_cents(self) -> int | None:
        """The highest price kept, in euro cents (None: no upper bound)."""
        if not self.max_price:
            return None
        if self.won_per_cent is None:
            return 100 * self.max_price
        return self.max_price // self.won_per_cent  # ₩1,499 is below €1.00: up to €0.99

    @property
    def filtered(self) -> bool:
        return self.in_stock_only or bool(self.min_price or self.max_price)

    @property
    def by_catalog(self) -> bool:
        """Whether the catalog can page it (its own order or by name, nothing filtered)."""
        return self.sort in ("", "name") and not self.filtered

    def params(self) -> dict[str, str | int]:
        """The choice as query parameters, for the list's links (unset ones left out)."""
        given = {
            "sort": self.sort,
            "stock": "in" if self.in_stock_only else "",
            "min": self.min_price,
            "max": self.max_price,
        }
        return {name: value for name, value in given.items() if value}

    def keeps(self, item: dict[str, Any]) -> bool:
        """Whether the filters keep `item` (with its `price` and `in_stock`)."""
        if self.in_stock_only and item["in_stock"] is False:
            return False
        if self.min_price or self.max_price:
            cents = item["price"]["price_cents"] if item["price"] else None
            if cents is None or cents < self.min_cents:
                return False
            highest = self.max_cents
            if highest is not None and cents > highest:
                return False
        return True

    def arrange(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`items` filtered and in the chosen order; without a price, last."""
        kept = [item for item in items if self.keeps(item)]
        if self.sort.startswith("price-"):
            priced = [item for item in kept if item["price"]]
            priced.sort(key=lambda i: i["price"]["price_cents"], reverse=self.sort == "price-desc")
            kept = priced + [item for item in kept if not item["price"]]
        return kept


def page_number(query: QueryDict) -> int | None:
    """The page asked for: 1 when none or not a page number ("0", "²", "1e3"); None when it
    is past any page there can be."""
    found = PAGE_NUMBER.fullmatch(query.get("page", ""))
    if found is None:
        return 1
    digits = found.group(1)
    return int(digits) if len(digits) <= len(str(MAX_PAGE)) and int(digits) <= MAX_PAGE else None


async def with_price_and_stock(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`products` with their `price` (None without pricing) and `in_stock` (None when the
    inventory cannot tell)."""
    skus = [p["sku"] for p in products]
    if not skus:
        return []
    priced, levels = await asyncio.gather(
        get_json_or([], "pricing", "/prices", sku=skus),
        get_json_or([], "inventory", "/stock", sku=skus),
    )
    prices = {p["sku"]: p for p in priced}
    stock = {s["sku"]: s["in_stock"] for s in levels}
    return [{**p, "price": prices.get(p["sku"]), "in_stock": stock.get(p["sku"])} for p in products]


async def render(request: HttpRequest) -> Rendered:
    """A page of a category's products or of search results, sorted and filtered as asked.

    A malformed `page` shows the first page; one past the last page, or a `category` that is
    not a slug (before any backend is asked) or that the catalog does not know, is a 404.
    """
    category_slug = request.GET.get("category", "")
    if category_slug and not CATEGORY.fullmatch(category_slug):
        raise NotFound(category_slug)
    page = page_number(request.GET)
    if page is None:
        raise NotFound(request.GET["page"])
    query = query_text(request.GET, "q", max_length=MAX_SEARCH)
    choice = Choice.of(request.GET)
    wanted = {"category": category_slug or None, "q": query or None}
    if choice.sort == "name":
        wanted["sort"] = "name"
    if choice.by_catalog:
        wanted.update(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    else:
        wanted.update(limit=CONSIDERED, offset=0)
    categories, found = await asyncio.gather(
        get_json("catalog", "/categories"), get_json("catalog", "/products", **wanted)
    )
    category = next((c for c in categories if c["slug"] == category_slug), None)
    if category_slug and category is None:
        raise NotFound(category_slug)
    if choice.by_catalog:
        total = found["total"]
        items = considered = await with_price_and_stock(found["items"])
    else:
        considered = await with_price_and_stock(found["items"])
        arranged = choice.arrange(considered)
        total = len(arranged)
        items = arranged[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    # "In stock only" asked while the inventory could not tell: the list may hold products
    # that are sold out, and the shopper is told so rather than trust the ticked box.
    stock_unknown = choice.in_stock_only and any(i["in_stock"] is None for i in considered)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise NotFound(str(page))
    if category:
        heading = title = category["name"]
        path, keep = f"/c/{category_slug}", {}
    else:
        heading = _("Results for “%(query)s”") % {"query": query} if query else _("All products")
        title = _("%(query)s — search") % {"query": query} if query else heading
        path, keep = "/search", {"q": query} if query else {}
    keep.update(choice.params())
    html = render_template(
        "listing",
        "listing.html",
        heading=heading,
        query=query,
        total=total,
        items=items,
        page=page,
        pages=pages,
        path=path,
        choice=choice,
        stock_unknown=stock_unknown,
        sorts=SORTS,
        max_bound=MAX_EUROS if choice.won_per_cent is None else MAX_WON,
        href=lambda number: f"{path}?{urlencode({**keep, 'page': number})}",
    )
    products = ngettext("%(heading)s: %(num)d product.", "%(heading)s: %(num)d products.", total)
    return Rendered(html, title=title, description=products % {"heading": heading, "num": total})


fragment = Fragment(
    name="listing",
    render=render,
    path="/fragment?category={category}&q={q}&page={page}&sort={sort}&stock={stock}"
    "&min={min}&max={max}",
    styles=("listing.css",),
    bff=bff,
    timeout_ms=800,
    # The same for everyone: category, search text, page, order and filters are in the
    # fragment's URL (the key), nothing is read from the visitor or page path; the locale
    # (its words, its prices' currency) is in the key as every fragment's (the kit). It
    # shows prices and stock: ten seconds fresh and thirty more while refreshed. A day's
    # stale-if-error (the primary: a stale list beats the 503 page). Without prices or
    # stock it is degraded: no-store.
    caching=Caching(shared=True, max_age=10, stale_while_revalidate=30, stale_if_error=86_400),
    primary=True,
    owner="discovery",
    description="Product list of a category or of search results, with prices, in pages.",
)
