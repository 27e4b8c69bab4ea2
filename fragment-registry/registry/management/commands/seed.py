"""`seed` for the registry: the local admin account, with the password from the secrets."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from tessera.secrets import secret


class Command(BaseCommand):
    help = "Create or update the local 'admin' superuser (password: TESSERA_ADMIN_PASSWORD)."

    def handle(self, *args, **options) -> None:
        user, created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        password = secret("TESSERA_ADMIN_PASSWORD")
        if created or not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()
