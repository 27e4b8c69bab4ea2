"""`manage.py restart <service>`: restart one service of the running stack now."""

from __future__ import annotations

import asyncio

from django.core.management.base import BaseCommand, CommandError

from tessera.ops import control
from tessera.ops.supervisor import StackError


class Command(BaseCommand):
    help = (
        "Restart one service of the stack `up` runs, and wait until it is healthy: one left "
        "down by a crash loop is tried at once, a running one is drained and started again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("service", help="the service's name, as `manage.py status` shows")

    def handle(self, *args, service: str, **options) -> None:
        try:
            answer = asyncio.run(control.call({"op": "restart", "service": service}))
        except StackError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{answer['label']} restarted (pid {answer['pid']}, {answer['url']})")
