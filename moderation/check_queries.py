"""The reads and writes every moderation check makes, written out as SQL.

A re-check after a one-paragraph edit of a long post is a few milliseconds of work, and
building its queries through the ORM (resolving lookups and joins, compiling, then
building model instances) took longer than PostgreSQL took to plan and run them: the
check read of earlier checks cost 2-3 ms through the ORM and 0.3 ms as one statement.
These statements never change shape, so they are written once, over the models' own
tables, in SQL that PostgreSQL and SQLite both accept, and their values come back as the
models would hold them (JSON decoded, datetimes aware). They go through Django's cursor,
so they take part in its transactions and are counted and logged like any query.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forum.accounts.models import User
from forum.threads.models import Category, Post, PostRevision, Thread
from moderation.content import Layout
from moderation.models import ContentCheck, ContentFingerprint, Rule, Verdict

_RULE = Rule._meta.db_table
_CHECK = ContentCheck._meta.db_table
_FINGERPRINT = ContentFingerprint._meta.db_table
_VERDICT = Verdict._meta.db_table
_POST = Post._meta.db_table

_CHECK_COLUMNS = (
    "revision_id",
    "post_id",
    "author_id",
    "outcome",
    "paragraph_fingerprints",
    "layout",
    "text_hash",
    "signature",
    "rule_versions",
    "paragraphs_checked",
    "paragraphs_reused",
    "duration_ms",
    "created_at",
)
_CHECK_FIELDS = tuple(ContentCheck._meta.get_field(column) for column in _CHECK_COLUMNS)
_FINGERPRINTS_FIELD = ContentCheck._meta.get_field("paragraph_fingerprints")
_VERDICT_FIELDS = tuple(field for field in Verdict._meta.concrete_fields if not field.primary_key)
_VERDICT_COLUMNS = tuple(field.column for field in _VERDICT_FIELDS)


@dataclass(frozen=True)
class PreviousCheck:
    """What an edit's check needs of the post's latest earlier check."""

    post_id: int
    revision_id: int
    paragraph_fingerprints: list[str]
    layout: Layout
    text_hash: str
    signature: list[int]
    rule_versions: dict[str, int]
    # Whether any of its verdicts was found in a paragraph (and so could be carried over).
    has_paragraph_verdicts: bool


# What a check reads of a revision and the rows around it, by model (the attribute names
# of the columns; anything else loads on first use), and how the rows join.
_REVISION_READS = (
    (PostRevision, "r", ("id", "post_id", "number", "body_html", "created_at", "checked_at"), ""),
    (
        Post,
        "p",
        ("id", "thread_id", "author_id", "position", "state", "current_revision_id"),
        "JOIN {table} p ON p.id = r.post_id",
    ),
    (Thread, "t", ("id", "title", "category_id"), "JOIN {table} t ON t.id = p.thread_id"),
    (Category, "c", ("id", "moderation_mode"), "JOIN {table} c ON c.id = t.category_id"),
    (User, "u", ("id", "trust_level", "post_count"), "JOIN {table} u ON u.id = p.author_id"),
)


def _revision_reads_sql() -> tuple[str, list[tuple[type, list[str], list[bool]]]]:
    columns, joins, shapes = [], [], []
    for model, alias, wanted, join in _REVISION_READS:
        # Model.from_db takes the loaded columns in the model's own field order.
        fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
        columns += [f"{alias}.{f.column}" for f in fields]
        joins.append(join.format(table=model._meta.db_table))
        shapes.append(
            (
                model,
                [f.attname for f in fields],
                [f.get_internal_type() == "DateTimeField" for f in fields],
            )
        )
    # Each row also carries the enabled rules' key (see `enabled_rules_key`) and, for an
    # edit, the post's latest earlier check: an edit's check needs all of it before
    # anything else, so it is one statement. The revisions being checked have no check
    # of their own yet (a check is stored with `checked_at`, and only revisions without
    # it are kept), so "the latest check not of this revision" is the earlier text's.
    columns += [
        "k.rules",
        "k.ids",
        "k.versions",
        "k.updated",
        *(f"earlier.{column}" for column in _PREVIOUS_COLUMNS),
        f"EXISTS (SELECT 1 FROM {_VERDICT} v WHERE v.revision_id = earlier.revision_id "  # noqa: S608
        "AND v.paragraph_fingerprint <> '')",
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM ({_RULES_KEY}) k "  # noqa: S608
        f"JOIN {PostRevision._meta.db_table} r ON {{wanted}} "
        f"{' '.join(joins)} "
        f"LEFT JOIN {_CHECK} earlier ON earlier.id = (SELECT e.id FROM {_CHECK} e "
        "WHERE e.post_id = r.post_id AND e.revision_id <> r.id AND r.number > 1 "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT 1) "
        "ORDER BY r.created_at, r.id{lock}"
    )
    return sql, shapes


_RULES_KEY = (
    f"SELECT COUNT(id) AS rules, SUM(id) AS ids, SUM(version) AS versions, "  # noqa: S608
    f"MAX(updated_at) AS updated FROM {_RULE} WHERE enabled"
)
_PREVIOUS_COLUMNS = (
    "post_id",
    "revision_id",
    "paragraph_fingerprints",
    "layout",
    "text_hash",
    "signature",
    "rule_versions",
)
_REVISION_SQL, _REVISION_SHAPES = _revision_reads_sql()
_REVISION_WIDTH = sum(len(names) for _, names, _ in _REVISION_SHAPES)
# The oldest revisions still waiting for their check (that no other transaction holds,
# when locking), from the index of unchecked revisions.
_BACKLOG_SQL = (
    f"SELECT w.id FROM {PostRevision._meta.db_table} w "  # noqa: S608
    "WHERE w.checked_at IS NULL AND {excluded} ORDER BY w.created_at LIMIT {limit}{lock}"
)
_LOCK_SQL = (
    f"SELECT id FROM {PostRevision._meta.db_table} "  # noqa: S608
    "WHERE id IN ({given}) AND checked_at IS NULL ORDER BY created_at, id FOR UPDATE"
)


@dataclass
class CheckReads:
    """What a batch's check reads before its rules run."""

    # The enabled rules' key (see `enabled_rules_key`); None when no revision was read.
    rules_key: tuple | None = None
    # The revisions read (those still waiting for their check), oldest first, each with
    # its post, the post's thread and category and its author attached.
    revisions: list[PostRevision] = field(default_factory=list)
    # The latest earlier check of each edited post, by post id.
    previous: dict[int, PreviousCheck] = field(default_factory=dict)


def revisions_for_check(
    revision_ids: Sequence[int], *, backlog: int = 0, lock: bool = False, wait: bool = True
) -> CheckReads:
    """The given revisions that still wait for their check, and up to `backlog` other
    waiting ones that no other transaction holds (oldest first), loaded with only the
    columns a check reads, in one statement.

    With `lock`, the revisions read are locked for the rest of the transaction (on
    PostgreSQL; SQLite serialises writers anyway): a revision another transaction holds
    is waited for (by a statement of its own, before the read; a single revision is
    first tried without waiting, in the read), and left out once that one has checked
    it; or with `wait` false, left out at once. A backlog is only ever taken without
    waiting, since waiting for one revision while holding others could deadlock."""
    if backlog and (wait or not lock):
        raise ValueError("a backlog is only taken with lock=True and wait=False")
    ids = list(revision_ids)
    locking = lock and connection.features.has_select_for_update
    if locking and wait and len(ids) == 1:
        # One revision, the usual case: taken without waiting when it is free, in the
        # read itself. Only a revision another transaction holds (or a missing one) costs
        # the separate waiting lock below; with nothing else held, trying first cannot
        # deadlock.
        rows = _read_rows(ids, backlog=0, skip_locked=True)
        if rows:
            return _check_reads(rows)
    if locking and wait:
        # Lock first, read after: a statement that waits for a lock reads only the locked
        # row again when the wait ends, so the post, its thread and its earlier check
        # would be as they were before the wait (an edit made meanwhile unseen).
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL.format(given=_placeholders(ids)), ids)
            ids = [pk for (pk,) in cursor.fetchall()]
    if not ids:
        return CheckReads()
    return _check_reads(_read_rows(ids, backlog=backlog, skip_locked=locking and not wait))


def _read_rows(ids: list[int], *, backlog: int, skip_locked: bool) -> list[tuple]:
    """The rows of the check read for `ids` and up to `backlog` other waiting revisions
    (locked, with `skip_locked`, without waiting: a held revision is left out)."""
    backlog_lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    lock_sql = " FOR UPDATE OF r SKIP LOCKED" if skip_locked else ""
    # On PostgreSQL the ids go as one array, the backlog's added in the same statement
    # (looked up by primary key either way), and the parameters are bound by the server,
    # so that psycopg can prepare the statement: planning it takes twice as long as
    # running it. Elsewhere they are listed. One id on its own, the usual case, is a
    # statement of its own: for it PostgreSQL settles on one plan, where for an array of
    # unknown length it would plan each execution afresh.
    if connection.vendor == "postgresql":
        wanted, params = "r.id = ANY(%(ids)s)", {"ids": ids}
        if backlog:
            found = _BACKLOG_SQL.format(
                excluded="w.id <> ALL(%(ids)s)", limit="%(backlog)s", lock=backlog_lock
            )
            wanted = f"r.id = ANY(%(ids)s || ARRAY({found}))"
            params["backlog"] = backlog
        elif len(ids) == 1:
            wanted, params = "r.id = %(id)s", {"id": ids[0]}
    else:
        marks = _placeholders(ids)
        wanted, params = f"r.id IN ({marks})", list(ids)
        if backlog:
            found = _BACKLOG_SQL.format(excluded=f"w.id NOT IN ({marks})", limit="%s", lock="")
            wanted, params = f"({wanted} OR r.id IN ({found}))", [*ids, *ids, backlog]
    sql = _REVISION_SQL.format(wanted=wanted, lock=lock_sql)
    with _preparable_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _preparable_cursor():
    """A cursor of Django's connection (its transactions, errors and query log) whose
    statements psycopg may prepare: on PostgreSQL, one that has the server bind the
    parameters, where Django's own cursors write them into the text, which can never be
    prepared. psycopg prepares a statement after the connection's `prepare_threshold`
    executions (DATABASES' OPTIONS; with none, as behind a transaction-mode pooler that
    does not keep prepared statements, it never does), and drops them all, on the server
    too, when the connection rolls back."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return _ServerBoundDebugCursor(cursor, connection)
    return connection.make_cursor(cursor)


class _ServerBoundDebugCursor(CursorDebugWrapper):
    """Logs a statement with its parameters written in, as Django logs its own: Django
    reads the text from psycopg's record of the last statement sent unprepared, which a
    prepared one leaves empty."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _check_reads(rows: list[tuple]) -> CheckReads:
    """The revisions of the read's `rows` still waiting for their check, with the rows
    around them attached, the rules key and the earlier checks."""
    db = connection.alias
    revisions, previous = [], {}
    for row in rows:
        instances, start = [], 0
        for model, names, is_datetime in _REVISION_SHAPES:
            values = [
                _aware(value) if dated and value is not None else value
                for value, dated in zip(row[start : start + len(names)], is_datetime, strict=True)
            ]
            instances.append(model.from_db(db, names, values))
            start += len(names)
        revision, post, thread, category, author = instances
        if revision.checked_at is not None:
            continue  # checked already (and, without waiting, not locked by another)
        thread.category = category
        post.thread = thread
        post.author = author
        revision.post = post
        revisions.append(revision)
        earlier = _previous_check(row[_REVISION_WIDTH + 4 :])
        if earlier is not None:
            previous[earlier.post_id] = earlier
    if not revisions:
        return CheckReads()
    rules_key = _rules_key(rows[0][_REVISION_WIDTH : _REVISION_WIDTH + 4])
    return CheckReads(rules_key=rules_key, revisions=revisions, previous=previous)


def revision_states(revision_ids: Sequence[int], *, probe: bool = True) -> dict[int, str]:
    """Each revision's state, by id, in one statement and without waiting for any lock:
    "already_checked", "in_progress" (another transaction holds the row: a batch is
    checking it), "waiting" (free to take) or "missing".

    Probing tries each unchecked row's lock with SKIP LOCKED, which outside a transaction
    is released as the statement ends. Inside one it would be kept, so there, without
    `probe`, every unchecked revision is taken as "in_progress"."""
    states = dict.fromkeys(revision_ids, "missing")
    if not revision_ids:
        return states
    if not probe:
        held = "TRUE"
    elif connection.features.has_select_for_update_skip_locked:
        held = (
            f"NOT EXISTS (SELECT 1 FROM {PostRevision._meta.db_table} f "  # noqa: S608
            "WHERE f.id = r.id FOR UPDATE SKIP LOCKED)"
        )
    else:
        held = "FALSE"  # SQLite has no row locks (and serialises writers anyway)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, r.checked_at IS NOT NULL, {held} "  # noqa: S608
            f"FROM {PostRevision._meta.db_table} r WHERE r.id IN ({_placeholders(revision_ids)})",
            list(revision_ids),
        )
        for pk, checked, in_progress in cursor.fetchall():
            states[pk] = (
                "already_checked" if checked else "in_progress" if in_progress else "waiting"
            )
    return states


def enabled_rules_key() -> tuple:
    """One row that changes whenever the set of enabled rules does: every write through
    the services bumps a rule's `version` and `updated_at`, and enabling or disabling one
    changes the count and the sums."""
    with connection.cursor() as cursor:
        cursor.execute(_RULES_KEY)
        return _rules_key(cursor.fetchone())


def _rules_key(row: Sequence[Any]) -> tuple:
    # The latest change as text: one form however the backend hands an aggregate back.
    rules, ids, versions, updated = row
    return rules, ids, versions, str(updated)


def _previous_check(row: Sequence[Any]) -> PreviousCheck | None:
    post_id, revision_id, fingerprints, layout, text_hash, signature, versions, found = row
    if post_id is None:
        return None
    return PreviousCheck(
        post_id=post_id,
        revision_id=revision_id,
        paragraph_fingerprints=_FINGERPRINTS_FIELD.unpack(bytes(fingerprints)),
        layout=Layout.unpack(bytes(layout)),
        text_hash=text_hash,
        signature=_json(signature),
        rule_versions=_json(versions),
        has_paragraph_verdicts=bool(found),
    )


def batch_history(
    *,
    author_ids: Iterable[int],
    posts_since: dt.datetime,
    checks_since: dt.datetime,
    band_keys: Iterable[str],
    bands_since: dt.datetime,
) -> tuple[list[tuple[int, int, dt.datetime]], list[tuple[int, int, str]], list[tuple[str, int]]]:
    """In one statement: (author id, post id, created at) of the authors' posts since
    `posts_since`; (author id, post id, text hash) of their checks since `checks_since`,
    newest first; and (band key, post id) of the stored fingerprints with one of
    `band_keys` since `bands_since`."""
    authors, keys = list(author_ids), list(band_keys)
    parts, params = [], []
    if authors:
        marks = _placeholders(authors)
        parts += [
            f"SELECT 0, author_id, id, created_at, '' FROM {_POST} "  # noqa: S608
            f"WHERE author_id IN ({marks}) AND created_at >= %s",
            f"SELECT 1, author_id, post_id, created_at, text_hash FROM {_CHECK} "  # noqa: S608
            f"WHERE author_id IN ({marks}) AND created_at >= %s",
        ]
        params += [*authors, _when(posts_since), *authors, _when(checks_since)]
    if keys:
        parts.append(
            f"SELECT 2, 0, post_id, created_at, band_key FROM {_FINGERPRINT} "  # noqa: S608
            f"WHERE band_key IN ({_placeholders(keys)}) AND created_at >= %s"
        )
        params += [*keys, _when(bands_since)]
    posts: list[tuple[int, int, dt.datetime]] = []
    hashes: list[tuple[int, int, str]] = []
    bands: list[tuple[str, int]] = []
    if not parts:
        return posts, hashes, bands
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 4 DESC", params)
        for kind, author_id, post_id, created_at, text in cursor:
            if kind == 0:
                posts.append((author_id, post_id, _aware(created_at)))
            elif kind == 1:
                hashes.append((author_id, post_id, text))
            else:
                bands.append((text, post_id))
    return posts, hashes, bands


def latest_signatures(post_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """The MinHash signature of each post's latest check, by post id."""
    post_ids = list(post_ids)
    signatures: dict[int, tuple[int, ...]] = {}
    if not post_ids:
        return signatures
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT post_id, signature FROM {_CHECK} "  # noqa: S608
            f"WHERE post_id IN ({_placeholders(post_ids)}) ORDER BY post_id, created_at DESC",
            post_ids,
        )
        for post_id, signature in cursor:
            if post_id not in signatures:
                signatures[post_id] = tuple(_json(signature))
    return signatures


def checks_store(
    *,
    checks: list[dict[str, Any]],
    verdicts: list[Verdict],
    replaced_post_ids: Sequence[int],
    fingerprints: list[tuple[str, int]],
    checked_ids: Sequence[int],
    now: dt.datetime,
) -> None:
    """Store what a batch's check found: insert the ContentCheck rows (given as {column:
    value}, the columns of _CHECK_COLUMNS) and the verdicts, delete the fingerprints of
    `replaced_post_ids`, insert the (band key, post id) fingerprints created at `now`,
    and set `checked_at` of the revisions `checked_ids`. On PostgreSQL that is one
    statement (its parts all see the tables as they were before it, so the delete never
    meets the new fingerprints); elsewhere, one statement each."""
    statements = _insert_statements(
        _CHECK,
        _CHECK_COLUMNS,
        [[_db_value(field, row[field.attname]) for field in _CHECK_FIELDS] for row in checks],
    )
    statements += _insert_statements(
        _VERDICT,
        _VERDICT_COLUMNS,
        [
            [_db_value(field, getattr(verdict, field.attname)) for field in _VERDICT_FIELDS]
            for verdict in verdicts
        ],
    )
    if replaced_post_ids:
        statements.append(
            (
                f"DELETE FROM {_FINGERPRINT} "  # noqa: S608
                f"WHERE post_id IN ({_placeholders(replaced_post_ids)})",
                list(replaced_post_ids),
            )
        )
    created = _when(now)
    statements += _insert_statements(
        _FINGERPRINT,
        ("band_key", "post_id", "created_at"),
        [[key, post_id, created] for key, post_id in fingerprints],
    )
    if checked_ids:
        statements.append(
            (
                f"UPDATE {PostRevision._meta.db_table} SET checked_at = %s "  # noqa: S608
                f"WHERE id IN ({_placeholders(checked_ids)})",
                [created, *checked_ids],
            )
        )
    if connection.vendor == "postgresql" and len(statements) > 1:
        *first, (last_sql, last_params) = statements
        statements = [
            (
                "WITH "
                + ", ".join(f"step{n} AS ({sql})" for n, (sql, _) in enumerate(first))
                + f" {last_sql}",
                [value for _, params in first for value in params] + last_params,
            )
        ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _insert_statements(
    table: str, columns: Sequence[str], rows: list[list[Any]]
) -> list[tuple[str, list[Any]]]:
    """Multi-row INSERTs, as few as the backend's limit on parameters allows."""
    if not rows:
        return []
    limit = connection.features.max_query_params
    per_statement = max(limit // len(columns), 1) if limit else len(rows)
    row_marks = f"({_placeholders(columns)})"
    chunks = [rows[start : start + per_statement] for start in range(0, len(rows), per_statement)]
    return [
        (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES {', '.join([row_marks] * len(chunk))}",
            [value for row in chunk for value in row],
        )
        for chunk in chunks
    ]


def _db_value(field, value: Any) -> Any:
    """A field's value as the ORM would pass it to the database."""
    return field.get_db_prep_save(value, connection)


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _when(value: dt.datetime) -> Any:
    """A datetime as a parameter, as the ORM passes it (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def _aware(value: Any) -> dt.datetime:
    """A datetime column as the ORM returns it: SQLite gives naive UTC, sometimes as text
    (a column of a UNION has no declared type)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _json(value: Any) -> Any:
    """A JSON column's value: Django has both backends hand JSON over as text."""
    return json.loads(value) if isinstance(value, str | bytes) else value
