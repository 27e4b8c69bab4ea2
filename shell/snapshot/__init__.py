"""The shell's copy of the registry: which pages exist, which fragments fill them, where the
fragments run. `parse` reads the registry's snapshot document; `polling` keeps it current
(and on disk). `poller` below is the shell process's, shared by the page handler and the
gateway."""

from shell.snapshot.parse import Snapshot
from shell.snapshot.polling import SnapshotPoller

__all__ = ["Snapshot", "SnapshotPoller", "poller"]


def _from_settings() -> SnapshotPoller:
    from django.conf import settings

    return SnapshotPoller(
        settings.REGISTRY_URL,
        interval=settings.SNAPSHOT_POLL_INTERVAL,
        disk_path=settings.SNAPSHOT_DISK_PATH,
    )


#: The shell process's poller.
poller = _from_settings()
