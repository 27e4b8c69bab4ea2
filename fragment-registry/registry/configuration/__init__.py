"""The registry's configuration as one YAML document: what `manage.py registry export` writes
and `registry apply` makes the registry match, so the configuration can live in git and be
reviewed like code.

The document holds what operators decide: fragments with their settings and their manual
instances, pages with their placements. Never what runs by itself: self-registered instances,
the layouts shells publish, timestamps, ids; nor what the registry's own tools move while the
configuration stands still (`RUNTIME_FIELDS`).

    fragments:
      hero:
        path_template: /fragment
        timeout_ms: 800
        instances:          # manual ones only
        - base_url: http://127.0.0.1:8102
          weight: 50
    pages:
      home:
        route: /
        layout: home.html
        title: Home
        placements:         # slot by slot, each slot's fragments in their order
        - slot: hero
          fragment: hero
        - slot: hero
          fragment: promo
          params:
            limit: '4'

A setting left out is its default (an export leaves defaults out), so a file states every
object it names in full. `load` checks the document's shape (unknown keys, wrong types, a
key given twice); `apply` then writes it in one transaction through the models'
`full_clean()`, the admin's and the API's rules, and any error names its place in the
document (`pages.product.placements[2].slot: ...`) and leaves nothing written.
"""

from registry.configuration.changes import Step, apply, diff
from registry.configuration.document import Configuration, Invalid, dump, export, load

__all__ = ["Configuration", "Invalid", "Step", "apply", "diff", "dump", "export", "load"]
