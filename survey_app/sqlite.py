"""Make SQLite a store that holds concurrent citizens: WAL, a busy timeout, the write lock up front.

Python's sqlite3 driver issues BEGIN lazily and breaks SAVEPOINT; SQLAlchemy's
documented remedy is to switch the driver's own handling off and emit BEGIN
ourselves. Without it, the exactly-once submit (a savepoint around the insert)
would not be exact on SQLite.

Several gunicorn workers write to one file. In WAL mode readers never block the
writer; a writer waits up to ``BUSY_TIMEOUT_MS`` for another to finish. But a
transaction that first reads and then writes cannot wait: if another worker
wrote in between, SQLite refuses it at once ("database is locked"). So every
transaction that may write begins with ``BEGIN IMMEDIATE`` and waits its turn
for the write lock at the start, where waiting is safe. Only requests that
merely read (GET, HEAD, OPTIONS) begin deferred, so downloads and pages do not
queue behind each other; a GET view that writes (an audited download) says so
with ``@writes``. A connection opened with ``execution_options(sqlite_deferred=True)``
begins deferred whatever the request (the tests' outer transaction does).
"""

from __future__ import annotations

import sqlite3

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
"""How long a writer waits for another worker's write to end before giving up."""
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; an in-memory database says 'memory'
        cursor.close()
        # lower() folds every letter (CÁN BỘ → cán bộ) as PostgreSQL's does, not ASCII only: searches match alike.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


def _may_write() -> bool:
    """Whether the transaction about to begin may write: anything but a read-only request.

    Decided from the matched view, not from what the view has run so far: the
    login check before it already reads, in the same transaction.
    """
    if not has_request_context():
        return True  # a CLI command or a script
    if request.method not in READ_ONLY_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "sqlite_writes", False)


@event.listens_for(Engine, "begin")
def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        deferred = connection.get_execution_options().get("sqlite_deferred", False) or not _may_write()
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def writes(view):
    """Mark a GET view that writes (an audit record), so its request's transaction takes the write lock first."""
    view.sqlite_writes = True
    return view
