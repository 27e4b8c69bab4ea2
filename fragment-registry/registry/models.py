"""What the registry knows: fragments (configuration) and their instances (discovery)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from registry.validators import validate_instance_url

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def validate_path_template(value: str) -> None:
    """A fragment path: absolute, with `{name}` placeholders for route parameters."""
    if not value.startswith("/"):
        raise ValidationError("path template must start with '/'")
    if "//" in value or any(c in value for c in " #\\"):
        raise ValidationError("path template must not contain '//', spaces, '#' or '\\'")
    for name in _PLACEHOLDER.findall(value):
        if not name.isidentifier():
            raise ValidationError(f"placeholder {{{name}}} is not a valid parameter name")
    if _PLACEHOLDER.sub("", value).count("{") or _PLACEHOLDER.sub("", value).count("}"):
        raise ValidationError("path template has an unbalanced '{' or '}'")


class Fragment(models.Model):
    """A fragment and how shells fetch it; one row per fragment, however many instances."""

    name = models.CharField(
        max_length=63,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN, "lower-case letters, digits and '-'")],
    )
    owner = models.CharField(max_length=100, blank=True, help_text="owning team")
    description = models.TextField(blank=True)
    path_template = models.CharField(
        max_length=300, default="/fragment", validators=[validate_path_template]
    )
    timeout_ms = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(10), MaxValueValidator(30_000)]
    )
    primary = models.BooleanField(default=False)
    required = models.BooleanField(default=False)
    fallback_html = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Instance(models.Model):
    """One running copy of a fragment service, kept alive by its heartbeats."""

    fragment = models.ForeignKey(Fragment, on_delete=models.CASCADE, related_name="instances")
    base_url = models.CharField(max_length=300, validators=[validate_instance_url])
    version = models.CharField(max_length=64, default="dev")
    registered_at = models.DateTimeField(auto_now_add=True)
    last_heartbeat = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fragment__name", "base_url"]
        constraints = [
            models.UniqueConstraint(fields=["fragment", "base_url"], name="unique_instance_url")
        ]

    def __str__(self) -> str:
        return f"{self.fragment.name}@{self.base_url}"

    def is_up(self, now: datetime | None = None) -> bool:
        """Whether the heartbeat is recent enough for the instance to receive traffic."""
        return (now or timezone.now()) - self.last_heartbeat <= heartbeat_ttl()


def heartbeat_ttl() -> timedelta:
    return timedelta(seconds=settings.REGISTRY_HEARTBEAT_TTL)
