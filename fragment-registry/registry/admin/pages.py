"""Pages and their placements: each placement's slot chosen among the published layouts'
(`SlotSelect`), its parameters as JSON, and after the placements the page's titles by
language as JSON; the layouts the shells published, read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.forms import Script

from registry.admin.site import OperatorAdmin
from registry.models import (
    Layout,
    Page,
    Placement,
)

#: Where a slot select puts a stored or posted slot no layout offers, so that the form shows
#: it (and the model's validation says what is wrong with it) instead of silently blanking it.
OTHER_SLOTS = "not in any layout"


class SlotSelect(forms.Select):
    """The slots of every layout, one <optgroup> per layout (labelled with its name): without
    script the operator picks from the page's layout's group; registry/placement_slots.js
    shows only that group. The model's validation still refuses a slot the page's layout
    lacks, with its message."""

    def optgroups(self, name, value, attrs=None):
        groups = [group for _, group in self.choices if isinstance(group, (list, tuple))]
        offered = {str(slot) for group in groups for slot, _ in group}
        if stray := [v for v in value if v and v not in offered]:
            # This form's own widget: a form deep-copies its fields, widgets with them.
            self.choices = [*self.choices, (OTHER_SLOTS, [(v, v) for v in stray])]
        return super().optgroups(name, value, attrs)


def slot_choices() -> list[tuple[str, Any]]:
    """The blank choice, then each published layout's slots as a group named after it."""
    layouts = Layout.objects.values_list("name", "slots")
    return [("", "---------"), *((name, [(s, s) for s in slots]) for name, slots in layouts)]


class ParamsField(forms.JSONField):
    """A JSON object (a placement's own parameters, a page's titles), where an empty box
    means none: `{}` shows as an empty box (and its placeholder, an example, shows)."""

    def to_python(self, value):
        converted = super().to_python(value)
        return {} if converted is None else converted

    def prepare_value(self, value):
        return "" if value == {} else super().prepare_value(value)


class PlacementForm(forms.ModelForm):
    """A placement in the page's inline: the slot chosen from the layouts' (`SlotSelect`),
    its own parameters in a small JSON box (`ParamsField`)."""

    class Meta:
        model = Placement
        fields = ("slot", "fragment", "order", "params")
        field_classes = {"params": ParamsField}
        widgets = {
            "params": forms.Textarea(
                attrs={"rows": 1, "cols": 28, "placeholder": '{"limit": "4"}'}
            ),
        }


class PlacementInline(admin.TabularInline):
    model = Placement
    form = PlacementForm
    extra = 1
    fields = ("slot", "fragment", "order", "params")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "slot":  # read per request: shells publish layouts at any time
            kwargs["widget"] = SlotSelect(choices=slot_choices())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class PageForm(forms.ModelForm):
    """A page: its titles by language in a small JSON box (empty: none), an example as its
    placeholder; the model's rules name a wrong entry by its language."""

    class Meta:
        model = Page
        fields = ("name", "route", "layout", "title", "titles")
        field_classes = {"titles": ParamsField}
        widgets = {
            "titles": forms.Textarea(
                attrs={"rows": 2, "cols": 60, "placeholder": '{"ko": "장바구니"}'}
            ),
        }


@admin.register(Page)
class PageAdmin(OperatorAdmin):
    form = PageForm
    list_display = ("name", "route", "layout", "title", "languages")
    inlines = [PlacementInline]
    # The titles come last, after the placements (admin/registry/page/change_form.html).
    fieldsets = [
        (None, {"fields": ("name", "route", "layout", "title")}),
        ("Titles in other languages", {"fields": ("titles",)}),
    ]

    @admin.display(description="titles in")
    def languages(self, page: Page) -> str:
        return ", ".join(sorted(page.titles)) or "-"

    class Media:
        js = (Script("registry/placement_slots.js", type="module"),)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "layout":  # a choice of the layouts shells have published
            names = Layout.objects.values_list("name", flat=True)
            kwargs["widget"] = forms.Select(choices=[("", "---------")] + [(n, n) for n in names])
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Layout)
class LayoutAdmin(OperatorAdmin):
    """The layouts shells have published: shells own them (their layouts folder), so they
    are read here; one no page uses any more may be deleted."""

    list_display = ("name", "slot_list", "published_at", "pages")
    readonly_fields = ("name", "slots", "published_at")

    @admin.display(description="slots")
    def slot_list(self, layout: Layout) -> str:
        return ", ".join(layout.slots)

    @admin.display(description="pages using it")
    def pages(self, layout: Layout) -> int:
        return Page.objects.filter(layout=layout.name).count()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and Page.objects.filter(layout=obj.name).exists():
            return False
        return super().has_delete_permission(request, obj)
