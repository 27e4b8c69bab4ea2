"""`seed` for the registry: the local admin account and the storefront's pages."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.audit import actor
from registry.models import Fragment, Page, Placement
from tessera.runtime.secrets import secret

#: The demo storefront's fragments, as operators first configure them (path, and how the
#: pages use them). Fragment services that register later keep these settings.
FRAGMENTS: dict[str, dict[str, object]] = {
    "header": {"path_template": "/fragment?q={q}", "timeout_ms": 500},
    "footer": {"path_template": "/fragment", "timeout_ms": 500},
    "hero": {"path_template": "/fragment", "timeout_ms": 800},
    "listing": {
        "path_template": "/fragment?category={category}&q={q}&page={page}",
        "timeout_ms": 800,
        "primary": True,
    },
    "product": {"path_template": "/fragment/{sku}", "timeout_ms": 800, "primary": True},
    "buybox": {"path_template": "/fragment/{sku}", "timeout_ms": 600},
    "reviews": {"path_template": "/fragment/{sku}", "timeout_ms": 800},
    "recommendations": {"path_template": "/fragment/{sku}", "timeout_ms": 1500, "is_async": True},
    "cart": {"path_template": "/fragment", "timeout_ms": 800},
}

_FRAME = {"header": ["header"], "footer": ["footer"]}

#: page -> (route, layout, title, {slot: [fragment, ...]}).
PAGES = {
    "home": ("/", "home.html", "Tessera — a shop of many parts", {**_FRAME, "hero": ["hero"]}),
    "category": (
        "/c/{category:slug}?page={page:int}",
        "listing.html",
        "Category",
        {**_FRAME, "main": ["listing"]},
    ),
    "search": (
        "/search?q={q}&page={page:int}",
        "listing.html",
        "Search",
        {**_FRAME, "main": ["listing"]},
    ),
    "product": (
        "/product/{sku}",
        "product.html",
        "Product",
        {
            **_FRAME,
            "product": ["product"],
            "buybox": ["buybox"],
            "reviews": ["reviews"],
            "recommendations": ["recommendations"],
        },
    ),
    "cart": ("/cart", "cart.html", "Your cart", {**_FRAME, "main": ["cart"]}),
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
            try:  # the validators operators' own passwords pass in the admin
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(
                    f"TESSERA_ADMIN_PASSWORD is refused: {' '.join(exc.messages)}"
                ) from None
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()

    def _pages(self) -> None:
        # Only what is missing is created: operators' later edits are never overwritten.
        fragments = {
            name: Fragment.objects.get_or_create(name=name, defaults=settings)[0]
            for name, settings in FRAGMENTS.items()
        }
        for name, (route, layout, title, slots) in PAGES.items():
            page, _ = Page.objects.get_or_create(
                name=name, defaults={"route": route, "layout": layout, "title": title}
            )
            for slot, names in slots.items():
                for order, fragment_name in enumerate(names):
                    Placement.objects.get_or_create(
                        page=page,
                        slot=slot,
                        fragment=fragments[fragment_name],
                        defaults={"order": order},
                    )
