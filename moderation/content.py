"""What a moderation rule sees of a post: its paragraphs, their text and their links.

A post's sanitised HTML is split into *paragraphs*, one per leaf block, numbered from 0
in document order. This numbering is the one everywhere: evidence spans, reports, the
API, and the report flags parley.js puts on a post (which mirrors it; a browser test
compares the two); people are shown `paragraph_number(index)`, counting from 1.

Offsets in `Link` and in evidence spans count characters of a paragraph's `text`, which
is the block's text content (entities decoded, tags removed, nothing added: a `<br>`
contributes no character, as in the DOM's textContent; the renderer always follows it
with a newline). A moderator UI highlights evidence in the markup itself: `text_runs`
says where each piece of a paragraph's text sits in it.

Leaf blocks are `p`, `h1`-`h6`, `pre`, `li`, `th` and `td` (plus a few HTML blocks the
renderer never emits, such as `dd`). A leaf-capable block that holds other blocks (an
`li` around `p`s or around a nested list) is not a leaf: its nested blocks are the
paragraphs, and its own inline text outside them (the "item" of a tight list item
followed by a sub-list) becomes a paragraph of its own, numbered where the block opens,
only when that text is not blank. Text outside every leaf block (never produced by the
renderer) is not lost: it forms a paragraph of its own up to the next block boundary.

The markup is walked with two regular expressions rather than html.parser: on the
sanitiser's well-formed output they give the same text (html.unescape decodes it, as
html.parser does; the tests compare the two), while html.parser's per-tag cost made a
10,000-word post with ordinary inline markup take over 20 ms instead of about 4.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, pairwise
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

from forum.core.lookalikes import NormalizedText, normalize_for_matching

__all__ = (
    "Layout",
    "Link",
    "Paragraph",
    "PostContent",
    "TextRun",
    "content_after_edit",
    "content_from_html",
    "link_domain",
    "normalize_domain",
    "paragraph_fingerprint",
    "paragraph_number",
    "reportable_paragraphs",
    "text_runs",
)

T = TypeVar("T")

_LEAF_BLOCKS: Final = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li", "th", "td", "dt", "dd",
     "caption", "figcaption", "summary"}
)  # fmt: skip
_CONTAINER_BLOCKS: Final = frozenset(
    {"blockquote", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "div",
     "section", "article", "aside", "details", "figure", "header", "footer", "nav", "main",
     "hr"}
)  # fmt: skip
_VOID: Final = frozenset({"br", "hr", "img", "wbr", "input", "col", "area", "source"})

_BLOCKS: Final = _LEAF_BLOCKS | _CONTAINER_BLOCKS

# A tag, its attributes allowed to hold ">" inside quotes; or a comment, doctype or
# processing instruction. Possessive repetition: nothing to backtrack into, so a tag
# that never closes costs linear time.
_ATTRIBUTES: Final = r"""((?:[^>"']++|"[^"]*+"|'[^']*+')*+)"""
_TAG: Final = re.compile(
    rf"<(?:(/?)([A-Za-z][A-Za-z0-9]*){_ATTRIBUTES}>|!--.*?--!?>|![^>]*>|\?[^>]*>)", re.DOTALL
)
# The inline tags the sanitiser lets through (and a few more): they add no text and no
# structure, so one regex pass drops them before Python looks at each tag. Any other
# tag that is neither a block nor a link is skipped by the walk as well. The engine tries
# the pattern at every "<": a lookahead on the names' first letters and names grouped by
# prefix make a block tag such as `<p>` fail at once rather than after each of 23
# case-insensitive alternatives, which took two thirds of the pass over a long post.
_INLINE_NAMES: Final = frozenset(
    {"strong", "em", "code", "del", "s", "sup", "sub", "b", "i", "u", "span", "mark", "small",
     "abbr", "kbd", "q", "cite", "ins", "samp", "var", "br", "wbr", "img"}
)  # fmt: skip
_INLINE_TAG: Final = re.compile(
    r"</?(?=[abcdeikmqsuvw])"
    r"(?:s(?:trong|pan|mall|amp|u[bp])?|em|c(?:ode|ite)|del|br?|i(?:mg|ns)?|u|mark|abbr|kbd|q"
    r"|var|wbr)"
    # The name ends at ">", or at a space or "/" that starts the attributes (as in
    # _ATTRIBUTES, but captured nowhere).
    r"""(?:[\s/](?:[^>"']++|"[^"]*+"|'[^']*+')*+)?>""",
    re.IGNORECASE,
)
# Scheme, optional user info (up to the authority's last "@") and host of an absolute
# URL. A backslash ends the authority as it does in browsers for http(s).
_AUTHORITY: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#\\]*@)?(\[[^\]/?#\\]*\]|[^:/?#\\@\[\]]*)"
)
_HREF: Final = re.compile(
    r"""(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Link:
    """A link in a paragraph; `text[start:end]` of the paragraph is its link text."""

    href: str
    domain: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """The text of one leaf block and the links in it."""

    index: int
    text: str
    links: tuple[Link, ...] = ()

    @cached_property
    def normalized(self) -> NormalizedText:
        """The folded form of `text`, computed once however many rules ask for it."""
        return normalize_for_matching(self.text)


# Bytes of a chunk's digest (see _chunk_digest).
_DIGEST_SIZE: Final = 16
# Format 1 of a packed layout: the format and the number of chunks; each chunk's markup
# length, then each one's paragraph count (unsigned 32-bit, little-endian); each one's
# digest; then UTF-8 JSON of [[chunk number, its links], ...] for the chunks that have
# any ("[]" for none, so that a layout cut short never reads as one without links).
_LAYOUT_HEAD: Final = struct.Struct("<BI")
_LAYOUT_FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class Layout:
    """How a post's markup splits into *chunks*, the stretches of markup from one
    top-level block tag to the next (see `content_after_edit`), kept column by column:
    each chunk's length once inline tags are dropped, how many paragraphs it holds, its
    digest (`_DIGEST_SIZE` bytes each, one after another) and its links as [paragraph
    within the chunk, href, domain, start, end]. An edit's layout is slices of the
    earlier one around the chunks read again, joined; `pack` gives it as bytes to store.
    """

    lengths: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    digests: bytes = b""
    links: tuple[tuple[tuple[Any, ...], ...], ...] = ()

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, chunks: slice) -> Layout:
        start, stop, step = chunks.indices(len(self))
        if step != 1:
            raise ValueError("a layout is sliced into runs of chunks, without a step")
        return Layout(
            lengths=self.lengths[start:stop],
            counts=self.counts[start:stop],
            digests=self.digests[start * _DIGEST_SIZE : stop * _DIGEST_SIZE],
            links=self.links[start:stop],
        )

    def digest(self, chunk: int) -> bytes:
        return self.digests[chunk * _DIGEST_SIZE : (chunk + 1) * _DIGEST_SIZE]

    @classmethod
    def join(cls, *parts: Layout) -> Layout:
        return cls(
            lengths=tuple(chain.from_iterable(part.lengths for part in parts)),
            counts=tuple(chain.from_iterable(part.counts for part in parts)),
            digests=b"".join(part.digests for part in parts),
            links=tuple(chain.from_iterable(part.links for part in parts)),
        )

    def is_whole(self) -> bool:
        """Whether every column has one entry per chunk (a stored layout may not)."""
        count = len(self.lengths)
        return len(self.counts) == len(self.links) == count and (
            len(self.digests) == count * _DIGEST_SIZE
        )

    def pack(self) -> bytes:
        """The layout as bytes, in format 1 (see _LAYOUT_FORMAT); empty for no chunks."""
        count = len(self)
        if not count:
            return b""
        links = [[number, chunk] for number, chunk in enumerate(self.links) if chunk]
        return b"".join(
            (
                _LAYOUT_HEAD.pack(_LAYOUT_FORMAT, count),
                struct.pack(f"<{2 * count}I", *self.lengths, *self.counts),
                self.digests,
                json.dumps(links, separators=(",", ":")).encode(),
            )
        )

    @classmethod
    def unpack(cls, data: bytes) -> Layout:
        """The layout `pack` gave `data`. A layout in a format this code does not know,
        or one cut short, reads as empty: the next edit then reads the whole post, as it
        would with no earlier check."""
        if len(data) < _LAYOUT_HEAD.size:
            return cls()
        version, count = _LAYOUT_HEAD.unpack_from(data)
        digests_at = _LAYOUT_HEAD.size + 8 * count
        links_at = digests_at + _DIGEST_SIZE * count
        if version != _LAYOUT_FORMAT or len(data) < links_at:
            return cls()
        numbers = struct.unpack_from(f"<{2 * count}I", data, _LAYOUT_HEAD.size)
        links: list[tuple[tuple[Any, ...], ...]] = [()] * count
        try:
            for number, chunk in json.loads(data[links_at:]):
                if not 0 <= number < count:
                    return cls()
                links[number] = tuple(map(tuple, chunk))
        except (ValueError, TypeError):
            return cls()  # cut short or garbled: as good as none
        return cls(
            lengths=numbers[:count],
            counts=numbers[count:],
            digests=data[digests_at:links_at],
            links=tuple(links),
        )

    def entries(self) -> list[list]:
        """One [length, paragraphs, hex digest, links] entry per chunk: the form checks
        stored layouts in as JSON."""
        return [
            [length, count, self.digest(number).hex(), [list(link) for link in links]]
            for number, (length, count, links) in enumerate(
                zip(self.lengths, self.counts, self.links, strict=True)
            )
        ]

    @classmethod
    def from_entries(cls, entries: Sequence[Sequence[Any]]) -> Layout:
        """A layout from what `entries` gives."""
        return cls(
            lengths=tuple(int(entry[0]) for entry in entries),
            counts=tuple(int(entry[1]) for entry in entries),
            digests=b"".join(bytes.fromhex(entry[2]) for entry in entries),
            links=tuple(tuple(map(tuple, entry[3])) for entry in entries),
        )


@dataclass(frozen=True)
class PostContent:
    """A post as a sequence of paragraphs.

    `layout` describes the markup it was read from (see `Layout`). Store it with the
    paragraphs' fingerprints, and the next revision's markup can be read again only
    where it changed.
    """

    paragraphs: tuple[Paragraph, ...]
    layout: Layout = field(default_factory=Layout, compare=False, repr=False)
    _memo: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @cached_property
    def text(self) -> str:
        """The paragraphs' text, separated by blank lines."""
        return "\n\n".join(paragraph.text for paragraph in self.paragraphs)

    @cached_property
    def links(self) -> tuple[Link, ...]:
        """Every link, in document order."""
        return tuple(link for paragraph in self.paragraphs for link in paragraph.links)

    @cached_property
    def normalized_text(self) -> str:
        """The folded text of every paragraph, separated by blank lines."""
        return "\n\n".join(paragraph.normalized.text for paragraph in self.paragraphs)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The match keys of every word of the post, in order."""
        return tuple(chain.from_iterable(p.normalized.words for p in self.paragraphs))

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """Return the value stored under `key`, computing it with `compute` the first time.

        For values derived from the whole post that several rules need (a text hash, a
        MinHash signature): computed once per post however many rules ask.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value


def paragraph_fingerprint(text: str) -> str:
    """A stable 32-hex-digit hash of a paragraph's text, for spotting changed paragraphs."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def normalize_domain(host: str) -> str:
    """Lower-case `host`, drop a trailing dot, and decode percent-escapes and IDNA
    ("xn--") labels when valid, as a browser would before connecting."""
    if "%" in host:
        host = unquote(host)
    host = host.strip().rstrip(".").lower()
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):
            host = host.encode("ascii").decode("idna")
    return host


def link_domain(href: str) -> str:
    """The domain `href` points at ("" for a relative link), as `normalize_domain` gives it.

    A mailto: link's domain is the one after the address's "@".
    """
    authority = _AUTHORITY.match(href.strip())
    if authority is not None:
        return normalize_domain(authority.group(1).strip("[]"))
    try:
        parts = urlsplit(href.strip())
        if parts.scheme.lower() == "mailto":
            return normalize_domain(parts.path.rpartition("@")[2].partition("?")[0])
        return normalize_domain(parts.hostname or "")
    except ValueError:
        # An unparseable authority (a bad IPv6 literal) still names no domain to trust.
        return ""


class _Block:
    __slots__ = ("chunks", "has_blocks", "length", "links")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.length = 0
        self.links: list[Link] = []
        self.has_blocks = False

    def append(self, data: str) -> None:
        self.chunks.append(data)
        self.length += len(data)

    def is_paragraph(self) -> bool:
        return not self.has_blocks or bool(self.links) or any(c.strip() for c in self.chunks)


class _Splitter:
    """Walks the block tags, links and text of sanitised HTML, filling `blocks`."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        # One entry per open block element: its tag and, for leaf-capable ones, the
        # block collecting its text.
        self._open: list[tuple[str, _Block | None]] = []
        self._loose: _Block | None = None
        self._link: tuple[_Block, str, int] | None = None
        self.boundaries: list[tuple[int, int]] = []

    def is_settled(self) -> bool:
        """Whether no block and no link is open: the next top-level tag starts afresh."""
        return not self._open and self._link is None

    def _sink(self) -> _Block:
        if self._open and self._open[-1][1] is not None:
            return self._open[-1][1]
        if self._loose is None:
            self._loose = _Block()
            self.blocks.append(self._loose)
        return self._loose

    def start(self, tag: str, attributes: str) -> None:
        if tag == "a":
            self.end_link()
            sink = self._sink()
            self._link = (sink, _href(attributes), sink.length)
            return
        if tag not in _BLOCKS:
            return
        self._loose = None
        for _, block in self._open:
            if block is not None:
                block.has_blocks = True
        if tag in _VOID or attributes.endswith("/"):
            return
        block = None
        if tag in _LEAF_BLOCKS:
            block = _Block()
            self.blocks.append(block)
        self._open.append((tag, block))

    def end(self, tag: str) -> None:
        if tag == "a":
            self.end_link()
            return
        if tag not in _BLOCKS:
            return
        self._loose = None
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                break

    def text(self, data: str) -> _Block | None:
        """Add `data` to the block it belongs to, and return that block (None when the
        text is dropped: blank, between blocks)."""
        outside_blocks = not self._open or self._open[-1][1] is None
        if outside_blocks and self._loose is None and not data.strip():
            return None
        sink = self._sink()
        sink.append(data)
        return sink

    def end_link(self) -> None:
        if self._link is None:
            return
        block, href, start = self._link
        block.links.append(Link(href=href, domain=link_domain(href), start=start, end=block.length))
        self._link = None


def _href(attributes: str) -> str:
    match = _HREF.search(attributes)
    if match is None:
        return ""
    return html.unescape(next(value for value in match.groups() if value is not None))


def _reduce(body_html: str) -> str:
    # Inline markup other than links adds no text and no structure: dropping it in one
    # pass of the regex engine leaves a few hundred tags for Python to look at.
    return _INLINE_TAG.sub("", body_html)


def _walk(reduced: str, *, finished: bool = True) -> _Splitter:
    """Walk reduced markup with a new splitter; its `boundaries` are (offset, blocks so
    far) at each top-level block tag met with no block or link open: from such a point
    on, what follows reads the same whatever came before. Unless `finished`, a link
    still open at the end is left open (the markup goes on elsewhere)."""
    splitter = _Splitter()
    boundaries = splitter.boundaries
    done = 0
    for match in _TAG.finditer(reduced):
        if match.start() > done:
            splitter.text(_unescape(reduced[done : match.start()]))
        done = match.end()
        closing, name, attributes = match.groups()
        if name is None:
            continue  # a comment, doctype or processing instruction
        name = name.lower()
        if closing:
            splitter.end(name)
        else:
            if not splitter._open and splitter._link is None and name in _BLOCKS:
                boundaries.append((match.start(), len(splitter.blocks)))
            splitter.start(name, attributes.strip())
    if done < len(reduced):
        splitter.text(_unescape(reduced[done:]))
    if finished:
        splitter.end_link()
    return splitter


def _split(body_html: str) -> list[_Block]:
    return _walk(_reduce(body_html)).blocks


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def content_from_html(body_html: str) -> PostContent:
    """Split a post's sanitised HTML into paragraphs (see the module docstring).

    Expects well-formed markup such as the sanitiser writes (quoted attributes, "<" in
    text escaped); text is decoded as html.parser would (`html.unescape`).
    """
    reduced = _reduce(body_html)
    splitter = _walk(reduced)
    paragraphs, layout = _read(reduced, splitter, first_index=0)
    return PostContent(paragraphs=tuple(paragraphs), layout=layout)


def paragraph_number(index: int) -> int:
    """The number a person is shown for paragraph `index`: the member reporting it and
    the moderator reading the report both count from 1."""
    return index + 1


def reportable_paragraphs(body_html: str) -> list[Paragraph]:
    """The paragraphs of a post a member may report one of: those with any text."""
    return [p for p in content_from_html(body_html).paragraphs if p.text.strip()]


@dataclass(frozen=True, slots=True)
class TextRun:
    """Text between two tags of a post's markup: `markup[start:end]` holds it as
    written, and it reads as `text`, which is the characters from `offset` on of the
    paragraph numbered `paragraph` (None: blank text between blocks, in no paragraph)."""

    start: int
    end: int
    text: str
    paragraph: int | None
    offset: int


def text_runs(body_html: str) -> list[TextRun]:
    """Where every paragraph's text sits in `body_html`: each run of text between two
    tags, in document order, with the paragraph `content_from_html` numbers it in and its
    offset there. For showing evidence spans in the markup itself."""
    splitter = _Splitter()
    placed: list[tuple[list[tuple[int, int, str]], _Block | None, int]] = []
    pieces: list[tuple[int, int, str]] = []  # text since the last tag other than an inline one

    def flush() -> None:
        if pieces:
            data = "".join(text for _, _, text in pieces)
            block = splitter.text(data)
            placed.append((pieces.copy(), block, block.length - len(data) if block else 0))
            pieces.clear()

    done = 0
    for match in _TAG.finditer(body_html):
        if match.start() > done:
            pieces.append((done, match.start(), _unescape(body_html[done : match.start()])))
        done = match.end()
        closing, name, attributes = match.groups()
        if name is not None and _INLINE_TAG.fullmatch(match.group()):
            continue  # as _reduce drops it: the text on either side runs on
        flush()
        if name is None:
            continue
        if closing:
            splitter.end(name.lower())
        else:
            splitter.start(name.lower(), attributes.strip())
    if done < len(body_html):
        pieces.append((done, len(body_html), _unescape(body_html[done:])))
    flush()
    numbers = {
        block: number for number, block in enumerate(b for b in splitter.blocks if b.is_paragraph())
    }
    runs = []
    for run_pieces, block, offset in placed:
        paragraph = None if block is None else numbers.get(block)
        at = offset if paragraph is not None else 0
        for start, end, text in run_pieces:
            runs.append(TextRun(start, end, text, paragraph, at))
            at += len(text)
    return runs


def _read(reduced: str, splitter: _Splitter, *, first_index: int) -> tuple[list[Paragraph], Layout]:
    """The paragraphs a walk of `reduced` found, numbered from `first_index`, and the
    layout of its chunks."""
    kept = [block.is_paragraph() for block in splitter.blocks]
    paragraphs = _paragraphs(splitter, first_index=first_index, kept=kept)
    starts = [(0, 0)] + [b for b in splitter.boundaries if b[0] > 0]
    starts.append((len(reduced), len(splitter.blocks)))
    lengths, counts, digests, chunk_links = [], [], [], []
    for (start, first_block), (end, next_block) in pairwise(starts):
        if start == end:
            continue  # nothing at all to read
        chunk = reduced[start:end]
        kept_blocks = [
            block
            for block, keep in zip(
                splitter.blocks[first_block:next_block], kept[first_block:next_block], strict=True
            )
            if keep
        ]
        lengths.append(len(chunk))
        counts.append(len(kept_blocks))
        digests.append(_chunk_digest(chunk))
        chunk_links.append(
            tuple(
                (position, link.href, link.domain, link.start, link.end)
                for position, block in enumerate(kept_blocks)
                for link in block.links
            )
        )
    layout = Layout(
        lengths=tuple(lengths),
        counts=tuple(counts),
        digests=b"".join(digests),
        links=tuple(chunk_links),
    )
    return paragraphs, layout


def _paragraphs(
    splitter: _Splitter, *, first_index: int, kept: list[bool] | None = None
) -> list[Paragraph]:
    if kept is None:
        kept = [block.is_paragraph() for block in splitter.blocks]
    blocks = [block for block, keep in zip(splitter.blocks, kept, strict=True) if keep]
    return [
        Paragraph(index=first_index + number, text="".join(block.chunks), links=tuple(block.links))
        for number, block in enumerate(blocks)
    ]


# Salted with the splitting rules' version: a chunk read by other rules might hold other
# paragraphs, so its digest must not match. Bump it when splitting changes. Each digest
# starts from a copy of one hash object set up with the salt: building each from keyword
# arguments cost a quarter of hashing a chunk.
_CHUNK_HASH: Final = hashlib.blake2b(digest_size=_DIGEST_SIZE, person=b"parley-split-1")


def _chunk_digest(chunk: str) -> bytes:
    digest = _CHUNK_HASH.copy()
    digest.update(chunk.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _chunk_digests(reduced: str) -> Callable[[int, int], bytes]:
    """A function giving `_chunk_digest(reduced[start:end])` from `start` and `end`.

    Markup that is all ASCII (the usual case; `isascii` costs nothing) is encoded once
    and its chunks hashed as views of the bytes, whose offsets are the characters'."""
    if not reduced.isascii():
        return lambda start, end: _chunk_digest(reduced[start:end])
    data = memoryview(reduced.encode("ascii"))

    def digest(start: int, end: int) -> bytes:
        chunk = _CHUNK_HASH.copy()
        chunk.update(data[start:end])
        return chunk.digest()

    return digest


def content_after_edit(
    body_html: str, *, layout: Layout, fingerprints: Sequence[str]
) -> tuple[PostContent, list[str], int] | None:
    """Read an edited post's markup again only where it changed.

    `layout` and `fingerprints` are those stored for the earlier text. The chunks of
    markup it starts and ends with that are unchanged (same digest) keep their stored
    paragraph fingerprints and links, and their paragraphs read their text from the chunk
    only when first asked for it; the markup between them is walked as usual. Returns the
    content (equal, paragraph by paragraph, to `content_from_html`'s), every paragraph's
    fingerprint, and how many paragraphs were read now; or None when the stored layout
    does not fit (then read the whole post).
    """
    if not layout or not layout.is_whole() or sum(layout.counts) != len(fingerprints):
        return None
    reduced = _reduce(body_html)
    size, chunks = len(reduced), len(layout)
    digest, lengths, stored = _chunk_digests(reduced), layout.lengths, layout.digests
    # Every unchanged chunk is hashed: the digest is all that is known of the earlier
    # markup. Lengths are compared first, so a chunk that no longer fits is not.
    start = head = 0
    for length in lengths:
        at = head * _DIGEST_SIZE
        if (
            start + length > size
            or digest(start, start + length) != stored[at : at + _DIGEST_SIZE]
            # The earlier text's end need not be a settled point to read on from.
            or (head == chunks - 1 and start + length < size)
        ):
            break
        start += length
        head += 1
    end, tail = size, 0
    while head + tail < chunks:
        number = chunks - 1 - tail
        length, at = lengths[number], number * _DIGEST_SIZE
        if (
            end - length < start
            # The earlier text's first chunk need not start with a block (nor need any
            # chunk of a layout stored before reading on required one). Tested before
            # the digest: it is cheaper, and fails at once where the change is.
            or not _starts_block(reduced, end - length)
            or digest(end - length, end) != stored[at : at + _DIGEST_SIZE]
        ):
            break
        end -= length
        tail += 1
    if start and start < size and not _starts_block(reduced, start):
        # The prefix's last text would run on into the changed markup: read it whole.
        return None
    finished = end == size
    splitter = _walk(reduced[start:end], finished=finished)
    if not finished and not splitter.is_settled():
        return None
    before, after = sum(layout.counts[:head]), sum(layout.counts[chunks - tail :])
    changed, changed_layout = _read(reduced[start:end], splitter, first_index=before)
    unchanged = _UnchangedMarkup(
        reduced, start, end, before=before, changed=len(changed), after=after
    )
    kept_head, kept_tail = layout[:head], layout[chunks - tail :]
    paragraphs = [
        *unchanged.paragraphs(kept_head, first_index=0),
        *changed,
        *unchanged.paragraphs(kept_tail, first_index=before + len(changed)),
    ]
    new_fingerprints = [
        *fingerprints[:before],
        *(paragraph_fingerprint(p.text) for p in changed),
        *fingerprints[len(fingerprints) - after :],
    ]
    content = PostContent(
        paragraphs=tuple(paragraphs), layout=Layout.join(kept_head, changed_layout, kept_tail)
    )
    return content, new_fingerprints, len(changed)


def _starts_block(reduced: str, position: int) -> bool:
    """Whether an opening block tag starts at `position`: a point where reading afresh
    and reading on from a settled walk agree."""
    tag = _TAG.match(reduced, position)
    return tag is not None and not tag.group(1) and (tag.group(2) or "").lower() in _BLOCKS


class _UnchangedMarkup:
    """The markup of a post around the part changed since the last check: `reduced`
    without `[start:end]`, holding the `before` paragraphs ahead of the `changed` ones and
    the `after` paragraphs behind them. Their links are known from the stored layout;
    none is read until a paragraph's text is asked for, and then all are, in one walk
    (each chunk starts where reading afresh gives what reading the whole post gave, so
    the two runs of chunks read one after the other read as each alone)."""

    __slots__ = ("after", "before", "changed", "end", "read", "reduced", "start")

    def __init__(
        self, reduced: str, start: int, end: int, *, before: int, changed: int, after: int
    ) -> None:
        self.reduced, self.start, self.end = reduced, start, end
        self.before, self.changed, self.after = before, changed, after
        self.read: list[Paragraph] | None = None

    def paragraphs(self, layout: Layout, *, first_index: int) -> list[Paragraph]:
        """The paragraphs of the unchanged chunks `layout` describes, numbered in the post
        from `first_index`."""
        # One object per paragraph, most never read: each is made without calling
        # __init__ and holds only its index, this markup and where its links are (a
        # chunk's position list and count loop are skipped for the usual chunk of one
        # paragraph), which took half the time of making them with their chunk's object.
        new, cls = object.__new__, _UnchangedParagraph
        paragraphs: list[Paragraph] = []
        append = paragraphs.append
        index = first_index
        for count, links in zip(layout.counts, layout.links, strict=True):
            for position in (0,) if count == 1 else range(count):
                paragraph = new(cls)
                fields = paragraph.__dict__
                fields["index"], fields["_markup"] = index, self
                if links:
                    fields["_links"], fields["_position"] = links, position
                else:
                    fields["links"] = ()  # shadows the cached property: nothing to read
                append(paragraph)
                index += 1
        return paragraphs

    def text(self, index: int) -> str:
        """The text of the unchanged paragraph numbered `index` in the post."""
        if self.read is None:
            read = _paragraphs(
                _walk(self.reduced[: self.start] + self.reduced[self.end :]), first_index=0
            )
            if len(read) != self.before + self.after:
                raise RuntimeError("unchanged markup read as other paragraphs")
            self.read = read
        if index >= self.before:
            index -= self.changed  # the reading holds no changed paragraph
        return self.read[index].text


class _UnchangedParagraph(Paragraph):
    """A paragraph of an unchanged chunk: its index is known at once, its text and links
    are read on first use. Made by `_UnchangedMarkup.paragraphs`."""

    @property
    def text(self) -> str:  # type: ignore[override]
        return self._markup.text(self.index)

    @cached_property
    def links(self) -> tuple[Link, ...]:  # type: ignore[override]
        """The stored links of the paragraph at `_position` in its chunk."""
        return tuple(
            Link(href=href, domain=domain, start=start, end=end)
            for at, href, domain, start, end in self._links
            if at == self._position
        )
