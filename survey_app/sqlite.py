"""Make SQLite behave like a real transactional store: SAVEPOINTs, foreign keys, BEGIN.

Python's sqlite3 driver issues BEGIN lazily and breaks SAVEPOINT; SQLAlchemy's
documented remedy is to switch the driver's own handling off and emit BEGIN
ourselves. Without it, the exactly-once submit (a savepoint around the insert)
would not be exact on SQLite.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
