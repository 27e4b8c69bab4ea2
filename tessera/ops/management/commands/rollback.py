"""`manage.py rollback <fragment>`: back to the fragment's previous version, the same way."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tessera.ops.deploy import run


class Command(BaseCommand):
    help = (
        "End a fragment's canary, or start its previous version again, move traffic back and "
        "drain the current one. The shell and the other fragments are not touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fragment", help="the fragment's name, e.g. reviews")

    def handle(self, *args, fragment: str, **options) -> None:
        run(lambda deployer: deployer.rollback(fragment), self.stdout.write)
