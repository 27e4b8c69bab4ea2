"""The audit history: every change to fragments, instances, pages, placements and API tokens,
with who.

Signals record changes however they are made (admin, API, shell); the actor comes from a
context variable that the middleware sets to the logged-in operator and the API to the
registry token's holder. Heartbeats are not changes and are not recorded.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.forms.models import model_to_dict

actor: ContextVar[str] = ContextVar("registry_actor", default="system")

#: Fields the history leaves out: what heartbeats and clocks change, and a token's digest.
IGNORED_FIELDS = frozenset(
    {"last_heartbeat", "updated_at", "created_at", "registered_at", "digest"}
)


class ActorMiddleware:
    """Attribute changes made during a request to the logged-in user."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = actor.set(user.get_username() if user and user.is_authenticated else "anonymous")
        try:
            return self.get_response(request)
        finally:
            actor.reset(token)


def _values(instance) -> dict[str, Any]:
    """The fields an operator reads in the history: a related object by its name (the
    fragment `reviews`, not 9), not by its id."""
    values = {
        k: v for k, v in model_to_dict(instance).items() if k not in IGNORED_FIELDS and k != "id"
    }
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.name in values and values[field.name] is not None:
            values[field.name] = _name(getattr(instance, field.name, None))
    return values


def _name(related: Any) -> str | None:
    """What a related object is called: its `name` if it has one, else how it prints."""
    if related is None:
        return None
    return getattr(related, "name", None) or str(related)


def _before(sender, instance, **kwargs) -> None:
    if instance.pk:
        previous = sender.objects.filter(pk=instance.pk).first()
        instance._audit_before = _values(previous) if previous else None
    else:
        instance._audit_before = None


def _after_save(sender, instance, created, **kwargs) -> None:
    from registry.models import Change

    after = _values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        action, details = "created", after
    else:
        details = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if not details:
            return  # e.g. a heartbeat: nothing an operator would call a change
        action = "changed"
    Change.objects.create(
        actor=actor.get(),
        action=action,
        target_type=sender.__name__.lower(),
        target=str(instance)[:300],
        details=details,
    )


def _after_delete(sender, instance, **kwargs) -> None:
    from registry.models import Change

    Change.objects.create(
        actor=actor.get(),
        action="deleted",
        target_type=sender.__name__.lower(),
        target=str(instance)[:300],
        details=_values(instance),
    )


def connect() -> None:
    from registry.models import ApiToken, Fragment, Instance, Page, Placement

    for model in (Fragment, Instance, Page, Placement, ApiToken):
        pre_save.connect(_before, sender=model, dispatch_uid=f"audit-pre-{model.__name__}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{model.__name__}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{model.__name__}")
