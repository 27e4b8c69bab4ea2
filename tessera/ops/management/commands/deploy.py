"""`manage.py deploy <fragment>`: ship a new version of one fragment into the running stack."""

from __future__ import annotations

import re
import time

from django.core.management.base import BaseCommand, CommandError

from tessera.ops.deploy import run

_ENV = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$", re.S)
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Command(BaseCommand):
    help = (
        "Start a new version of a fragment in the running stack (`manage.py up`), move "
        "traffic to it (all of it, or --canary PERCENT of visitors), then drain the old one."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (the version to deploy) replaces Django's (print Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("fragment", help="the fragment's name, e.g. reviews")
        parser.add_argument("--version", help="version label (default: a timestamp)")
        parser.add_argument(
            "--canary", type=int, metavar="PERCENT", help="give the new version this share only"
        )
        parser.add_argument(
            "--promote", action="store_true", help="give the current canary all traffic"
        )
        parser.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="environment of the new instances (repeatable), e.g. a feature switch",
        )

    def handle(self, *args, fragment: str, promote: bool, **options) -> None:
        if promote:
            if options["version"] or options["canary"] is not None or options["env"]:
                raise CommandError("--promote takes no --version, --canary or --env")
            run(lambda deployer: deployer.promote(fragment), self.stdout.write)
            return
        version = options["version"] or time.strftime("%Y%m%d-%H%M%S")
        if not _VERSION.match(version):
            raise CommandError(f"--version {version!r}: letters, digits, '.', '_', '-' only")
        canary = options["canary"]
        if canary is not None and not 1 <= canary <= 99:
            raise CommandError("--canary is a share of visitors from 1 to 99 percent")
        env = {}
        for item in options["env"]:
            match = _ENV.match(item)
            if not match:
                raise CommandError(f"--env {item!r}: expected NAME=VALUE with NAME in capitals")
            env[match.group(1)] = match.group(2)
        run(lambda deployer: deployer.deploy(fragment, version, env, canary), self.stdout.write)
