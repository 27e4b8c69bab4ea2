import subprocess
import sys

from tessera.runtime.env import REPO_ROOT

RAISE_FROM_100 = """
import resource
from tessera.runtime.serve import FILES_RESERVE, allow_open_files
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (100, hard))
allow_open_files(500)
wanted = 500 + FILES_RESERVE
expected = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] == expected)
"""


def test_the_open_files_limit_is_raised_to_fit_the_connections():
    # In a child process: the limit is the process's own.
    result = subprocess.run(
        [sys.executable, "-c", RAISE_FROM_100],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
