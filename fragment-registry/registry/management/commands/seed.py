"""`seed` for the registry: the local admin account, and the demo storefront's configuration.

The storefront's configuration is one file, `deploy/registry/storefront.yaml`, the document
`manage.py registry apply` takes (registry.configuration): seeding applies it creating only
what is missing, so an operator's later edits are never overwritten and nothing is removed
(`up` seeds at every start). A page or placement deleted in the admin comes back at the next
seed, as it always has; `registry apply --prune` is how a registry is made to match the file.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from registry.configuration import Invalid, apply, load
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.secrets import secret

#: The demo storefront's fragments, pages and placements.
STOREFRONT = REPO_ROOT / "deploy" / "registry" / "storefront.yaml"


class Command(BaseCommand):
    help = (
        "Create or update the local 'admin' superuser, and create what is missing of the demo "
        f"storefront ({STOREFRONT.relative_to(REPO_ROOT)}); idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--admin-only",
            action="store_true",
            help="only the admin account: the configuration comes from elsewhere (Kubernetes "
            "applies it with a Job)",
        )

    @transaction.atomic
    def handle(self, *args, admin_only: bool = False, **options) -> None:
        self._admin()
        if not admin_only:
            self._storefront()

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

    def _storefront(self) -> None:
        try:
            apply(load(STOREFRONT.read_text(encoding="utf-8")), actor="seed", create_only=True)
        except Invalid as exc:
            raise CommandError(f"{STOREFRONT} is refused:\n{exc}") from None
