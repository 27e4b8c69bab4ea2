"""`python -m tessera.runtime.prestop`: the Kubernetes preStop hook of a Tessera service.

It asks the server (PID 1 of its container, run by `tessera.runtime.serve`) to drain: the service
deregisters from the registry and keeps serving while shells catch up. The hook returns once
the drain is over, so the SIGTERM Kubernetes sends next finds a server that has already
left the registry and only has to finish its in-flight requests.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def main(argv: list[str]) -> None:
    drain = float(argv[0]) if argv else 2.0
    os.kill(1, signal.SIGTERM)
    time.sleep(drain + 0.5)


if __name__ == "__main__":
    main(sys.argv[1:])
