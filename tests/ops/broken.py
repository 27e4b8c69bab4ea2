"""A service module that fails at import, as a misconfigured service would."""

raise RuntimeError("missing configuration: BROKEN_SETTING")
