"""The shell's memory: libraries it never uses stay out of its process.

ninja and pydantic (the fragments' and backends' APIs) and httpx's command-line tool (click,
rich, pygments) cost the shell about 15 MB of its 64 MB budget when something imports them
by the way: the gateway's error shape, or `import httpx` with those installed.
"""

import json
import os
import subprocess
import sys

from tessera.runtime.env import REPO_ROOT

NEVER_IN_THE_SHELL = {"ninja", "pydantic", "pydantic_core", "rich", "pygments"}

SERVE_THE_SHELL = """
import json, sys
import tessera.runtime.serve  # as `python -m tessera.runtime.serve shell.asgi:application`
import shell.asgi
from django.urls import get_resolver
get_resolver().url_patterns  # what the first /bff/ request loads
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_shell_imports_neither_the_apis_libraries_nor_httpx_s_command_line_tool():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shell.settings", "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(
        [sys.executable, "-c", SERVE_THE_SHELL],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "httpx" in loaded and "django" in loaded  # the check sees real imports
    assert loaded & NEVER_IN_THE_SHELL == set()
