"""The benchmark's databases and data: cloning a freshly migrated database, the reading
set (the demo thread grown to 1,000 comments, a thread of 10 comments, a first page of
latest threads), trusted posters with API tokens, signed-in members, the moderation
rules the served scenarios run, bulk filler generated inside PostgreSQL (INSERT ...
SELECT over generate_series), and emptying the page cache the served processes share.

Every function that writes works on the Django connection's current database; switch it
with `use_database`."""

import hashlib
import json
import os
import random
from contextlib import contextmanager

import psycopg

BENCH_DB = os.environ.get("PARLEY_BENCH_DB", "parley_bench")
DEMO_COMMENTS = 1_000
SMALL_COMMENTS = 10

_VOCABULARY = (
    "analysis", "treaty", "region", "assistance", "military", "evidence", "report",
    "statement", "press", "conference", "policy", "government", "relations", "defence",
    "territory", "question", "history", "coverage", "narrative", "mutual", "agreement",
    "conflict", "observers", "technical", "support", "archive", "source", "context", "claim",
    "timeline", "document", "reading", "argument",
)  # fmt: skip


def db_name(suffix: str) -> str:
    return f"{BENCH_DB}_{suffix}"


# --- databases --------------------------------------------------------------------------


def _admin_connect():
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )


def database_exists(name: str) -> bool:
    with _admin_connect() as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def drop_database(name: str) -> None:
    with _admin_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_deadlocks(name: str) -> int:
    """The deadlocks PostgreSQL has detected in database `name` since its statistics were
    reset. A backend reports its counts when it goes idle, up to ten seconds late."""
    with _admin_connect() as admin:
        found = admin.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [name])
        row = found.fetchone()
    return row[0] if row else 0


def clone_database(template: str, name: str) -> None:
    """A fresh copy of `template` (which nobody may be connected to) as `name`."""
    with _admin_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


@contextmanager
def use_database(name: str):
    """Point the default Django connection at database `name` for the block."""
    from django.db import connection

    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def create_bench_tables() -> None:
    """The write floor's table and a key/value table describing what was generated."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_row ("
            "id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)"
        )


def meta_get(key: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def meta_set(key: str, value) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES (%s, %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value)],
        )


def schema_fingerprint() -> str:
    """Which migrations the current database has: a cached database is reused only while
    the code's schema is the same."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


# --- text -------------------------------------------------------------------------------


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_VOCABULARY) for _ in range(words)).capitalize() + "."


def reply_markdown(rng: random.Random, *, tag: str = "", quote: tuple[str, int] | None = None):
    """A typical long-form reply of about 2 KB of Markdown: a quote of an earlier post,
    paragraphs with inline and bare links, emphasis and a short list."""
    parts = []
    if quote is not None:
        username, post_id = quote
        parts.append(f'[quote="{username}, post:{post_id}"]\n{_sentence(rng, 25)}\n[/quote]')
    parts.append(
        f"{_sentence(rng, 30)} See [the {rng.choice(_VOCABULARY)} report]"
        f"(https://example{rng.randint(1, 40)}.org/reports/{rng.randint(1, 999)}) "
        f"and **{rng.choice(_VOCABULARY)}** {_sentence(rng, 20)}"
    )
    parts.append(
        f"{_sentence(rng, 35)} https://archive{rng.randint(1, 9)}.example.net/"
        f"{rng.choice(_VOCABULARY)}/{rng.randint(100, 999)} {_sentence(rng, 15)}"
    )
    parts.append("\n".join(f"- {_sentence(rng, 8)}" for _ in range(3)))
    text = "\n\n".join(parts)
    while len(text) < 1900:
        text += "\n\n" + _sentence(rng, 30)
    if tag:
        text += f"\n\nRef {tag}."
    return text


def filler_markdown(rng: random.Random) -> str:
    """A shorter comment for bulk filler: one to four paragraphs, sometimes a link."""
    parts = [_sentence(rng, rng.randint(12, 45)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.4:
        parts[-1] += f" https://example{rng.randint(1, 40)}.org/{rng.randint(1, 999)}"
    return "\n\n".join(parts)


# --- the reading set ----------------------------------------------------------------------


def posters(count: int, *, prefix: str = "bench-poster") -> list[tuple]:
    """`count` trusted members (trust level 3: no flood limits, no pre-moderation) with an
    API token each: [(user, token), ...]."""
    from forum.accounts import services as account_services
    from forum.accounts.models import User

    made = []
    for n in range(count):
        user = account_services.user_create(username=f"{prefix}-{n}", trust_level=3)
        User.objects.filter(pk=user.pk).update(post_count=500)
        _, token = account_services.token_create(user=user, name="benchmark")
        made.append((user, token))
    return made


def bulk_replies(*, thread, count: int, authors: list, rng: random.Random) -> None:
    """Add `count` visible, checked replies to `thread` in a few statements: most answer
    the opening post, some answer an earlier reply (up to depth 3). Rendered once per
    distinct text, stored exactly as post_create stores them."""
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone

    from forum.threads import services as thread_services
    from forum.threads.models import Post, PostRevision, Thread
    from forum.threads.rendering import render_markdown

    texts = []
    for _ in range(20):
        source = reply_markdown(rng, quote=(authors[0].username, thread.opening_post_id))
        texts.append((source, render_markdown(source)))
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        opening = Post.objects.get(pk=locked.opening_post_id)
        candidates = [opening]
        now = timezone.now()
        position = locked.last_position
        posts = []
        with connection.cursor() as cursor:
            # Ids up front, so that replies to new replies can name their parents.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('threads_post', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for index in range(count):
            position += 1
            parent = opening if rng.random() < 0.7 else rng.choice(candidates)
            source, rendered = texts[index % len(texts)]
            post = Post(
                pk=ids[index],
                thread=locked,
                author=authors[index % len(authors)],
                parent_id=parent.pk,
                position=position,
                published_position=position,
                depth=parent.depth + 1,
                path=thread_services.child_path(parent.path, position),
                body_source=source,
                body_html=rendered.html,
                created_at=now,
                **thread_services._rendered_fields(rendered, source=source),
            )
            posts.append(post)
            if post.depth < 3:
                candidates.append(post)
        Post.objects.bulk_create(posts, batch_size=500)
        PostRevision.objects.bulk_create(
            [
                PostRevision(
                    post=post,
                    number=1,
                    editor=post.author,
                    body_source=post.body_source,
                    body_html=post.body_html,
                    checked_at=now,
                )
                for post in posts
            ],
            batch_size=500,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE threads_post p SET current_revision_id = r.id "
                "FROM threads_postrevision r WHERE r.post_id = p.id AND p.thread_id = %s "
                "AND p.current_revision_id IS NULL",
                [locked.pk],
            )
        Thread.objects.filter(pk=locked.pk).update(
            last_position=position,
            reply_count=F("reply_count") + count,
            version=F("version") + 1,
            last_activity_at=now,
        )


def seed_reading(rng: random.Random) -> dict:
    """The threads the read scenarios use, in the current database: the demo thread
    (loaded as `make run` loads it) grown to DEMO_COMMENTS comments, and a thread with
    SMALL_COMMENTS comments. Returns their ids and the commenters' names."""
    from forum.threads import services as thread_services
    from forum.threads.demo import demo_load
    from forum.threads.models import Category, Post

    demo = demo_load().thread
    commenters = [user for user, _ in posters(8, prefix="bench-reader")]
    existing = Post.objects.filter(thread=demo).count() - 1
    bulk_replies(thread=demo, count=DEMO_COMMENTS - existing, authors=commenters, rng=rng)
    category = Category.objects.get(pk=demo.category_id)
    small = thread_services.thread_create(
        author=commenters[0],
        category=category,
        title="A thread with ten comments",
        body=reply_markdown(rng),
    )
    bulk_replies(thread=small, count=SMALL_COMMENTS, authors=commenters, rng=rng)
    demo.refresh_from_db()
    small.refresh_from_db()
    return {
        "demo_thread": demo.pk,
        "demo_slug": demo.slug,
        "small_thread": small.pk,
        "small_slug": small.slug,
        "category": category.slug,
    }


# --- bulk filler --------------------------------------------------------------------------


def _insert_select(cursor, model, overrides: dict, tail: str, params: list) -> int:
    """INSERT INTO <model's table> (every concrete column) SELECT <expressions> <tail>:
    a column named in `overrides` gets that SQL expression (or (expression, params)), any
    other its field default, so that a column added to the model later is filled the way
    the ORM would fill it."""
    from django.db import connection

    columns, expressions, values = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.attname in overrides:
            override = overrides[field.attname]
            expression, extra = override if isinstance(override, tuple) else (override, [])
            expressions.append(expression)
            values.extend(extra)
        else:
            expressions.append("%s")
            values.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(expressions)} {tail}"
    )
    cursor.execute(sql, values + params)
    return cursor.rowcount


def fill(*, members: int, threads: int, posts_per_thread: int, categories: int, rng) -> dict:
    """Bulk filler in the current database: `members` members, `categories` categories,
    and `threads` threads of `posts_per_thread` posts each (an opening post and replies to
    it), with about 2% of threads and 1% of replies pending and some hidden, spread over
    two years. All inside PostgreSQL: a million posts take a minute or two."""
    from django.db import connection, transaction

    from forum.accounts.models import User
    from forum.threads import services as thread_services
    from forum.threads.models import Category, Post, Thread
    from forum.threads.rendering import render_markdown

    sources = [filler_markdown(rng) for _ in range(40)]
    htmls = [render_markdown(source).html for source in sources]
    words = [len(source.split()) for source in sources]
    segments = [thread_services.path_segment(n) for n in range(1, posts_per_thread + 1)]
    with transaction.atomic(), connection.cursor() as cursor:
        tag = rng.randrange(10**6)
        _insert_select(
            cursor,
            User,
            {
                "password": "'!'",
                "username": f"'member-{tag}-' || g",
                "date_joined": "now() - g * interval '10 minutes'",
                "trust_level": "mod(g, 4)",
                "post_count": "mod(g, 200)",
                "is_active": "true",
            },
            "FROM generate_series(1, %s) AS g",
            [members],
        )
        first_user = _consecutive_ids(
            cursor, "accounts_user", "username", f"member-{tag}-", members
        )
        _insert_select(
            cursor,
            Category,
            {
                "name": f"'Category {tag} ' || g",
                "slug": f"'category-{tag}-' || g",
                "position": "g + 10",
                "created_at": "now()",
            },
            "FROM generate_series(1, %s) AS g",
            [categories],
        )
        first_category = _consecutive_ids(
            cursor, "threads_category", "slug", f"category-{tag}-", categories
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM threads_thread")
        (first_thread,) = cursor.fetchone()
        state = (
            "CASE WHEN mod({n}, 50) = 0 THEN 'pending' WHEN mod({n}, 97) = 0 THEN 'hidden' "
            "ELSE 'visible' END"
        )
        _insert_select(
            cursor,
            Thread,
            {
                "category_id": f"{first_category} + mod(g, {categories})",
                "title": "'Filler thread ' || g",
                "slug": "'filler-thread-' || g",
                "author_id": f"{first_user} + mod(g * 7919, {members})",
                "state": state.format(n="g"),
                "reply_count": str(posts_per_thread - 1),
                "last_position": str(posts_per_thread),
                "created_at": "now() - interval '730 days' + g * interval '1 hour' * "
                f"(17520.0 / {threads})",
                "last_activity_at": "now() - interval '730 days' + g * interval '1 hour' * "
                f"(17520.0 / {threads}) + interval '3 hours'",
            },
            "FROM generate_series(1, %s) AS g",
            [threads],
        )
        body = "(%s::text[])[1 + mod({n}, 40)]"
        _insert_select(
            cursor,
            Post,
            {
                "thread_id": "t.id",
                "author_id": "t.author_id",
                "position": "1",
                "published_position": "1",
                "depth": "0",
                "path": f"'{segments[0]}'",
                "state": "t.state",
                "body_source": (body.format(n="t.id"), [sources]),
                "body_html": (body.format(n="t.id"), [htmls]),
                "word_count": ("(%s::int[])[1 + mod(t.id, 40)]", [words]),
                "created_at": "t.created_at",
            },
            "FROM threads_thread t WHERE t.id > %s",
            [first_thread],
        )
        cursor.execute(
            "UPDATE threads_thread t SET opening_post_id = p.id FROM threads_post p "
            "WHERE p.thread_id = t.id AND p.position = 1 AND t.id > %s",
            [first_thread],
        )
        _insert_select(
            cursor,
            Post,
            {
                "thread_id": "t.id",
                "author_id": f"{first_user} + mod(t.id * 31 + g * 7919, {members})",
                "parent_id": "t.opening_post_id",
                "position": "g",
                "published_position": "g",
                "depth": "1",
                "path": (f"'{segments[0]}' || (%s::text[])[g]", [segments]),
                "state": "CASE WHEN mod(t.id + g, 100) = 0 THEN 'pending' "
                "WHEN mod(t.id + g, 211) = 0 THEN 'hidden' ELSE 'visible' END",
                "body_source": (body.format(n="(t.id + g)"), [sources]),
                "body_html": (body.format(n="(t.id + g)"), [htmls]),
                "word_count": ("(%s::int[])[1 + mod(t.id + g, 40)]", [words]),
                "created_at": "t.created_at + g * interval '2 minutes'",
            },
            "FROM threads_thread t CROSS JOIN generate_series(2, %s) AS g WHERE t.id > %s",
            [posts_per_thread, first_thread],
        )
    with connection.cursor() as cursor:
        # Statistics for the planner, and the visibility map for index-only scans, now
        # rather than from autovacuum in the middle of a measurement.
        cursor.execute("VACUUM ANALYZE")
    return {
        "members": members,
        "threads": threads,
        "posts": threads * posts_per_thread,
        # The new threads are those with a greater id.
        "threads_after_id": first_thread,
    }


def _consecutive_ids(cursor, table: str, column: str, prefix: str, count: int) -> int:
    """The first id of the `count` rows just inserted into `table` (those whose `column`
    starts with `prefix`), which one INSERT in a database nobody else writes to numbers
    consecutively; checked, since the filler computes foreign keys from it."""
    cursor.execute(
        f"SELECT min(id), max(id), count(*) FROM {table} WHERE {column} LIKE %s",
        [prefix + "%"],
    )
    low, high, found = cursor.fetchone()
    if found != count or high - low + 1 != count:
        raise RuntimeError(f"{table}: the new rows' ids are not consecutive")
    return low


def table_counts() -> dict:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in ("accounts_user", "threads_thread", "threads_post"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --- the shared cache ---------------------------------------------------------------------


def redis_client():
    """The configured Redis (the Celery broker and the cache), for what the benchmark
    does to it directly."""
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL)


def _delete_cached(prefix: str) -> int:
    """Delete the shared cache's keys under `prefix`; returns how many there were."""
    from django.core.cache import cache

    client = redis_client()
    keys = list(client.scan_iter(match=cache.make_key(f"{prefix}:*"), count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def clear_page_cache() -> int:
    """Empty the page cache the served processes share (every stored page and token), so
    that the next read of each page builds it; the pages a process keeps in its own
    memory stop matching once their tokens are gone. Returns the keys removed."""
    from forum.core import pagecache

    removed = _delete_cached("pagecache")
    pagecache.local_pages.clear()
    return removed


def clear_read_caches() -> int:
    """Empty everything a read is answered or built from: the page cache, and the parts
    of pages shared between readers (forum.core.fragments: a thread's page of rows, its
    posts rendered), in Redis and in this process's memory. The next read of a page then
    runs every query a read runs after its thread changed. Returns the keys removed."""
    from forum.core import fragments

    removed = clear_page_cache() + _delete_cached("fragment")
    fragments.local_fragments.clear()
    return removed


# --- readers ------------------------------------------------------------------------------


def signed_in_cookie(user, *, secret_key: str) -> str:
    """The Cookie header a browser sends once `user` has logged in: a session stored in
    the current database, signed with `secret_key` (that of the processes that will read
    it), and a CSRF cookie as the first page's form leaves it."""
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client, override_settings
    from django.utils.crypto import get_random_string

    client = Client()
    with override_settings(SECRET_KEY=secret_key):
        client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"


# --- moderation rules ---------------------------------------------------------------------

WATCHED_WORDS = 1_200
_SPAM_OPENERS = (
    "cheap", "free", "instant", "discount", "miracle", "guaranteed", "secret", "exclusive",
    "easy", "fast", "hot", "crypto", "casino", "payday", "bonus", "lucky", "premium", "bulk",
    "wholesale", "limited",
)  # fmt: skip
_SPAM_OBJECTS = (
    "pills", "loans", "spins", "followers", "likes", "coupons", "tokens", "prizes",
    "replica watches", "weight loss", "dating", "betting tips", "essay writing",
    "seo backlinks", "gift cards",
)  # fmt: skip
_SYLLABLES = (
    "ba", "cor", "dra", "fen", "gul", "hax", "jor", "kiv", "lum", "mox", "nel", "pra", "quo",
    "rez", "sab", "tor", "ulf", "vex", "wim", "yar", "zen", "bri", "cla", "dov", "esk", "fru",
    "gan", "hel", "isk", "jun",
)  # fmt: skip
# Spellings spammers use to slip past a list (Cyrillic letters, digits for letters); the
# look-alike folding of forum.core.lookalikes reads them as the plain word.
_LOOKALIKES = {"a": "\u0430", "o": "0", "e": "3", "i": "1", "c": "\u0441"}
# Words of the benchmark's own posts besides _VOCABULARY (links, quotes, tags).
_POST_WORDS = (
    "see", "the", "and", "for", "more", "ref", "wrote", "example", "archive", "org", "get",
    "here",
)  # fmt: skip


def watched_words(count: int = WATCHED_WORDS, *, seed: int = 31) -> list[str]:
    """A watched-words list as a forum gathers one over the years: spam phrases, made-up
    brand and product names, and look-alike spellings of some of them. Deterministic, and
    sharing no word with the text of the benchmark's posts, so that only the replies a
    scenario writes a listed term into are caught."""
    from forum.core.lookalikes import fold_term, match_key

    def key(word: str) -> str:
        return match_key(fold_term(word))

    taken = {key(word) for word in (*_VOCABULARY, *_POST_WORDS)}
    rng = random.Random(seed)
    terms = [f"{opener} {thing}" for opener in _SPAM_OPENERS for thing in _SPAM_OBJECTS]
    variants = count // 10
    seen = {key(term) for term in terms}
    while len(terms) < count - variants:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        if key(name) not in seen and key(name) not in taken:
            seen.add(key(name))
            terms.append(name)
    spellable = [term for term in terms if any(c in _LOOKALIKES for c in term)]
    for term in rng.sample(spellable, variants):
        variant = "".join(
            _LOOKALIKES[c] if c in _LOOKALIKES and rng.random() < 0.5 else c for c in term
        )
        terms.append(variant if variant != term else term.translate(str.maketrans(_LOOKALIKES)))
    return terms


def install_rules() -> list[int]:
    """In the current database, the rules a forum runs: the default set, as `manage.py
    install_default_rules` installs it, and a watched-words rule of WATCHED_WORDS terms and
    two link patterns whose action is `flag` (a post with a listed term goes to review,
    hidden). Returns the ids of the enabled rules."""
    import io

    from django.core.management import call_command

    from forum.accounts import services as account_services
    from forum.accounts.models import User
    from moderation import services as moderation_services
    from moderation.models import Rule

    call_command("install_default_rules", stdout=io.StringIO())
    admin = account_services.user_create(username="bench-rules-admin", role=User.Role.ADMIN)
    moderation_services.rule_save(
        actor=admin,
        name="Watched words",
        kind="watched_words",
        params={"words": watched_words(), "patterns": [r"bit\.ly/\w+", r"t\.me/\w+"]},
        action=Rule.Action.FLAG,
        enabled=True,
        override_reason="Benchmark set-up: the rule is installed by a script, not tried by hand.",
    )
    return list(Rule.objects.filter(enabled=True).values_list("pk", flat=True))


def rules_enabled(database: str, rule_ids: list[int], enabled: bool) -> None:
    """Enable or disable the rules `rule_ids` in `database`. Served processes notice at
    their next check or post (the rule set's freshness query); no rule's version changes,
    so none is compiled again."""
    from moderation.models import Rule

    with use_database(database):
        Rule.objects.filter(pk__in=rule_ids).update(enabled=enabled)


@contextmanager
def no_rules(database: str, rule_ids: list[int]):
    """The rules `rule_ids` disabled for the block: for the reference figures."""
    rules_enabled(database, rule_ids, False)
    try:
        yield
    finally:
        rules_enabled(database, rule_ids, True)
