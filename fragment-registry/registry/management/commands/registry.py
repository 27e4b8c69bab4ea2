"""`manage.py registry`: the registry's configuration as code (registry.configuration).

Run with the registry's settings, against its database (`make run`'s SQLite under var/, or
the PostgreSQL `DATABASE_URL` names):

    export DJANGO_SETTINGS_MODULE=registry.settings
    python manage.py registry export --output registry.yaml
    python manage.py registry apply registry.yaml --dry-run   # the diff, nothing written
    python manage.py registry apply registry.yaml [--prune]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.configuration import Invalid, apply, diff, dump, export, load


class Command(BaseCommand):
    help = (
        "Export the registry's configuration (fragments, their settings and manual instances, "
        "pages and placements) as one YAML document, or apply such a document: the registry "
        "is made to match it in one transaction, after printing the diff. Run it with "
        "DJANGO_SETTINGS_MODULE=registry.settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export_parser = actions.add_parser(
            "export", help="write the configuration as YAML (self-registered instances left out)"
        )
        export_parser.add_argument("--output", "-o", help="write to this file, not stdout")
        apply_parser = actions.add_parser(
            "apply",
            help="make the registry match FILE: print the diff, then apply it in one "
            "transaction (any error: nothing written, exit status 1)",
        )
        apply_parser.add_argument("file", help="a YAML document as `export` writes it")
        apply_parser.add_argument(
            "--dry-run", action="store_true", help="check the file and print the diff only"
        )
        apply_parser.add_argument(
            "--prune",
            action="store_true",
            help="also remove what the file does not name (never self-registered instances)",
        )
        apply_parser.add_argument(
            "--actor", help="who the history records (default: apply:<file name>)"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "export":
            self._export(options["output"])
        else:
            self._apply(Path(options["file"]), options)

    def _export(self, output: str | None) -> None:
        text = dump(export())
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def _apply(self, path: Path, options: dict[str, Any]) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            steps = apply(
                load(text),
                actor=options["actor"] or f"apply:{path.name}",
                prune=options["prune"],
                dry_run=options["dry_run"],
            )
        except Invalid as exc:
            raise CommandError(f"{path} is refused, nothing was written:\n{exc}") from None
        self.stdout.write(diff(steps))
        if options["dry_run"]:
            self.stdout.write("dry run: nothing written")
        elif steps:
            self.stdout.write("applied")
