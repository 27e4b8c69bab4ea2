import pytest
from django.core.exceptions import ValidationError
from registry.validators import validate_instance_url

from tessera.ops.services import SERVICES, Service, place, service_env, stack_env


def test_every_service_has_its_default_port_unless_overridden():
    stack = place(SERVICES, {"TESSERA_PORT_SHELL": "9000"})
    ports = {r.name: r.port for r in stack}
    assert ports["shell"] == 9000
    assert ports["registry"] == 8001
    assert len(set(ports.values())) == len(ports)


def test_malformed_port_override_is_refused_with_the_variable_name():
    with pytest.raises(ValueError, match="TESSERA_PORT_HERO_FRAGMENT='80a' is not a TCP port"):
        place(SERVICES, {"TESSERA_PORT_HERO_FRAGMENT": "80a"})


def test_two_services_on_one_port_are_refused():
    with pytest.raises(ValueError, match=r"same port: \[8001\]"):
        place(SERVICES, {"TESSERA_PORT_SHELL": "8001"})


def test_each_service_learns_where_every_other_service_is():
    stack = place(SERVICES, {}, host="127.0.0.1")
    shared = stack_env(stack)
    assert shared["TESSERA_REGISTRY_URL"] == "http://127.0.0.1:8001"
    hero = next(r for r in stack if r.name == "hero-fragment")
    env = service_env(hero, shared)
    assert env["TESSERA_FRAGMENT"] == "hero"
    assert env["TESSERA_SELF_URL"] == "http://127.0.0.1:8102"
    assert env["DJANGO_SETTINGS_MODULE"] == "fragments.kit.settings"
    assert env["TESSERA_CATALOG_URL"] == "http://127.0.0.1:8201"
    # A fragment and a backend of the same name are two services with two addresses.
    assert shared["TESSERA_REVIEWS_URL"] != shared["TESSERA_REVIEWS_FRAGMENT_URL"]


def test_the_stack_has_a_shell_a_registry_two_fragments_and_a_backend():
    kinds = {s.name: s.kind for s in SERVICES}
    assert kinds["shell"] == "shell"
    assert kinds["registry"] == "registry"
    assert sum(1 for k in kinds.values() if k == "fragment") >= 2
    assert "backend" in kinds.values()


def test_command_runs_the_draining_uvicorn_runner_on_the_resolved_address():
    service = Service("x", "backend", "pkg.asgi:app", "pkg.settings", 8500)
    (placed,) = place([service], {"TESSERA_PORT_X": "8600"})
    command = placed.command()
    assert command[1:4] == ["-m", "tessera.runtime.serve", "pkg.asgi:app"]
    assert command[command.index("--port") + 1] == "8600"


def test_the_registry_learns_which_addresses_are_the_stacks_own_services():
    stack = place(SERVICES, {"TESSERA_PORT_CATALOG": "9201"}, host="127.0.0.1")
    denied = stack_env(stack)["TESSERA_REGISTRY_DENIED"].split(",")
    internal = {r.name: r.address for r in stack if r.service.kind != "fragment"}
    assert sorted(denied) == sorted(internal.values())
    assert {"127.0.0.1:8001", "127.0.0.1:8000", "127.0.0.1:9201"} <= set(denied)
    assert not {r.address for r in stack if r.service.kind == "fragment"} & set(denied)
    registry = next(r for r in stack if r.name == "registry")
    assert service_env(registry, stack_env(stack))["TESSERA_REGISTRY_DENIED"] == ",".join(denied)


def test_the_registry_refuses_exactly_those_addresses_as_fragment_instances():
    stack = place(SERVICES, {}, host="127.0.0.1")
    denied = stack_env(stack)["TESSERA_REGISTRY_DENIED"].split(",")
    allowed = ["127.0.0.1", "localhost"]
    for placed in stack:
        if placed.service.kind == "fragment":
            assert validate_instance_url(placed.url, allowed, denied) == placed.url
        else:
            with pytest.raises(ValidationError, match="TESSERA_REGISTRY_DENIED"):
                validate_instance_url(placed.url, allowed, denied)
    # `deploy` starts new versions on free ports, which are never a service's.
    assert validate_instance_url("http://127.0.0.1:41234", allowed, denied)


def test_an_ipv6_host_is_written_in_brackets():
    (placed,) = place([Service("x", "backend", "a:b", "s", 8500)], {}, host="::1")
    assert placed.url == "http://[::1]:8500"
    assert stack_env([placed])["TESSERA_REGISTRY_DENIED"] == "[::1]:8500"
