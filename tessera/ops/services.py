"""The declarative table of every service in a local Tessera stack.

`up`, the integration tests and (later) `deploy` all start services from this one table, so a
service added here is started, prepared, health-checked and stopped everywhere alike. Each
service listens on its own loopback port; `TESSERA_PORT_<NAME>` overrides the default.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tessera.runtime.workers import parse_count

Kind = Literal["registry", "backend", "fragment", "shell"]

#: Order in which kinds start; they stop in the reverse order, so fragments deregister
#: while the registry is still up and the shell goes first of all.
KIND_ORDER: tuple[Kind, ...] = ("registry", "backend", "fragment", "shell")

MIGRATE = ("migrate", "--noinput", "-v", "0")
SEED = ("seed",)
COLLECTSTATIC = ("collectstatic", "--noinput", "-v", "0")


@dataclass(frozen=True)
class Service:
    """One kind of process in the stack and how to run it."""

    name: str
    kind: Kind
    asgi: str  # "module:attribute" of the ASGI application
    settings: str  # its DJANGO_SETTINGS_MODULE
    port: int  # default port, overridden by TESSERA_PORT_<NAME>
    env: Mapping[str, str] = field(default_factory=dict)
    prepare: tuple[tuple[str, ...], ...] = ()  # manage.py commands run before it starts
    #: The variable giving its number of worker processes (tessera.runtime.workers), if it
    #: may run several; unset or without one, it runs as one process.
    workers_variable: str = ""

    @property
    def port_variable(self) -> str:
        return f"TESSERA_PORT_{self.name.upper().replace('-', '_')}"

    @property
    def url_variable(self) -> str:
        return f"TESSERA_{self.name.upper().replace('-', '_')}_URL"


def _backend(name: str, port: int, *, seed: bool = True, faults: str = "") -> Service:
    env = {"TESSERA_BACKEND": name}
    if faults:
        env["TESSERA_FAULTS"] = faults
    return Service(
        name,
        "backend",
        "backends.kit.asgi:application",
        "backends.kit.settings",
        port,
        env=env,
        prepare=(MIGRATE, SEED) if seed else (MIGRATE,),
    )


def _fragment(name: str, port: int) -> Service:
    # "<name>-fragment" (as in its settings): fragments and backends may share a name.
    return Service(
        f"{name}-fragment",
        "fragment",
        "fragments.kit.asgi:application",
        "fragments.kit.settings",
        port,
        env={"TESSERA_FRAGMENT": name},
        prepare=(COLLECTSTATIC,),
    )


SERVICES: tuple[Service, ...] = (
    Service(
        "registry",
        "registry",
        "registry.asgi:application",
        "registry.settings",
        8001,
        prepare=(MIGRATE, COLLECTSTATIC, SEED),
    ),
    _backend("catalog", 8201),
    _backend("pricing", 8202),
    _backend("inventory", 8203),
    _backend("reviews", 8204),
    # Deliberately slower than the others, as recommendation engines are.
    _backend("recommendations", 8205, faults='{"/products": {"delay_ms": 150}}'),
    _backend("cart", 8206, seed=False),
    _backend("payments", 8207, seed=False),
    _backend("orders", 8208, seed=False),  # orchestrates checkout sagas
    _fragment("header", 8101),
    _fragment("hero", 8102),
    _fragment("listing", 8103),
    _fragment("product", 8104),
    _fragment("buybox", 8105),
    _fragment("reviews", 8106),
    _fragment("recommendations", 8107),
    _fragment("cart", 8108),
    _fragment("footer", 8109),
    _fragment("checkout", 8110),
    _fragment("categories", 8111),
    Service(
        "shell",
        "shell",
        "shell.asgi:application",
        "shell.settings",
        8000,
        prepare=(COLLECTSTATIC,),
        workers_variable="TESSERA_SHELL_WORKERS",
    ),
)


@dataclass(frozen=True)
class Placed:
    """A service with the address it runs at in this stack."""

    service: Service
    host: str
    port: int
    workers: int = 1

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def address(self) -> str:
        """`host:port`, an IPv6 host in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def command(self) -> list[str]:
        """The command line that runs this service's ASGI app (uvicorn, see
        tessera.runtime.serve)."""
        workers = ["--workers", str(self.workers)] if self.workers > 1 else []
        return [
            sys.executable,
            "-m",
            "tessera.runtime.serve",
            self.service.asgi,
            "--host",
            self.host,
            "--port",
            str(self.port),
            *workers,
        ]


def place(
    services: Sequence[Service], environ: Mapping[str, str], host: str = "127.0.0.1"
) -> list[Placed]:
    """Give each service its port, `TESSERA_PORT_<NAME>` from `environ` else its default,
    and its number of workers (`Service.workers_variable`: a positive integer or `auto`, one
    per core; default 1). Raises ValueError for a value that is neither."""
    placed = []
    for service in services:
        raw = environ.get(service.port_variable)
        if raw:
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise ValueError(f"{service.port_variable}={raw!r} is not a TCP port")
            port = int(raw)
        else:
            port = service.port
        workers = 1
        if raw_workers := environ.get(service.workers_variable or "", "").strip():
            try:
                workers = parse_count(raw_workers)
            except ValueError as exc:
                raise ValueError(f"{service.workers_variable}: {exc}") from None
        placed.append(Placed(service, host, port, workers))
    ports = [r.port for r in placed]
    if len(set(ports)) != len(ports):
        clash = sorted({p for p in ports if ports.count(p) > 1})
        raise ValueError(f"two services are configured on the same port: {clash}")
    return placed


def stack_env(stack: Sequence[Placed]) -> dict[str, str]:
    """The variables that tell every service where the others are (`TESSERA_<NAME>_URL`),
    and the registry which of those addresses no fragment instance may claim: every one
    that is not a fragment's (`TESSERA_REGISTRY_DENIED`, see registry.addresses)."""
    internal = [r.address for r in stack if r.service.kind != "fragment"]
    return {
        **{r.service.url_variable: r.url for r in stack},
        "TESSERA_REGISTRY_DENIED": ",".join(internal),
    }


def service_env(placed: Placed, stack_vars: Mapping[str, str]) -> dict[str, str]:
    """The environment one service process is started with, on top of the inherited one."""
    return {
        **stack_vars,
        **placed.service.env,
        "DJANGO_SETTINGS_MODULE": placed.service.settings,
        "TESSERA_SERVICE": placed.name,
        "TESSERA_SELF_URL": placed.url,
        "PYTHONUNBUFFERED": "1",
    }
