"""Search over thread titles and post bodies, limited to what the searcher may read.

On PostgreSQL: full-text search (`websearch_to_tsquery`, so quotes, `or` and `-word`
work), ranked with ts_rank, with ts_headline snippets. The text vectors are the same
expressions as the GIN indexes of migration threads 0005, so the planner uses them.
Highlight marks come back from the database as control characters that stored text can
never contain (forum.core.text refuses them); the snippet is HTML-escaped first and only
then are those characters turned into <mark> tags, so no stored text can inject markup.

On SQLite (a first run): every word must occur in the body or the thread's title,
newest first, with a snippet around the first match."""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When

from forum.core import permissions
from forum.threads.models import Post, Thread

CONFIG = "english"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# How deep into the ranking a search reads: past it, refining the words finds more.
MAX_RESULTS = 1000
_START, _STOP = "\x02", "\x03"
_SNIPPET_CHARS = 240


def body_vector() -> SearchVector:
    """The text vector of a post's body: the expression index `post_body_search`."""
    return SearchVector("body_source", config=CONFIG)


def title_vector(field: str = "title") -> SearchVector:
    """The text vector of a thread's title: the expression index `thread_title_search`."""
    return SearchVector(field, config=CONFIG)


def _readable(user):
    return Post.objects.filter(
        permissions.visible_posts_q(user),
        permissions.visible_threads_q(user, prefix="thread__"),
    ).select_related("thread", "author")


def search_posts(
    *, user, text: str, offset: int = 0, limit: int = PAGE_SIZE
) -> tuple[list[dict], bool]:
    """`limit` of the posts matching `text` that `user` may read (an opening post also
    matches by its thread's title), best first from the `offset`th, and whether more
    follow (within MAX_RESULTS)."""
    if connection.vendor == "postgresql":
        rows = _postgres_rows(user, text)
    else:
        rows = _fallback_rows(user, text)
    limit = max(0, min(limit, MAX_RESULTS - offset))
    fetched = list(rows[offset : offset + limit + 1])
    hits = [_hit(post, text) for post in fetched[:limit]]
    return hits, len(fetched) > limit and offset + limit < MAX_RESULTS


def _postgres_rows(user, text: str):
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    in_bodies = Post.objects.annotate(match=body_vector()).filter(match=query).values("pk")
    in_titles = (
        Thread.objects.annotate(match=title_vector())
        .filter(match=query)
        .exclude(opening_post__isnull=True)
        .values("opening_post_id")
    )
    title_rank = Case(
        When(position=1, then=SearchRank(title_vector("thread__title"), query) * 2),
        default=Value(0.0),
        output_field=FloatField(),
    )
    highlight = {"config": CONFIG, "start_sel": _START, "stop_sel": _STOP}
    return (
        _readable(user)
        .filter(Q(pk__in=in_bodies) | Q(pk__in=in_titles))
        .annotate(
            rank=SearchRank(body_vector(), query) + title_rank,
            body_headline=SearchHeadline(
                "body_source",
                query,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
                **highlight,
            ),
            title_headline=SearchHeadline("thread__title", query, highlight_all=True, **highlight),
        )
        .order_by("-rank", "-pk")
    )


_WORD = re.compile(r"\w+", re.UNICODE)


def _fallback_rows(user, text: str):
    words = _WORD.findall(text)[:10]
    rows = _readable(user)
    if not words:
        return rows.none()
    for word in words:
        rows = rows.filter(
            Q(body_source__icontains=word) | Q(position=1, thread__title__icontains=word)
        )
    return rows.annotate(rank=Value(0.0, output_field=FloatField())).order_by(
        F("created_at").desc(), "-pk"
    )


def _marked(headline: str) -> str:
    """Escape, then turn the database's highlight characters into <mark> tags."""
    escaped = html.escape(headline.replace("\x00", ""), quote=True)
    if escaped.count(_START) != escaped.count(_STOP):
        return escaped.replace(_START, "").replace(_STOP, "")
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


def _fallback_snippet(source: str, text: str) -> str:
    words = [word.lower() for word in _WORD.findall(text)]
    lowered = source.lower()
    first = min((i for w in words if (i := lowered.find(w)) >= 0), default=0)
    begin = max(0, first - _SNIPPET_CHARS // 3)
    piece = source[begin : begin + _SNIPPET_CHARS]
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        piece = pattern.sub(lambda m: f"{_START}{m.group()}{_STOP}", piece)
    return ("…" if begin else "") + piece


def _hit(post: Post, text: str) -> dict:
    if hasattr(post, "body_headline"):
        snippet, title = post.body_headline, post.title_headline
    else:
        snippet, title = _fallback_snippet(post.body_source, text), post.thread.title
    return {
        "post_id": post.pk,
        "thread_id": post.thread_id,
        "thread_title": post.thread.title,
        "title_html": _marked(title),
        "is_opening_post": post.position == 1,
        "author": post.author,
        "created_at": post.created_at,
        "rank": float(post.rank),
        "snippet_html": _marked(snippet),
    }
