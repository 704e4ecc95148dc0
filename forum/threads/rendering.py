"""Markdown to safe HTML for posts, done once when a post is written or edited.

The dialect is CommonMark plus tables, ~~strikethrough~~, footnotes (``[^1]`` with
``[^1]: the note``, or inline ``^[the note]``) and bare URLs turned into links. Raw HTML
in the source is shown as text, never passed through. On top of markdown-it-py this
module adds @mentions, ``[quote="user, post:N"]`` blocks (attributed only when the
quoted post bears them out), heading anchors for a table of contents, footnote ids of
the post's own, Markdown images shown as plain links (or, for the forum's own uploaded
images, as images with their stored dimensions), and table alignment as classes.
Everything it emits then goes through ``forum.core.sanitize.sanitize_html`` (bleach,
then nh3): the renderer is not the security boundary.

Pure Python, no Django, so it can be tested and benchmarked without settings: the
quoted posts come from a lookup the caller passes in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from forum.core.sanitize import ALLOWED_PROTOCOLS, sanitize_html

__all__ = (
    "MAX_ATTRIBUTED_POSTS",
    "MAX_ATTRIBUTED_QUOTES",
    "MAX_MENTIONS",
    "MAX_RENDERED_LENGTH",
    "EmbeddedImage",
    "QuotedPost",
    "RenderedPost",
    "RenderedTooLarge",
    "footnote_prefix",
    "id_prefix_in",
    "quotable_text",
    "render_markdown",
    "text_excerpt",
)

MAX_MENTIONS = 50

# A quote is attributed only once the quoted post is read and its text found there. A
# post quoting more posts than this, or more often, has the rest of its quotes shown
# unattributed, so that one post cannot make its render read any number of others or
# search them any number of times.
MAX_ATTRIBUTED_POSTS = 20
MAX_ATTRIBUTED_QUOTES = 50

# Sanitising costs about 3 us per character of markup, and a short source can expand a
# lot (a table of empty rows, thousands of mentions). Markup past this length is refused
# before it reaches the sanitiser; a 100,000-character essay renders to about 240,000.
MAX_RENDERED_LENGTH = 800_000


class RenderedTooLarge(ValueError):
    """The source expands to more markup than a post may have."""


# markdown-it recurses once per level of nested blocks (> > >, lists in lists, our
# quotes); past this depth it drops the rest of the block instead of recursing deeper.
_MAX_NESTING = 20

# Finding a quote's closing line means scanning ahead. A post made of thousands of
# unclosed openers would make that quadratic, so each render gets a budget of scanned
# lines; once spent, further openers are plain text. Real posts use a tiny fraction.
_QUOTE_SCAN_BUDGET = 50_000

_MAX_SLUG_LENGTH = 80

_ENV_KEY = "parley"

Heading = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class RenderedPost:
    """What a post's source renders to.

    `mentions` are lowercased usernames in order of first appearance, at most
    MAX_MENTIONS, leaving out mentions inside quoted text (quoting a post should not
    notify the people it mentioned all over again). `quoted_post_ids` are the posts
    whose quotes are attributed to them (see render_markdown), nested quotes included,
    each once. `headings` are (level, text, id). `images` are the SHA-256 hashes of the
    forum's own images the post shows, once for each time it shows one.
    """

    html: str
    mentions: tuple[str, ...] = ()
    quoted_post_ids: tuple[int, ...] = ()
    headings: tuple[Heading, ...] = ()
    images: tuple[str, ...] = ()


def _default_mention_url(username: str) -> str:
    return f"/u/{username}/"


def _default_post_url(post_id: int) -> str:
    return f"/p/{post_id}/"


@dataclass(frozen=True, slots=True)
class QuotedPost:
    """What a quote of a post is checked against: who wrote it, and its quotable text
    (see quotable_text)."""

    username: str
    text: str


QuotedPostsLookup = Callable[[Sequence[int]], Mapping[int, QuotedPost]]


def _no_quoted_posts(post_ids: Sequence[int]) -> Mapping[int, QuotedPost]:
    return {}


@dataclass(frozen=True, slots=True)
class EmbeddedImage:
    """One of the forum's own images, as a post shows it: its hash, its stored size in
    pixels and the alt text used when the post gives none."""

    sha256: str
    width: int
    height: int
    alt: str


# Asked once per render with the image URLs that match the images' pattern; answers for
# those that are the forum's own images.
ImagesLookup = Callable[[Sequence[str]], Mapping[str, EmbeddedImage]]

# A post's images are looked up in one query; past this many distinct URLs the rest
# stay links.
_MAX_LOOKED_UP_IMAGES = 100


@dataclass
class _RenderContext:
    """Per-render state, carried through markdown-it's `env`."""

    mention_url: Callable[[str], str]
    post_url: Callable[[int], str]
    quoted_posts: QuotedPostsLookup
    own_images: ImagesLookup | None = None
    image_src: re.Pattern[str] | None = None
    heading_id_prefix: str = ""  # "" or the post's prefix and a hyphen
    images: list[str] = field(default_factory=list)
    # dicts as insertion-ordered sets
    mentions: dict[str, None] = field(default_factory=dict)
    quoted_post_ids: dict[int, None] = field(default_factory=dict)
    headings: list[Heading] = field(default_factory=list)
    used_slugs: set[str] = field(default_factory=set)
    next_slug_suffix: dict[str, int] = field(default_factory=dict)
    quote_scan_budget: int = _QUOTE_SCAN_BUDGET

    def record_mention(self, username: str) -> None:
        if len(self.mentions) < MAX_MENTIONS:
            self.mentions.setdefault(username.lower(), None)

    def unique_slug(self, slug: str) -> str:
        candidate = slug
        suffix = self.next_slug_suffix.get(slug, 2)
        while candidate in self.used_slugs:
            candidate = f"{slug}-{suffix}"
            suffix += 1
        # Remembering where the count stopped keeps a thousand identical headings linear.
        self.next_slug_suffix[slug] = suffix
        self.used_slugs.add(candidate)
        return candidate


def _context(env: EnvType) -> _RenderContext:
    context: _RenderContext = env[_ENV_KEY]
    return context


# ---------------------------------------------------------------------------- links

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
# Browsers drop these from a URL before looking at its scheme ("java\tscript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def _is_allowed_link(url: str) -> bool:
    """markdown-it's own check still lets data:image/... through for images; this one
    allows exactly the sanitiser's schemes, plus same-site links and fragments."""
    compact = _URL_IGNORED.sub("", url).lower()
    if compact.startswith(("/", "#")):
        return True
    scheme = _SCHEME.match(compact)
    return scheme is not None and scheme.group(1) in ALLOWED_PROTOCOLS


# Every link linkify-it finds contains one of these: a scheme's ":" or "//", an e-mail's
# "@", "localhost", "www." or a dot followed by a letter or digit (a domain's last label,
# an IP address). Its own pretest is one very large Unicode regex, run over every
# paragraph, and then per text run: 60% of rendering a typical reply. Prose whose only
# dots end sentences never contains one of these, and skips it.
_LINK_HINT = re.compile(r"[:@]|//|\.\w|localhost|www\.", re.IGNORECASE)


class _QuickLinkify(LinkifyIt):
    """linkify-it, asked only about text that could hold a link. Finds the same links:
    where a hint is present, its own `pretest` and `test` run in full (its pretest says
    no to some text its test would link, "_//host/path_" for one, and markdown-it then
    leaves the whole block alone: so must this)."""

    def pretest(self, text: str) -> bool:
        return _LINK_HINT.search(text) is not None and super().pretest(text)

    def test(self, text: str) -> bool:
        return _LINK_HINT.search(text) is not None and super().test(text)


# ------------------------------------------------------------------------- mentions

_USERNAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,28}[A-Za-z0-9_])?"
_USERNAME_RE = re.compile(_USERNAME)
# The look-behind keeps e-mail addresses ("first.last+tag@host") out. The run is taken
# greedily and trimmed afterwards, so "@bob." at the end of a sentence is "bob" while
# a 40-character run is not silently cut down to somebody else's 30-character name.
_MENTION = re.compile(r"(?<![\w.+\-@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def _text_token(content: str, level: int) -> Token:
    token = Token("text", "", 0, content=content)
    token.level = level
    return token


def _link_tokens(
    attrs: dict[str, str | int | float], label: str, level: int, markup: str
) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs=attrs, markup=markup, level=level)
    closing = Token("link_close", "a", -1, markup=markup, level=level)
    return [opening, _text_token(label, level + 1), closing]


def _mention_username(run: str, following: str) -> str | None:
    if following == "@":  # "@user@host" is an address on another server
        return None
    name = run.rstrip(".-")
    return name if _USERNAME_RE.fullmatch(name) else None


def _split_mentions(
    token: Token, previous_char: str, context: _RenderContext, record: bool
) -> list[Token]:
    text = token.content
    offset = len(previous_char)
    nodes: list[Token] = []
    done = 0
    # The character before the token decides whether "@" at its start is a boundary.
    for match in _MENTION.finditer(previous_char + text):
        start, run_end = match.start() - offset, match.end() - offset
        if start < 0:
            continue
        name = _mention_username(match.group(1), text[run_end : run_end + 1])
        if name is None:
            continue
        if start > done:
            nodes.append(_text_token(text[done:start], token.level))
        href = context.mention_url(name.lower())
        nodes += _link_tokens({"class": "mention", "href": href}, f"@{name}", token.level, "@")
        done = start + 1 + len(name)
        if record:
            context.record_mention(name)
    if not nodes:
        return [token]
    if done < len(text):
        nodes.append(_text_token(text[done:], token.level))
    return nodes


def _last_char(token: Token | None) -> str:
    if token is not None and token.type in ("text", "text_special") and token.content:
        return token.content[-1]
    return ""


def _link_mentions(children: list[Token], context: _RenderContext, record: bool) -> list[Token]:
    result: list[Token] = []
    link_depth = 0
    previous: Token | None = None
    for child in children:
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        # Code spans are their own token type, so only prose is ever looked at.
        if child.type == "text" and link_depth == 0 and "@" in child.content:
            result += _split_mentions(child, _last_char(previous), context, record)
        else:
            result.append(child)
        previous = child
    return result


def _mentions_rule(state: StateCore) -> None:
    # Runs before text_join, while "\@name" is still a separate text_special token,
    # so a backslash is a way to write a literal @name.
    context = _context(state.env)
    quote_depth = 0
    for token in state.tokens:
        if token.type == "parley_quote_open":
            quote_depth += 1
        elif token.type == "parley_quote_close":
            quote_depth -= 1
        elif token.type == "inline" and token.children:
            token.children = _link_mentions(token.children, context, record=quote_depth == 0)


# --------------------------------------------------------------------------- quotes

_QUOTE_OPEN = re.compile(
    rf'\[quote="\s*(?P<user>{_USERNAME})\s*(?:,\s*post:\s*(?P<post>[0-9]{{1,18}})\s*)?"\]',
    re.IGNORECASE,
)
_QUOTE_CLOSE = re.compile(r"\[/quote\]", re.IGNORECASE)


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()


def _find_quote_close(state: StateBlock, start: int, end: int) -> int | None:
    context = _context(state.env)
    depth = 1
    for line in range(start + 1, end):
        if context.quote_scan_budget <= 0:
            return None
        context.quote_scan_budget -= 1
        text = _line_text(state, line)
        if not text or state.is_code_block(line):
            continue
        if state.sCount[line] < state.blkIndent:
            return None  # the enclosing list item or block quote ended first
        if not text.startswith("["):
            continue
        if _QUOTE_CLOSE.fullmatch(text):
            depth -= 1
            if depth == 0:
                return line
        elif _QUOTE_OPEN.fullmatch(text):
            depth += 1
    return None


def _quote_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    first = state.bMarks[start] + state.tShift[start]
    if first >= state.eMarks[start] or state.src[first] != "[" or state.is_code_block(start):
        return False
    opener = _QUOTE_OPEN.fullmatch(_line_text(state, start))
    if opener is None:
        return False
    close = _find_quote_close(state, start, end)
    if close is None:
        return False  # unclosed: the paragraph rule keeps it as text
    if silent:
        return True

    username, post = opener.group("user"), opener.group("post")
    post_id = int(post) if post is not None else None

    token = state.push("parley_quote_open", "blockquote", 1)
    token.attrs = {"class": "quote"}
    token.meta = {"username": username, "post_id": post_id}
    token.markup = "[quote]"
    token.map = [start, close + 1]

    # Filled in by _attribution_rule once the quoted post is checked; empty, it renders
    # nothing and the quote stands unattributed.
    token = state.push("parley_quote_attribution", "p", 0)
    token.meta = {}

    # Same approach as markdown-it's own nested blocks: tokenize the inner lines in
    # place, with lineMax lowered so nothing inside can run past the closing line.
    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "parley_quote"  # type: ignore[assignment]
    state.lineMax = close
    state.md.block.tokenize(state, start + 1, close)
    state.parentType, state.lineMax = old_parent, old_line_max

    token = state.push("parley_quote_close", "blockquote", -1)
    token.markup = "[/quote]"
    state.line = close + 1
    return True


def _quote_text_pieces(token: Token) -> list[str]:
    """The words `token` contributes to the quote it is in: a paragraph's, a heading's or
    a table cell's text, a code block's code."""
    if token.type == "inline":
        return [_plain_text(token.children or [])]
    if token.type in ("fence", "code_block"):
        return [token.content]
    return []


def _attribution_rule(state: StateCore) -> None:
    """Attribute each `[quote="name, post:N"]` only when post N is one everyone may read
    (the lookup answers only for those), `name` wrote it, and the quote's own text
    (its nested quotes aside) appears in it word for word. Any other quote, and one
    naming no post, is shown as a plain quote: a quote must neither put words in
    someone's mouth nor vouch for text its reader cannot see."""
    context = _context(state.env)
    tokens = state.tokens
    wanted: dict[int, None] = {}  # the posts to read
    checked: set[int] = set()  # where the quotes to check open
    for index, token in enumerate(tokens):
        if token.type != "parley_quote_open" or token.meta["post_id"] is None:
            continue
        post_id = token.meta["post_id"]
        if len(checked) < MAX_ATTRIBUTED_QUOTES and (
            post_id in wanted or len(wanted) < MAX_ATTRIBUTED_POSTS
        ):
            wanted.setdefault(post_id, None)
            checked.add(index)
    quoted = context.quoted_posts(tuple(wanted)) if wanted else {}
    searchable = {post_id: _word_marked(post.text) for post_id, post in quoted.items()}
    open_quotes: list[tuple[int, list[str]]] = []
    attributed: list[tuple[int, int]] = []  # (where the quote opens, the post)
    for index, token in enumerate(tokens):
        if token.type == "parley_quote_open":
            open_quotes.append((index, []))
        elif token.type == "parley_quote_close" and open_quotes:
            start, pieces = open_quotes.pop()
            opening = tokens[start]
            post = quoted.get(opening.meta["post_id"]) if start in checked else None
            if post is not None and _bears_out(opening, pieces, post, searchable):
                _attribute(opening, tokens[start + 1], post, context)
                attributed.append((start, opening.meta["post_id"]))
        elif open_quotes:
            open_quotes[-1][1].extend(_quote_text_pieces(token))
    # Inner quotes close first; the ids are kept in the order the quotes open.
    for _, post_id in sorted(attributed):
        context.quoted_post_ids.setdefault(post_id, None)


# Word edges, marked so that a plain substring search cannot start or end inside a word
# ("rules app" is not in "the rules apply") and stays linear in the text's length.
_WORD_EDGE = re.compile(r"\b")


def _word_marked(text: str) -> str:
    return _WORD_EDGE.sub("\x00", text)


def _bears_out(
    opening: Token, pieces: list[str], post: QuotedPost, searchable: Mapping[int, str]
) -> bool:
    """Whether `post` was written by the quote's named author and holds its words."""
    if post.username.lower() != opening.meta["username"].lower():
        return False
    words = " ".join(" ".join(pieces).split())
    return bool(words) and _word_marked(words) in searchable[opening.meta["post_id"]]


def _attribute(
    opening: Token, attribution: Token, post: QuotedPost, context: _RenderContext
) -> None:
    post_id = opening.meta["post_id"]
    opening.attrs["data-post"] = str(post_id)
    attribution.meta = {
        "username": post.username,
        "user_href": context.mention_url(post.username.lower()),
        "post_href": context.post_url(post_id),
    }


def _render_quote_attribution(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    if not meta:
        return ""
    author = (
        f'<a class="mention" href="{escapeHtml(meta["user_href"])}">'
        f"@{escapeHtml(meta['username'])}</a>"
    )
    wrote = f'<a href="{escapeHtml(meta["post_href"])}">wrote</a>'
    return f'<p class="quote-attribution">{author} {wrote}:</p>\n'


# The sanitiser's elements whose edges separate words (the rest are inline).
_BLOCK_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
        "pre", "table", "thead", "tbody", "tr", "th", "td", "section",
    }
)  # fmt: skip


class _QuotableTextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # Depth inside a quote of another post (its blockquotes, nested ones included).
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote" and (
            self.quote_depth or "quote" in (dict(attrs).get("class") or "").split()
        ):
            self.quote_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.quote_depth:
            self.parts.append(data)


def quotable_text(html: str) -> str:
    """The words of a post's rendered `html` that another post may quote from it: its
    text without the quotes it holds of other posts (as quoting a whole post leaves
    them out), whitespace collapsed."""
    parser = _QuotableTextParser()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


EXCERPT_LENGTH = 240


def text_excerpt(html: str, *, length: int = EXCERPT_LENGTH) -> str:
    """The opening words of a post's rendered `html` as plain text (never its Markdown),
    at most `length` characters, an ellipsis marking a cut: what a list shows of a
    post (a member's replies, their bookmarks, a notification). Quotes of other posts
    are left out, as the words are not the post's own."""
    text = quotable_text(html)
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


# ------------------------------------------------- headings, images, tables, fences


def _plain_text(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.children:
            parts.append(_plain_text(token.children))
    return " ".join("".join(parts).split())


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_MAX_SLUG_LENGTH].rstrip("-") or "section"


def _anchor_heading(heading_open: Token, inline: Token, context: _RenderContext) -> None:
    text = _plain_text(inline.children or [])
    anchor = f"h-{context.heading_id_prefix}{context.unique_slug(_slugify(text))}"
    heading_open.attrSet("id", anchor)
    context.headings.append((int(heading_open.tag[1]), text, anchor))


def _image_as_link(image: Token, inside_link: bool) -> list[Token]:
    src = str(image.attrGet("src") or "")
    label = _plain_text(image.children or []) or src
    if inside_link:  # a link inside a link is not HTML; keep just the words
        return [_text_token(label, image.level)]
    attrs: dict[str, str | int | float] = {"href": src}
    title = image.attrGet("title")
    if title:
        attrs["title"] = title
    return _link_tokens(attrs, label, image.level, "image")


def _own_image(image: Token, embedded: EmbeddedImage) -> Token:
    token = Token("parley_image", "img", 0, level=image.level)
    token.attrs = {
        "src": str(image.attrGet("src")),
        "alt": _plain_text(image.children or []) or embedded.alt,
        "width": str(embedded.width),
        "height": str(embedded.height),
        "loading": "lazy",
        "decoding": "async",
    }
    return token


def _render_own_image(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    attrs = tokens[idx].attrs.items()
    return "<img " + " ".join(f'{name}="{escapeHtml(str(value))}"' for name, value in attrs) + ">"


def _images_in(tokens: Sequence[Token], image_src: re.Pattern[str]) -> list[str]:
    """The distinct image URLs in `tokens` that may be the forum's own images."""
    sources: dict[str, None] = {}
    for token in tokens:
        if token.type != "inline":
            continue
        for child in token.children or ():
            src = str(child.attrGet("src") or "") if child.type == "image" else ""
            if src and image_src.fullmatch(src) and len(sources) < _MAX_LOOKED_UP_IMAGES:
                sources.setdefault(src, None)
    return list(sources)


def _convert_images(
    children: list[Token], own: Mapping[str, EmbeddedImage], context: _RenderContext
) -> list[Token]:
    result: list[Token] = []
    link_depth = 0
    for child in children:
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        embedded = own.get(str(child.attrGet("src") or "")) if child.type == "image" else None
        if embedded is not None:
            result.append(_own_image(child, embedded))
            context.images.append(embedded.sha256)
        elif child.type == "image":
            result += _image_as_link(child, inside_link=link_depth > 0)
        else:
            result.append(child)
    return result


def _alignment_as_class(cell: Token) -> None:
    style = cell.attrs.pop("style", None)
    if isinstance(style, str) and style.startswith("text-align:"):
        alignment = style.removeprefix("text-align:")
        if alignment in ("left", "center", "right"):
            cell.attrSet("class", f"align-{alignment}")


def _finishing_rule(state: StateCore) -> None:
    context = _context(state.env)
    tokens = state.tokens
    own: Mapping[str, EmbeddedImage] = {}
    if context.own_images is not None and context.image_src is not None:
        sources = _images_in(tokens, context.image_src)
        own = context.own_images(sources) if sources else {}
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.children:
            token.children = _convert_images(token.children, own, context)
            if index and tokens[index - 1].type == "heading_open":
                _anchor_heading(tokens[index - 1], token, context)
        elif token.type in ("th_open", "td_open"):
            _alignment_as_class(token)
        elif token.type == "fence":
            # The language class would be stripped by the sanitiser anyway (class
            # values are an exact allow-list); dropping it here keeps the two in step.
            token.info = ""


# ------------------------------------------------------------------------ footnotes

# markdown-it's env key for the prefix the footnote plugin would put in its ids.
_FOOTNOTE_PREFIX_KEY = "docId"


_STORED_FOOTNOTE_PREFIX = re.compile(r'id="fn-([0-9a-f]{8})-[0-9]')
_STORED_HEADING_PREFIX = re.compile(r'<h[1-6] id="h-([0-9a-f]{8})-')


def footnote_prefix(source: str) -> str:
    """A footnote id prefix derived from the source, for a render that belongs to no
    post (a preview, a test): the same text always renders to the same markup. Two posts
    with the same text would share it, so a post's prefix is its own (see
    forum.threads.services.body_render)."""
    return hashlib.blake2b(source.encode("utf-8", "replace"), digest_size=4).hexdigest()


def id_prefix_in(html: str) -> str | None:
    """The id prefix a rendered post's `html` uses in its footnote ids or, failing
    those, its heading ids; None when it has neither, so that a new rendering of the post
    can keep its ids."""
    found = _STORED_FOOTNOTE_PREFIX.search(html) or _STORED_HEADING_PREFIX.search(html)
    return found[1] if found else None


def _footnote_anchor_name(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The plugin's ids are "fn1", "fnref1": every post's first footnote would share them.
    # Ours are "fn-<prefix>-1" and "fnref-<prefix>-1" (the sanitiser allows exactly
    # these), and never carry the label the writer chose.
    return f"-{env[_FOOTNOTE_PREFIX_KEY]}-{tokens[idx].meta['id'] + 1}"


# ------------------------------------------------------------------------- assembly


def _build_markdown_it() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": True, "typographer": False, "maxNesting": _MAX_NESTING},
    )
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = _QuickLinkify()
    md.validateLink = _is_allowed_link  # type: ignore[method-assign]
    md.block.ruler.after(
        "blockquote",
        "parley_quote",
        _quote_rule,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.core.ruler.before("text_join", "parley_mentions", _mentions_rule)
    md.core.ruler.after("text_join", "parley_finish", _finishing_rule)
    md.core.ruler.after("parley_finish", "parley_attribution", _attribution_rule)
    md.use(footnote_plugin)
    md.add_render_rule("footnote_anchor_name", _footnote_anchor_name)
    md.add_render_rule("parley_quote_attribution", _render_quote_attribution)
    md.add_render_rule("parley_image", _render_own_image)
    return md


# Built once: configuring markdown-it compiles its rule chains, and rendering only
# reads the instance, so one shared instance serves every call.
_MD = _build_markdown_it()

_SURROGATES = re.compile("[\ud800-\udfff]")


def render_markdown(
    source: str,
    *,
    mention_url: Callable[[str], str] = _default_mention_url,
    post_url: Callable[[int], str] = _default_post_url,
    quoted_posts: QuotedPostsLookup = _no_quoted_posts,
    own_images: ImagesLookup | None = None,
    image_src: re.Pattern[str] | None = None,
    max_rendered_length: int = MAX_RENDERED_LENGTH,
    footnote_id_prefix: str | None = None,
    heading_id_prefix: str | None = None,
) -> RenderedPost:
    """Render a post's Markdown `source` to sanitised HTML plus what it refers to.

    `mention_url` gets a lowercased username, `post_url` a post id; both return the
    href to link to. `quoted_posts` is asked once, for the ids of the posts the source
    quotes (at most MAX_ATTRIBUTED_POSTS), and answers for those everyone may read;
    a quote is attributed only when it is found in its post (without a lookup, none
    is). Images whose URL matches `image_src` in full are looked up with `own_images`
    (once, for all of them), and those it answers for are shown as images with their
    stored size; the sanitiser allows <img> for that pattern alone, and every other
    image stays a link. Footnote ids start with `footnote_id_prefix` (eight hex digits;
    by default footnote_prefix(source)), so that each post's are unique on a page.
    Heading ids are "h-" and the heading's slug, with `heading_id_prefix` between them
    when one is given (a reply's, so that its headings take no opening post's anchors).
    Raises RenderedTooLarge when the markup would pass `max_rendered_length` characters.
    """
    context = _RenderContext(
        mention_url=mention_url,
        post_url=post_url,
        quoted_posts=quoted_posts,
        own_images=own_images,
        image_src=image_src,
        heading_id_prefix=f"{heading_id_prefix}-" if heading_id_prefix else "",
    )
    # mdurl percent-encodes link targets through UTF-8, which a lone surrogate breaks.
    source = _SURROGATES.sub("\ufffd", source)
    prefix = footnote_id_prefix or footnote_prefix(source)
    html = _MD.render(source, {_ENV_KEY: context, _FOOTNOTE_PREFIX_KEY: prefix})
    if len(html) > max_rendered_length:
        raise RenderedTooLarge(
            f"renders to {len(html):,} characters of markup; the limit is {max_rendered_length:,}"
        )
    return RenderedPost(
        html=sanitize_html(html, image_src=image_src if own_images is not None else None),
        mentions=tuple(context.mentions),
        quoted_post_ids=tuple(context.quoted_post_ids),
        headings=tuple(context.headings),
        images=tuple(context.images),
    )
