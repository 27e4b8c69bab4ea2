"""`manage.py status`: each service of the running stack, its state, pid, restarts, health."""

from __future__ import annotations

import asyncio

from django.core.management.base import BaseCommand, CommandError

from tessera.ops import control
from tessera.ops.supervisor import StackError

COLUMNS = ("label", "state", "pid", "restarts", "health")


class Command(BaseCommand):
    help = "Show every service of the stack `up` runs: state, pid, restarts and health."

    def handle(self, *args, **options) -> None:
        try:
            answer = asyncio.run(control.call({"op": "status"}))
        except StackError as exc:
            raise CommandError(str(exc)) from None
        rows = [
            [str(row[c] if row[c] is not None else "-") for c in COLUMNS]
            for row in answer["services"]
        ]
        header = ["service", "state", "pid", "restarts", "health"]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(COLUMNS))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
