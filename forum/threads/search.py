"""Search over thread titles and post bodies, limited to what the searcher may read.

On PostgreSQL: full-text search (`websearch_to_tsquery`, so quotes, `or` and `-word`
work), ranked with ts_rank, with ts_headline snippets. The text vectors are the same
expressions as the GIN indexes of migration threads 0005, so the planner uses them.
Words are matched in the Markdown source, but snippets are cut from the rendered text
(the stored HTML without its tags), so a reader never sees `**`, links' brackets or
`[quote=...]` markup, only the words the post shows.
Highlight marks come back from the database as control characters that stored text can
never contain (forum.core.text refuses them); the snippet is HTML-escaped first and only
then are those characters turned into <mark> tags, so no stored text can inject markup.

On SQLite (a first run): every word must occur in the body or the thread's title,
newest first, with a snippet of the rendered text around the first match.

Filters (`SearchFilters`) narrow either to a category, an author, a range of dates and
threads only (their opening posts) or every post."""

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, TextField, Value, When

from forum.core import permissions
from forum.core.pagination import bad_cursor, decode_cursor
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


THREADS, POSTS = "threads", "posts"


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search besides its words. `category` is a category's slug and
    `author` a member's username (unknown ones find nothing); `created_after` is
    inclusive and `created_before` exclusive; `type` is THREADS for threads only (found
    by their title or opening post) or POSTS for every post."""

    category: str = ""
    author: str = ""
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    type: str = POSTS

    def apply(self, posts):
        if self.category:
            posts = posts.filter(thread__category__slug=self.category)
        if self.author:
            posts = posts.filter(author__username=self.author)
        if self.created_after is not None:
            posts = posts.filter(created_at__gte=self.created_after)
        if self.created_before is not None:
            posts = posts.filter(created_at__lt=self.created_before)
        if self.type == THREADS:
            posts = posts.filter(position=1)
        return posts

    def digest(self, text: str) -> str:
        """Names this search (its words and filters), for cursors: a page's offset into
        one ranking means nothing in another."""
        named = "\x00".join(
            [
                text,
                self.category,
                self.author,
                self.created_after.isoformat() if self.created_after else "",
                self.created_before.isoformat() if self.created_before else "",
                self.type,
            ]
        )
        return hashlib.blake2b(named.encode(), digest_size=12).hexdigest()

    def ranking(self, text: str) -> str:
        """The ordering a search's cursors belong to (see forum.core.pagination)."""
        return f"rank:{self.digest(text)}"


NO_FILTERS = SearchFilters()


def search_offset(request, ranking: str) -> int:
    """Where a page of results starts, from the request's cursor for `ranking`: a
    search's cursor holds the offset into its ranking, and is tied to the words and
    filters searched, since ranks change with them. The API and the web page read it
    alike, so that a page link means the same on both."""
    decoded = decode_cursor(request, ranking)
    if decoded is None:
        return 0
    offset, _key, _backwards = decoded
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise bad_cursor()
    if not 0 <= offset < MAX_RESULTS:
        raise bad_cursor()
    return offset


def _readable(user):
    return Post.objects.filter(
        permissions.visible_posts_q(user),
        permissions.visible_threads_q(user, prefix="thread__"),
    ).select_related("thread", "author")


def search_posts(
    *,
    user,
    text: str,
    filters: SearchFilters = NO_FILTERS,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[dict], bool]:
    """`limit` of the posts matching `text` and `filters` that `user` may read (an
    opening post also matches by its thread's title), best first from the `offset`th,
    and whether more follow (within MAX_RESULTS)."""
    if connection.vendor == "postgresql":
        rows = _postgres_rows(user, text)
    else:
        rows = _fallback_rows(user, text)
    rows = filters.apply(rows)
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
                _rendered_text(),
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


def _rendered_text() -> Func:
    """A post's rendered HTML without its tags (entities stay, and _marked decodes
    them): the text a reader sees, for snippets. Stored HTML is sanitised, so every `<`
    in it opens a tag and text's own are `&lt;`."""
    return Func(
        F("body_html"),
        Value("<[^>]*>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def rendered_text(body_html: str) -> str:
    """The words a reader sees of a post's rendered HTML, whitespace collapsed."""
    parser = _TextParser()
    parser.feed(body_html)
    parser.close()
    return " ".join("".join(parser.parts).split())


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


def _marked(headline: str, *, entities: bool = False) -> str:
    """Escape, then turn the database's highlight characters into <mark> tags. With
    `entities`, the headline was cut from HTML's text and its entities are decoded
    first, so that they are escaped exactly once."""
    if entities:
        headline = html.unescape(headline)
    escaped = html.escape(headline.replace("\x00", ""), quote=True)
    if escaped.count(_START) != escaped.count(_STOP):
        return escaped.replace(_START, "").replace(_STOP, "")
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


def _highlighted(piece: str, words: list[str]) -> str:
    if not words:
        return piece
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: f"{_START}{m.group()}{_STOP}", piece)


def _fallback_snippet(body_html: str, words: list[str]) -> str:
    source = rendered_text(body_html)
    lowered = source.lower()
    first = min((i for w in words if (i := lowered.find(w)) >= 0), default=0)
    begin = max(0, first - _SNIPPET_CHARS // 3)
    piece = source[begin : begin + _SNIPPET_CHARS]
    return ("…" if begin else "") + _highlighted(piece, words)


def _hit(post: Post, text: str) -> dict:
    from_database = hasattr(post, "body_headline")
    if from_database:
        snippet, title = post.body_headline, post.title_headline
    else:
        words = [word.lower() for word in _WORD.findall(text)]
        snippet = _fallback_snippet(post.body_html, words)
        title = _highlighted(post.thread.title, words)
    return {
        "post_id": post.pk,
        "thread_id": post.thread_id,
        "thread_title": post.thread.title,
        "title_html": _marked(title),
        "is_opening_post": post.position == 1,
        "author": post.author,
        "created_at": post.created_at,
        "rank": float(post.rank),
        "snippet_html": _marked(snippet, entities=from_database),
    }
