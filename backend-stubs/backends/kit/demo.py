"""The demo shop's product identities, shared by every backend stub's seed data.

Each backend owns its own data (prices, stock, reviews...), keyed by SKU; this is only the
list of SKUs and their categories, so that every stub seeds the same products.
"""

CATEGORY_SLUGS = ("kitchen", "books", "outdoors", "electronics", "home", "toys")
PER_CATEGORY = 10


def demo_skus() -> list[tuple[str, str]]:
    """(sku, category) for the 60 demo products, always the same."""
    return [
        (f"SKU-{1001 + i}", CATEGORY_SLUGS[i // PER_CATEGORY])
        for i in range(len(CATEGORY_SLUGS) * PER_CATEGORY)
    ]
