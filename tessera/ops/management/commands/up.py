"""`manage.py up`: prepare and start every service of the local stack, stop it on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from tessera.ops.control import ControlServer
from tessera.ops.services import SERVICES, place
from tessera.ops.supervisor import StackError, Supervisor
from tessera.runtime.env import env_str
from tessera.runtime.secrets import local_secrets


class Command(BaseCommand):
    help = (
        "Start every Tessera service on loopback (migrating and seeding first); Ctrl-C stops all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-prepare",
            action="store_true",
            help="do not run migrations, seeding and collectstatic before starting",
        )

    def handle(self, *args, skip_prepare: bool = False, **options) -> None:
        try:
            stack = place(SERVICES, os.environ, env_str("TESSERA_HOST", "127.0.0.1"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        # Secrets: the environment wins; otherwise the generated, git-ignored local file.
        environ = {**local_secrets(), **os.environ}
        supervisor = Supervisor(stack, environ=environ, out=sys.stdout)
        try:
            code = asyncio.run(self._run(supervisor, skip_prepare, environ))
        except StackError as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(1)
        sys.exit(code)

    async def _run(self, supervisor: Supervisor, skip_prepare: bool, environ: dict) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def bring_up() -> None:
            if not skip_prepare:
                await supervisor.prepare()
            await supervisor.start()

        starting = asyncio.create_task(bring_up())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            await supervisor.stop()
            return 130
        stopping.cancel()
        starting.result()  # re-raises StackError

        control = ControlServer(supervisor)  # for `manage.py deploy` and `rollback`
        await control.start()
        urls = {r.name: r.url for r in supervisor.stack}
        self.stdout.write(
            "\nTessera is up.\n"
            f"  storefront: {urls['shell']}/\n"
            f"  admin:      {urls['registry']}/admin/  "
            f"(user admin, password {environ['TESSERA_ADMIN_PASSWORD']})\n"
            "Press Ctrl-C to stop every service.\n"
        )
        self.stdout.flush()
        crashed = asyncio.create_task(supervisor.wait_for_exit())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({crashed, stopping}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if crashed.done() and not stop.is_set():
            process = crashed.result()
            self.stderr.write(
                f"error: {process.name} exited with code {process.proc.returncode}; "
                "stopping every service"
            )
            code = 1
        crashed.cancel()
        stopping.cancel()
        await control.stop()
        await supervisor.stop()
        self.stdout.write("Every service stopped.\n")
        return code
