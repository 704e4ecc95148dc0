"""The one place that decides which HTML a post may contain.

Every piece of user-derived HTML passes two sanitisers that share this allow-list:
bleach first, then nh3. bleach is unmaintained (deprecated upstream, no more security
releases), so it is not trusted alone; nh3 wraps ammonia (Rust, html5ever), is
maintained, and costs little next to bleach. Either one alone must be
enough, which the tests check; running both means a parser bug in one is unlikely to
line up with a bug in the other.

Pure Python, no Django: the renderer and its tests use it without settings.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import bleach
import nh3
from bleach import html5lib_shim

__all__ = (
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "IMAGE_ATTRIBUTES",
    "bleach_clean",
    "nh3_clean",
    "sanitize_html",
)

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", *_HEADINGS, "blockquote", "ul", "ol", "li",
        "strong", "em", "del", "s", "code", "pre", "a",
        "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "section",
    }
)  # fmt: skip

# No <img> by default: remote images are tracking pixels and data: images a smuggling
# channel, so the renderer turns Markdown images into links. Only the forum's own
# uploaded images are shown, when the caller names their URLs (`image_src`). No style
# attribute at all: table alignment arrives as a class instead.
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "a": frozenset({"href", "title", "class", "id"}),
        "ol": frozenset({"start", "class"}),
        "li": frozenset({"id", "class"}),
        "sup": frozenset({"class"}),
        "hr": frozenset({"class"}),
        "section": frozenset({"class"}),
        "blockquote": frozenset({"class", "data-post"}),
        "p": frozenset({"class"}),
        "th": frozenset({"class"}),
        "td": frozenset({"class"}),
        **{heading: frozenset({"id"}) for heading in _HEADINGS},
    }
)

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

IMAGE_ATTRIBUTES: frozenset[str] = frozenset(
    {"src", "alt", "width", "height", "loading", "decoding"}
)
_IMAGE_VALUES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "width": re.compile(r"[1-9][0-9]{0,4}"),
        "height": re.compile(r"[1-9][0-9]{0,4}"),
        "loading": re.compile(r"lazy"),
        "decoding": re.compile(r"async"),
    }
)

# nh3 sets this on every <a>, replacing whatever the input said: user links should
# not pass page rank (ugc, nofollow), nor get a handle on this window (noopener).
LINK_REL = "nofollow ugc noopener noreferrer"

_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})

# Only the classes the renderer emits, so posts cannot borrow the site's own CSS
# (a fake "button", an overlay covering the page).
_ALLOWED_CLASSES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # Footnotes, as markdown-it's footnote plugin writes them: a raised reference
        # in the text, and a closing section of notes, each with a link back.
        "a": frozenset({"mention", "footnote-backref"}),
        "sup": frozenset({"footnote-ref"}),
        "hr": frozenset({"footnotes-sep"}),
        "section": frozenset({"footnotes"}),
        "ol": frozenset({"footnotes-list"}),
        "li": frozenset({"footnote-item"}),
        "blockquote": frozenset({"quote"}),
        "p": frozenset({"quote-attribution"}),
        "th": _ALIGN_CLASSES,
        "td": _ALIGN_CLASSES,
    }
)

# Heading ids carry the "h-" prefix so a post cannot name an element "location" or
# "cookie" and shadow a DOM global through named access on window/document.
_HEADING_ID = re.compile(r"h-[a-z0-9-]{1,100}")
# Footnote ids likewise: "fn-" or "fnref-", the post's own eight hex digits (so that two
# posts on a page never share one), the note's number and, for a note referred to more
# than once, which reference. The writer's label for a note never reaches an id.
_FOOTNOTE_ID = re.compile(r"fn-[0-9a-f]{8}-[0-9]{1,5}")
_FOOTNOTE_REF_ID = re.compile(r"fnref-[0-9a-f]{8}-[0-9]{1,5}(?::[0-9]{1,5})?")
_VALUE_PATTERNS: Mapping[tuple[str, str], re.Pattern[str]] = MappingProxyType(
    {
        ("ol", "start"): re.compile(r"[0-9]{1,9}"),
        ("blockquote", "data-post"): re.compile(r"[0-9]{1,18}"),
        ("li", "id"): _FOOTNOTE_ID,
        ("a", "id"): _FOOTNOTE_REF_ID,
        **{(heading, "id"): _HEADING_ID for heading in _HEADINGS},
    }
)

# html5ever refuses strings that are not valid Unicode; Python strings may still hold
# lone surrogates, and a sanitiser must not be the thing that crashes.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _image_value_allowed(name: str, value: str, image_src: re.Pattern[str] | None) -> bool:
    if image_src is None or name not in IMAGE_ATTRIBUTES:
        return False
    if name == "src":
        return image_src.fullmatch(value) is not None
    pattern = _IMAGE_VALUES.get(name)
    return pattern is None or pattern.fullmatch(value) is not None


def _value_allowed(tag: str, name: str, value: str) -> bool:
    if name == "class":
        return value in _ALLOWED_CLASSES.get(tag, ())
    pattern = _VALUE_PATTERNS.get((tag, name))
    return pattern is None or pattern.fullmatch(value) is not None


def _bleach_attribute_allowed(tag: str, name: str, value: str) -> bool:
    # bleach cannot rewrite a value, only keep or drop it, so a class list with one
    # unknown class loses the whole attribute. The renderer never emits such lists.
    return name in ALLOWED_ATTRIBUTES.get(tag, ()) and _value_allowed(tag, name, value)


def _nh3_attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name == "class":
        # Filtering here rather than relying on allowed_classes alone: ammonia keeps an
        # empty class="" when no class survives, which would make output unstable.
        allowed = _ALLOWED_CLASSES.get(tag, frozenset())
        kept = [token for token in value.split() if token in allowed]
        return " ".join(kept) or None
    pattern = _VALUE_PATTERNS.get((tag, name))
    if pattern is not None and pattern.fullmatch(value) is None:
        return None
    return value


_EtreeWalker: type = html5lib_shim.getTreeWalker("etree")


class _LinearEtreeWalker(_EtreeWalker):  # type: ignore[misc, valid-type]
    """html5lib's etree walker, minus its quadratic step.

    Climbing back to a parent, the stock walker finds the parent's position among
    its siblings with list(grandparent).count() and .index(), so an element with n
    non-empty children costs O(n^2): a 100,000-character post holding one table of
    16,000 rows took bleach over 20 seconds. This walker remembers each parent's
    position while descending instead. The nodes it yields are the same, which the
    tests check against stock bleach. bleach is no longer developed (and pinned below
    7), so the vendored html5lib this builds on should not move; if it does, those
    equivalence tests fail.
    """

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        # Position of each element in self.parents-to-be, pushed when the walk enters
        # an element's children and popped when it leaves them.
        self._parent_keys: list[int | None] = []

    def _step(self, node: Any, step: Callable[[Any], Any]) -> Any:
        # The ancestor list is shared by all nodes and grows in place when the stock
        # walker enters an element's children, so measure it before stepping.
        depth = len(node[2]) if isinstance(node, tuple) else 0
        result = step(node)
        if result is not None and len(result[2]) > depth:
            self._parent_keys.append(node[1] if isinstance(node, tuple) else None)
        return result

    def getFirstChild(self, node: Any) -> Any:
        return self._step(node, super().getFirstChild)

    def getNextSibling(self, node: Any) -> Any:
        return self._step(node, super().getNextSibling)

    def getParentNode(self, node: Any) -> Any:
        if not isinstance(node, tuple) or node[3] == "text":
            return super().getParentNode(node)
        parents = node[2]
        parent = parents.pop()
        parent_key = self._parent_keys.pop()
        if not parents:
            return parent
        return parent, parent_key, parents, None


def _new_bleach_cleaner(image_src: re.Pattern[str] | None = None) -> bleach.Cleaner:
    def attribute_allowed(tag: str, name: str, value: str) -> bool:
        if tag == "img":
            return _image_value_allowed(name, value, image_src)
        return _bleach_attribute_allowed(tag, name, value)

    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS | {"img"} if image_src is not None else ALLOWED_TAGS,
        attributes=attribute_allowed,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    cleaner.walker = _LinearEtreeWalker
    return cleaner


# bleach documents its Cleaner as not thread-safe (the html5lib parser keeps state),
# and building one per call is a measurable part of bleach's cost: one per thread.
_bleach_local = threading.local()


def _new_nh3_cleaner(image_src: re.Pattern[str] | None = None) -> nh3.Cleaner:
    def attribute_filter(tag: str, name: str, value: str) -> str | None:
        if tag == "img":
            return value if _image_value_allowed(name, value, image_src) else None
        return _nh3_attribute_filter(tag, name, value)

    images = {"img": set(IMAGE_ATTRIBUTES)} if image_src is not None else {}
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS) | set(images),
        # Script and style text is dropped, not kept as text: it is never prose.
        clean_content_tags={"script", "style"},
        attributes={
            # ammonia allows `lang` and `title` on every tag unless told otherwise.
            "*": set(),
            **{tag: set(names - {"class"}) for tag, names in ALLOWED_ATTRIBUTES.items()},
            **images,
        },
        attribute_filter=attribute_filter,
        allowed_classes={tag: set(classes) for tag, classes in _ALLOWED_CLASSES.items()},
        url_schemes=set(ALLOWED_PROTOCOLS),
        link_rel=LINK_REL,
        strip_comments=True,
    )


_NH3_CLEANER = _new_nh3_cleaner()


@functools.lru_cache(maxsize=8)
def _nh3_image_cleaner(image_src: re.Pattern[str]) -> nh3.Cleaner:
    return _new_nh3_cleaner(image_src)


def _valid_unicode(html: str) -> str:
    return _SURROGATES.sub("\ufffd", html)


def bleach_clean(html: str, *, image_src: re.Pattern[str] | None = None) -> str:
    """Sanitise `html` with bleach alone, using the module's allow-list (see
    sanitize_html for `image_src`)."""
    cleaners = getattr(_bleach_local, "cleaners", None)
    if cleaners is None:
        cleaners = _bleach_local.cleaners = {}
    cleaner = cleaners.get(image_src)
    if cleaner is None:
        cleaner = cleaners[image_src] = _new_bleach_cleaner(image_src)
    return cleaner.clean(_valid_unicode(html))


def nh3_clean(html: str, *, image_src: re.Pattern[str] | None = None) -> str:
    """Sanitise `html` with nh3 alone, using the module's allow-list; every <a> gets
    rel="nofollow ugc noopener noreferrer" (see sanitize_html for `image_src`)."""
    cleaner = _NH3_CLEANER if image_src is None else _nh3_image_cleaner(image_src)
    return cleaner.clean(_valid_unicode(html))


def sanitize_html(html: str, *, image_src: re.Pattern[str] | None = None) -> str:
    """Return `html` reduced to the allow-list: bleach, then nh3 over bleach's output.

    With `image_src`, <img> is kept where its src matches that pattern in full (the
    forum's own images' URLs), with only src, alt, numeric width and height,
    loading="lazy" and decoding="async"; without it, every <img> is dropped."""
    return nh3_clean(bleach_clean(html, image_src=image_src), image_src=image_src)
