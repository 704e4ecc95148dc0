"""The database as the tests reach it: straight, or through a transaction-mode pooler
(DATABASE_POOLER=transaction: PgBouncer's `pool_mode = transaction`). Helpers to make
the pooler hand this process's next transaction another server session, and to ask
PgBouncer's admin console what it holds."""

import contextlib
import os
import socket

import psycopg
from django.conf import settings
from django.db import connection


def transaction_pooled() -> bool:
    return settings.DATABASE_POOLER == "transaction"


def _connect(dbname: str, **options) -> psycopg.Connection:
    """A connection of its own, beside Django's, to `dbname` where Django's goes."""
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname=dbname,
        **options,
    )


def backend_pid() -> int:
    """The server session that runs this statement on Django's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def client_port() -> int:
    """The local port of Django's connection: the `port` the pooler lists it under."""
    connection.ensure_connection()
    with socket.socket(fileno=os.dup(connection.connection.pgconn.socket)) as own:
        return own.getsockname()[1]


@contextlib.contextmanager
def server_session_held():
    """Another client of the test database, in a transaction for the length of the
    block, holding the server session it was given. Behind PgBouncer that is the idle
    session released last (it reuses them last in, first out), so the next transaction
    of Django's connection in the block gets another."""
    with _connect(connection.settings_dict["NAME"]) as other:
        other.execute("SELECT 1")
        yield
        other.rollback()


@contextlib.contextmanager
def pooler_console():
    """PgBouncer's admin console (its database `pgbouncer`), as the test database's user,
    who must be one of its `admin_users`."""
    with _connect("pgbouncer", autocommit=True) as console:
        yield console


def pooler_show(what: str) -> list[dict]:
    """The rows of the console's `SHOW <what>` (CONFIG, CLIENTS, SERVERS, POOLS...)."""
    with pooler_console() as console:
        cursor = console.execute(f"SHOW {what}")
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def pooler_config() -> dict[str, str]:
    return {row["key"]: row["value"] for row in pooler_show("CONFIG")}


def pooler_drop_connections() -> None:
    """Close every client and server connection PgBouncer holds to the test database
    (PgBouncer 1.18 closes them only by database), then let clients in again."""
    name = connection.settings_dict["NAME"]
    with pooler_console() as console:
        console.execute(f"KILL {name}")
        console.execute(f"RESUME {name}")
