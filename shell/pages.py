"""The storefront's pages, until the registry's page placements replace this table."""

from shell.engine.routing import Page

PAGES = (
    Page(
        name="home",
        route="/",
        layout="home.html",
        title="Tessera — a shop of many parts",
        slots={"header": ("header",), "hero": ("hero",)},
    ),
)
