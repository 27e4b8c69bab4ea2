"""The Django settings every service starts from.

A service's settings module calls `service_settings()` and adds only what is its own (apps,
URLs, templates). Keeping the shared part here means every service reads the same
environment variables the same way: secret key, debug, hosts, database, logging.
"""

from __future__ import annotations

from typing import Any

from tessera.runtime.env import data_dir, env_bool, env_list, env_str
from tessera.runtime.jsonlog import logging_config
from tessera.runtime.secrets import secret

#: Django templates for services with the admin (registry) and for tests of them.
ADMIN_TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

#: Django templates for services whose only pages are their API's docs (django-ninja's).
DOCS_TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]


def database_settings(service: str) -> dict[str, Any]:
    """`DATABASES` for a service: `DATABASE_URL` (PostgreSQL) when set, else its own SQLite."""
    url = env_str("DATABASE_URL", "")
    if url:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql"}:
            raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported")
        return {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": parts.path.lstrip("/"),
                "USER": unquote(parts.username or ""),
                "PASSWORD": unquote(parts.password or ""),
                "HOST": parts.hostname or "",
                "PORT": str(parts.port or ""),
            }
        }
    path = data_dir() / service / "db.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # WAL lets readers proceed while a write is in flight; the timeout absorbs short
            # write contention between processes and threads. IMMEDIATE transactions take the
            # write lock up front: a deferred one that reads and then writes fails at once
            # with "database is locked" when another writer got in between (the busy timeout
            # cannot help a lock upgrade), e.g. an admin save racing instance heartbeats.
            "OPTIONS": {
                "timeout": 10,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }


def service_settings(
    service: str,
    *,
    installed_apps: list[str],
    root_urlconf: str,
    middleware: list[str] | None = None,
    database: bool = True,
) -> dict[str, Any]:
    """Return a settings namespace for `service`, to be merged into its settings module."""
    debug = env_bool("TESSERA_DEBUG", False)
    https = env_bool("TESSERA_HTTPS", False)
    return {
        "SERVICE_NAME": service,
        "SECRET_KEY": secret("TESSERA_SECRET_KEY"),
        "DEBUG": debug,
        "ALLOWED_HOSTS": env_list("TESSERA_ALLOWED_HOSTS", ["127.0.0.1", "localhost"]),
        "INSTALLED_APPS": installed_apps,
        # First of all: the route is named once every other middleware has answered.
        "MIDDLEWARE": [
            "tessera.runtime.routes.route_names",
            *(
                middleware
                if middleware is not None
                else [
                    "django.middleware.security.SecurityMiddleware",
                    "django.middleware.common.CommonMiddleware",
                ]
            ),
        ],
        "ROOT_URLCONF": root_urlconf,
        "DATABASES": database_settings(service) if database else {},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "LANGUAGE_CODE": "en-us",
        "LOGGING": logging_config(service, env_str("TESSERA_LOG_LEVEL", "INFO")),
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
        "X_FRAME_OPTIONS": "SAMEORIGIN",
        # Served over HTTPS (behind a TLS-terminating proxy or ingress): cookies only over
        # HTTPS, and browsers told to stay on it.
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        "SECURE_HSTS_SECONDS": 31_536_000 if https else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": https,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if https else None,
    }
