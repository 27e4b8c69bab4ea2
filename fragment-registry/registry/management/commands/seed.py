"""`seed` for the registry: the local admin account and the storefront's pages."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from registry.audit import actor
from registry.models import Fragment, Page, Placement
from tessera.secrets import secret

#: The demo storefront: page -> (route, layout, title, {slot: [(fragment, path template)]}).
PAGES = {
    "home": (
        "/",
        "home.html",
        "Tessera — a shop of many parts",
        {"header": [("header", "/fragment")], "hero": [("hero", "/fragment")]},
    ),
}


class Command(BaseCommand):
    help = "Create or update the local 'admin' superuser and the demo pages (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        token = actor.set("seed")
        try:
            self._admin()
            self._pages()
        finally:
            actor.reset(token)

    def _admin(self) -> None:
        user, created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        password = secret("TESSERA_ADMIN_PASSWORD")
        if created or not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()

    def _pages(self) -> None:
        # Only what is missing is created: operators' later edits are never overwritten.
        for name, (route, layout, title, slots) in PAGES.items():
            page, _ = Page.objects.get_or_create(
                name=name, defaults={"route": route, "layout": layout, "title": title}
            )
            for slot, fragments in slots.items():
                for order, (fragment_name, path) in enumerate(fragments):
                    fragment, _ = Fragment.objects.get_or_create(
                        name=fragment_name, defaults={"path_template": path}
                    )
                    Placement.objects.get_or_create(
                        page=page, slot=slot, fragment=fragment, defaults={"order": order}
                    )
