"""The registry's Django apps, middleware and admin defences, shared by its settings and the
unit tests'."""

from datetime import timedelta
from typing import Any

APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login throttling for the admin
    "ninja",  # the API docs' assets from the package itself, not a CDN
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.audit.ActorMiddleware",  # who made a change, for the audit history
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout page
]

#: The admin's defences. Logins: after 5 failed attempts for one username from one address,
#: that pair is locked out for 15 minutes (django-axes; its backend goes first and refuses
#: even the right password meanwhile); a success clears the count. Passwords set in the
#: admin must pass Django's validators. A session ends after a working day. The API's
#: bearer token does not go through any of this.
ADMIN_SECURITY: dict[str, Any] = {
    "AUTHENTICATION_BACKENDS": [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ],
    "AXES_FAILURE_LIMIT": 5,
    # Its start-up banner would land in `registry export`'s output; lockouts still log.
    "AXES_VERBOSE": False,
    "AXES_COOLOFF_TIME": timedelta(minutes=15),
    "AXES_LOCKOUT_PARAMETERS": [["ip_address", "username"]],
    "AXES_RESET_ON_SUCCESS": True,
    "AXES_LOCKOUT_CALLABLE": "registry.admin.site.locked_out",
    "AUTH_PASSWORD_VALIDATORS": [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ],
    "SESSION_COOKIE_AGE": 8 * 60 * 60,
}
