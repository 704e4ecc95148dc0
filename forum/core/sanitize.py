"""The one place that decides which HTML a post may contain.

Every piece of user-derived HTML passes two sanitisers that share this allow-list:
bleach first, then nh3. bleach 6.4 is the last release (the project is deprecated and
gets no more security fixes), so it is not trusted alone; nh3 wraps ammonia (Rust,
html5ever), is maintained and costs little next to bleach. Either one alone must be
enough, which the tests check; running both means a parser bug in one is unlikely to
line up with a bug in the other.

Pure Python, no Django: the renderer and its tests use it without settings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from types import MappingProxyType

import bleach
import nh3

__all__ = (
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "bleach_clean",
    "nh3_clean",
    "sanitize_html",
)

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", *_HEADINGS, "blockquote", "ul", "ol", "li",
        "strong", "em", "del", "s", "code", "pre", "a",
        "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    }
)  # fmt: skip

# No <img>: remote images are tracking pixels and data: images a smuggling channel, so
# the renderer turns Markdown images into links. No style attribute at all: table
# alignment arrives as a class instead.
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "a": frozenset({"href", "title", "class"}),
        "ol": frozenset({"start"}),
        "blockquote": frozenset({"class", "data-post"}),
        "p": frozenset({"class"}),
        "th": frozenset({"class"}),
        "td": frozenset({"class"}),
        **{heading: frozenset({"id"}) for heading in _HEADINGS},
    }
)

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

# nh3 sets this on every <a>, replacing whatever the input said: user links should
# not pass page rank (ugc, nofollow), nor get a handle on this window (noopener).
LINK_REL = "nofollow ugc noopener noreferrer"

_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})

# Only the classes the renderer emits, so posts cannot borrow the site's own CSS
# (a fake "button", an overlay covering the page).
_ALLOWED_CLASSES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "a": frozenset({"mention"}),
        "blockquote": frozenset({"quote"}),
        "p": frozenset({"quote-attribution"}),
        "th": _ALIGN_CLASSES,
        "td": _ALIGN_CLASSES,
    }
)

# Heading ids carry the "h-" prefix so a post cannot name an element "location" or
# "cookie" and shadow a DOM global through named access on window/document.
_HEADING_ID = re.compile(r"h-[a-z0-9-]{1,100}")
_VALUE_PATTERNS: Mapping[tuple[str, str], re.Pattern[str]] = MappingProxyType(
    {
        ("ol", "start"): re.compile(r"[0-9]{1,9}"),
        ("blockquote", "data-post"): re.compile(r"[0-9]{1,18}"),
        **{(heading, "id"): _HEADING_ID for heading in _HEADINGS},
    }
)

# html5ever refuses strings that are not valid Unicode; Python strings may still hold
# lone surrogates, and a sanitiser must not be the thing that crashes.
_SURROGATES = re.compile("[\ud800-\udfff]")


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


def _new_bleach_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_bleach_attribute_allowed,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


# bleach documents its Cleaner as not thread-safe (the html5lib parser keeps state),
# and building one per call is a measurable part of bleach's cost: one per thread.
_bleach_local = threading.local()

_NH3_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # Script and style text is dropped, not kept as text: it is never prose.
    clean_content_tags={"script", "style"},
    attributes={tag: set(names - {"class"}) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_nh3_attribute_filter,
    allowed_classes={tag: set(classes) for tag, classes in _ALLOWED_CLASSES.items()},
    url_schemes=set(ALLOWED_PROTOCOLS),
    link_rel=LINK_REL,
    strip_comments=True,
)


def _valid_unicode(html: str) -> str:
    return _SURROGATES.sub("\ufffd", html)


def bleach_clean(html: str) -> str:
    """Sanitise `html` with bleach alone, using the module's allow-list."""
    cleaner = getattr(_bleach_local, "cleaner", None)
    if cleaner is None:
        cleaner = _bleach_local.cleaner = _new_bleach_cleaner()
    return cleaner.clean(_valid_unicode(html))


def nh3_clean(html: str) -> str:
    """Sanitise `html` with nh3 alone, using the module's allow-list; every <a> gets
    rel="nofollow ugc noopener noreferrer"."""
    return _NH3_CLEANER.clean(_valid_unicode(html))


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allow-list: bleach, then nh3 over bleach's output."""
    return nh3_clean(bleach_clean(html))
