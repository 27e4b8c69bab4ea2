"""The stand-in service that `bench.instructions --server` counts: it answers the page's
size over keep-alive connections and ends itself after the requests it was told to
expect, so that callgrind's two runs differ by requests alone."""

import subprocess
import sys

from bench.harness import free_port, wait_http
from bench.standin import drive
from tessera.runtime.env import REPO_ROOT


def test_the_stand_in_answers_the_page_and_ends_after_its_requests():
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "bench.standin", "9", str(port)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as server:  # fmt: skip
        try:
            wait_http(f"http://127.0.0.1:{port}/")
            drive(port, 8, connections=3)  # returns only once every response came whole
            out, _ = server.communicate(timeout=30)
        finally:
            server.kill()
    assert server.returncode == 0
    # Each request was served in the envelope: an access line each.
    assert out.count('"msg": "access"') == 9
