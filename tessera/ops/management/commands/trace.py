"""`manage.py trace <request-id>`: one request's whole path across services, from the
combined log `up` keeps, as a tree with each hop's duration."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tessera.ops.combinedlog import log_files, log_path
from tessera.ops.tracelog import build, read, render


class Command(BaseCommand):
    help = (
        "Print one request's path through every service (from the combined log `up` writes), "
        "in time order, with each hop's duration. Takes a request id (a page's X-Request-ID) "
        "or a trace id."
    )

    def add_arguments(self, parser):
        parser.add_argument("request_id", help="a request id, or a 32-hex trace id")
        parser.add_argument(
            "--log",
            type=Path,
            help="the combined log to read (default: log/tessera.log in TESSERA_DATA_DIR)",
        )

    def handle(self, *args, request_id: str, log: Path | None = None, **options) -> None:
        path = log or log_path()
        files = [f for f in log_files(path) if f.exists()]
        if not files:
            raise CommandError(
                f"no combined log at {path}: `python manage.py up` writes it while it runs"
            )
        entries = read(files, request_id)
        if not entries:
            raise CommandError(
                f"no line in {' or '.join(map(str, files))} has request id or trace id "
                f"{request_id!r}"
            )
        self.stdout.write("\n".join(render(build(entries))))
