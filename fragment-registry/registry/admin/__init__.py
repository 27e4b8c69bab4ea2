"""The operators' view of the registry: fragments, instances, pages and their history, and
the shells' circuit breakers as they report them.

The index opens with every fragment's health (`health.overview`); a page's placements choose
their slot among the layouts' (`pages.SlotSelect`); a fragment's page previews it through
the shell with parameter values the operator chooses (`preview`). The admin's own
stylesheet (`site.OperatorAdmin`) fits its lists to a laptop's screen and its forms to a
phone's. Importing this package registers every model's admin.
"""

from registry.admin import fragments, history, pages, site, tokens

__all__ = ["fragments", "history", "pages", "site", "tokens"]
