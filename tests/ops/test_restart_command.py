"""`manage.py restart <service>`: what it asks the running stack, and what it says."""

import io

import pytest
from django.core.management import CommandError, call_command

from tessera.ops import control
from tessera.ops.supervisor import StackError


def test_it_asks_up_to_restart_the_service_and_says_where_it_runs(monkeypatch):
    asked = []

    async def call(request):
        asked.append(request)
        return {"label": "catalog", "pid": 4242, "url": "http://127.0.0.1:8201"}

    monkeypatch.setattr(control, "call", call)
    out = io.StringIO()
    call_command("restart", "catalog", stdout=out)
    assert asked == [{"op": "restart", "service": "catalog"}]
    assert out.getvalue() == "catalog restarted (pid 4242, http://127.0.0.1:8201)\n"


def test_a_refusal_of_up_is_the_commands_error(monkeypatch):
    async def call(request):
        raise StackError("no service 'gamma' of this stack is running or left down")

    monkeypatch.setattr(control, "call", call)
    with pytest.raises(CommandError, match="no service 'gamma'"):
        call_command("restart", "gamma")
