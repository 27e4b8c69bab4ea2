"""Template tags of the registry's admin pages."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def fragment_overview() -> list[dict[str, Any]]:
    """Every fragment's health at a glance (registry.admin.health.overview), for the index."""
    from registry.admin.health import overview

    return overview()
