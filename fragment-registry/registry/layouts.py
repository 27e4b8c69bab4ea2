"""The shell's page layouts and their slots, as the registry validates placements against.

The shell owns the layouts; this table mirrors them so operators can only place fragments in
slots that exist. A test checks it against the shell's real templates, so they cannot drift.
"""

LAYOUT_SLOTS: dict[str, tuple[str, ...]] = {
    "home.html": ("header", "hero", "main", "footer"),
    "product.html": ("header", "product", "buybox", "reviews", "recommendations", "footer"),
    "listing.html": ("header", "main", "footer"),
    "cart.html": ("header", "main", "footer"),
}
