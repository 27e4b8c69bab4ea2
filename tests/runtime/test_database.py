import sqlite3

import pytest
from django.db import transaction
from django.db.utils import ConnectionHandler

from tessera.runtime.django_defaults import database_settings


def test_sqlite_transactions_take_the_write_lock_when_they_begin(
    tmp_path, monkeypatch: pytest.MonkeyPatch, django_db_blocker
):
    """A transaction that reads and then writes must not fail on a write made in between.

    With SQLite's default deferred transactions the later write cannot wait for the lock
    and fails at once with "database is locked" (an admin save racing heartbeats did).
    """
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    handler = ConnectionHandler(database_settings("race"))
    connection = handler["default"]
    monkeypatch.setattr(transaction, "get_connection", lambda using=None: connection)
    other = sqlite3.connect(tmp_path / "race" / "db.sqlite3", timeout=0)
    try:
        with (
            django_db_blocker.unblock(),
            transaction.atomic(),
            pytest.raises(sqlite3.OperationalError, match="locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        connection.close()
