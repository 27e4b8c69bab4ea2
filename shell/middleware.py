"""The shell's Django middleware, in order: Django serves the gateway, assets and the rest
of what is not a page (tests run the gateway under the same list)."""

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A BFF write's body, read before the CSRF check can consume it (body.py).
    "shell.gateway.body.read_body_first",
    # BFF writes through the gateway need a CSRF token (cookie + X-CSRFToken header).
    "django.middleware.csrf.CsrfViewMiddleware",
]
