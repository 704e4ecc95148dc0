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
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forum.accounts.models import User
from forum.threads.models import Category, Post, PostRevision, Thread
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
_CHECK_JSON = frozenset({"paragraph_fingerprints", "layout", "signature", "rule_versions"})


@dataclass(frozen=True)
class PreviousCheck:
    """What an edit's check needs of the post's latest earlier check."""

    post_id: int
    revision_id: int
    paragraph_fingerprints: list[str]
    layout: list[list]
    text_hash: str
    signature: list[int]
    rule_versions: dict[str, int]
    # Whether any of its verdicts was found in a paragraph (and so could be carried over).
    has_paragraph_verdicts: bool


# What a check reads of a revision and the rows around it, by model (the attribute names
# of the columns; anything else loads on first use), and how the rows join.
_REVISION_READS = (
    (PostRevision, "r", ("id", "post_id", "number", "body_html", "created_at"), ""),
    (
        Post,
        "p",
        ("id", "thread_id", "author_id", "state", "current_revision_id"),
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
    sql = (
        f"SELECT {', '.join(columns)} FROM {PostRevision._meta.db_table} r "  # noqa: S608
        f"{' '.join(joins)} WHERE r.id IN (%s) ORDER BY r.created_at, r.id"
    )
    return sql, shapes


_REVISION_SQL, _REVISION_SHAPES = _revision_reads_sql()


def revisions_for_check(revision_ids: Sequence[int]) -> list[PostRevision]:
    """The revisions, oldest first, each with its post, the post's thread and category
    and its author attached, loaded with only the columns a check reads."""
    if not revision_ids:
        return []
    db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(
            _REVISION_SQL.replace("%s", _placeholders(revision_ids), 1), list(revision_ids)
        )
        rows = cursor.fetchall()
    revisions = []
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
        thread.category = category
        post.thread = thread
        post.author = author
        revision.post = post
        revisions.append(revision)
    return revisions


_RULES_KEY = (
    f"SELECT COUNT(id) AS rules, SUM(id) AS ids, SUM(version) AS versions, "  # noqa: S608
    f"MAX(updated_at) AS updated FROM {_RULE} WHERE enabled"
)


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


def previous_checks(
    *, post_ids: Sequence[int], exclude_revision_ids: Sequence[int]
) -> tuple[tuple, dict[int, PreviousCheck]]:
    """The enabled rules' key (see `enabled_rules_key`) and the latest check of each post
    that is not of one of `exclude_revision_ids`, by post id: one statement, as an edit
    needs both before anything else."""
    posts, excluded = _placeholders(post_ids), _placeholders(exclude_revision_ids or [0])
    sql = (
        "SELECT k.rules, k.ids, k.versions, k.updated, c.post_id, c.revision_id, "  # noqa: S608
        "c.paragraph_fingerprints, c.layout, c.text_hash, c.signature, c.rule_versions, "
        f"c.found FROM ({_RULES_KEY}) k LEFT JOIN (SELECT c.id, c.post_id, c.revision_id, "
        "c.paragraph_fingerprints, c.layout, c.text_hash, c.signature, c.rule_versions, "
        f"EXISTS (SELECT 1 FROM {_VERDICT} v WHERE v.revision_id = c.revision_id "
        "AND v.paragraph_fingerprint <> '') AS found "
        f"FROM {_CHECK} c WHERE c.post_id IN ({posts}) AND c.revision_id NOT IN ({excluded}) "
        f"AND c.created_at = (SELECT MAX(e.created_at) FROM {_CHECK} e "
        f"WHERE e.post_id = c.post_id AND e.revision_id NOT IN ({excluded}))) c ON 1 = 1 "
        "ORDER BY c.post_id, c.id DESC"
    )
    excluded_ids = list(exclude_revision_ids or [0])
    latest: dict[int, PreviousCheck] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*post_ids, *excluded_ids, *excluded_ids])
        rows = cursor.fetchall()
    for row in rows:
        post_id, revision_id, fingerprints, layout, text_hash, signature, versions, found = row[4:]
        if post_id is not None and post_id not in latest:
            latest[post_id] = PreviousCheck(
                post_id=post_id,
                revision_id=revision_id,
                paragraph_fingerprints=_json(fingerprints),
                layout=_json(layout),
                text_hash=text_hash,
                signature=_json(signature),
                rule_versions=_json(versions),
                has_paragraph_verdicts=bool(found),
            )
    return _rules_key(rows[0][:4]), latest


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
    replaced_post_ids: Sequence[int],
    fingerprints: list[tuple[str, int]],
    now: dt.datetime,
) -> None:
    """Insert the ContentCheck rows (given as {column: value}, the columns of
    _CHECK_COLUMNS), delete the fingerprints of `replaced_post_ids` and insert the
    (band key, post id) fingerprints created at `now`. On PostgreSQL that is one
    statement (its parts all see the table as it was before it, so the delete never
    meets the new fingerprints); elsewhere, one statement each."""
    statements = _insert_statements(
        _CHECK,
        _CHECK_COLUMNS,
        [
            [
                connection.ops.adapt_json_value(row[column], None)
                if column in _CHECK_JSON
                else _when(row[column])
                if column == "created_at"
                else row[column]
                for column in _CHECK_COLUMNS
            ]
            for row in checks
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
