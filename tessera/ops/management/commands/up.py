"""`manage.py up`: prepare and start every service of the local stack, keep it running
(restarting what crashes), stop it on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from tessera.ops.combinedlog import log_path
from tessera.ops.control import ControlServer
from tessera.ops.readiness import wait_until_ready
from tessera.ops.services import SERVICES, place
from tessera.ops.supervisor import StackError, Supervisor
from tessera.runtime.env import env_str
from tessera.runtime.secrets import local_secrets


class Command(BaseCommand):
    help = (
        "Start every Tessera service on loopback (migrating and seeding first) and keep them "
        "running: a service that crashes is restarted. Ctrl-C stops all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-prepare",
            action="store_true",
            help="do not run migrations, seeding and collectstatic before starting",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="print every request's access line too (they are always in the combined log)",
        )

    def handle(
        self, *args, skip_prepare: bool = False, access_log: bool = False, **options
    ) -> None:
        try:
            stack = place(SERVICES, os.environ, env_str("TESSERA_HOST", "127.0.0.1"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        # Secrets: the environment wins; otherwise the generated, git-ignored local file.
        environ = {**local_secrets(), **os.environ}
        supervisor = Supervisor(
            stack, environ=environ, out=sys.stdout, log_path=log_path(), access_log=access_log
        )
        try:
            code = asyncio.run(self._run(supervisor, skip_prepare, environ))
        except StackError as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(1)
        finally:
            if supervisor.log is not None:  # with what a failed preparation printed
                supervisor.log.close()
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
            try:
                await wait_until_ready(supervisor.stack, supervisor.health_timeout)
            except TimeoutError as exc:
                await supervisor.stop()
                raise StackError(str(exc)) from None

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
            "A service that crashes is restarted; `python manage.py status` shows them all.\n"
            f"Every service's log is in {log_path()}; "
            "`python manage.py trace <request-id>` follows one request through it.\n"
            "Press Ctrl-C to stop every service.\n"
        )
        self.stdout.flush()
        supervising = asyncio.create_task(supervisor.supervise())
        await stop.wait()
        supervising.cancel()
        await asyncio.gather(supervising, return_exceptions=True)
        await control.stop()
        await supervisor.stop()
        self.stdout.write("Every service stopped.\n")
        return 0
