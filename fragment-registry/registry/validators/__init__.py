"""Every rule the registry holds a value to, in one place: the models use these as field
validators, and both the admin's forms and the API (which runs the models' `full_clean`) go
through the models, so the same rule is applied to the same value, and the value checked is
the value stored.

- `text`: names, versions, shell ids, paths and routes, header and cookie names, free text,
  a page's titles by language (checked against the fragment contract the shell and the kit
  use, `tessera.runtime.contract`);
- `urls`: instance and fallback URLs, the SSRF guard.
"""

from registry.validators.text import (
    LANGUAGE,
    LAYOUT,
    MAX_PARAMS,
    MAX_SLOTS,
    MAX_TITLES,
    NAME,
    SHELL_ID,
    SLOT,
    TITLE_CHARS,
    VERSION,
    names,
    template_parameters,
    validate_cookie_names,
    validate_forward_headers,
    validate_layout_name,
    validate_name,
    validate_path_template,
    validate_placement_params,
    validate_route,
    validate_shell_id,
    validate_single_line,
    validate_slot_name,
    validate_slot_names,
    validate_text,
    validate_titles,
    validate_version,
    within,
)
from registry.validators.urls import validate_fallback_url, validate_instance_url

__all__ = [
    "LANGUAGE",
    "LAYOUT",
    "MAX_PARAMS",
    "MAX_SLOTS",
    "MAX_TITLES",
    "NAME",
    "SHELL_ID",
    "SLOT",
    "TITLE_CHARS",
    "VERSION",
    "names",
    "template_parameters",
    "validate_cookie_names",
    "validate_fallback_url",
    "validate_forward_headers",
    "validate_instance_url",
    "validate_layout_name",
    "validate_name",
    "validate_path_template",
    "validate_placement_params",
    "validate_route",
    "validate_shell_id",
    "validate_single_line",
    "validate_slot_name",
    "validate_slot_names",
    "validate_text",
    "validate_titles",
    "validate_version",
    "within",
]
