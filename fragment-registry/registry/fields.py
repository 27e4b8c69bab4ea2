"""A model field stored in the canonical form of its validated value.

Django validators can only refuse a value; a URL, though, must also be stored the way it was
checked (without a trailing slash, with a lower-case host), or two spellings of one instance
become two instances and the string stored is not the string validated. A
`CanonicalCharField` is checked by a function that returns the canonical form, and that form
replaces the value: in the model's `full_clean` (which the API runs) and in the admin's form
field (so the admin's own duplicate checks compare canonical values too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models

Canonical = Callable[[str], str]


class CanonicalFormField(forms.CharField):
    """The admin's form field of a `CanonicalCharField`: cleans to the canonical form."""

    def __init__(self, *, canonical: Canonical, **kwargs: Any) -> None:
        self.canonical = canonical
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return self.canonical(value) if value else value


class CanonicalCharField(models.CharField):
    """A CharField whose `canonical(value)` validates it (raising ValidationError) and returns
    the form to store."""

    def __init__(self, *args: Any, canonical: Canonical, **kwargs: Any) -> None:
        self.canonical = canonical
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, {**kwargs, "canonical": self.canonical}

    def clean(self, value: Any, model_instance: models.Model | None) -> str:
        return self.canonical(super().clean(value, model_instance))

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(
            **{"form_class": CanonicalFormField, "canonical": self.canonical, **kwargs}
        )
