"""Masking what censoring rules match in a post's HTML, without touching its markup.

Text is matched a block at a time (the text nodes between two block tags, joined), so a
word split by inline markup ("sp<em>am</em>") is found as it reads; each matched
character is then replaced by "█" in whichever text node holds it. Tags, attributes,
comments and entities in attributes are re-emitted exactly as they came.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Final, Protocol, runtime_checkable

from forum.core.lookalikes import NormalizedText, normalize_for_matching

__all__ = ("MASK", "Censoring", "censor_html", "censor_text")

MASK: Final = "█"

_BLOCK_TAGS: Final = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li", "th", "td", "tr", "table",
     "thead", "tbody", "tfoot", "ul", "ol", "blockquote", "div", "br", "hr", "dl", "dt",
     "dd", "section", "article", "details", "summary", "figure", "figcaption", "caption"}
)  # fmt: skip


@runtime_checkable
class Censoring(Protocol):
    """A compiled rule that can say which ranges of a text to mask."""

    def ranges(self, normalized: NormalizedText) -> list[tuple[int, int]]: ...


def _masked_positions(text: str, rules: Iterable[Censoring]) -> set[int]:
    normalized = normalize_for_matching(text)
    return {
        position
        for rule in rules
        for start, end in rule.ranges(normalized)
        for position in range(start, end)
        if not text[position].isspace()
    }


def censor_text(text: str, rules: Iterable[Censoring]) -> str:
    """`text` with every character matched by `rules` (other than whitespace) masked."""
    masked = _masked_positions(text, rules)
    if not masked:
        return text
    return "".join(MASK if position in masked else char for position, char in enumerate(text))


class _Censor(HTMLParser):
    def __init__(self, rules: list[Censoring]) -> None:
        super().__init__(convert_charrefs=True)
        self._rules = rules
        self._out: list[str] = []
        # Text nodes of the current block: (index in _out, text).
        self._texts: list[tuple[int, str]] = []

    def _flush(self) -> None:
        if not self._texts:
            return
        joined = "".join(text for _, text in self._texts)
        masked = _masked_positions(joined, self._rules) if joined.strip() else set()
        offset = 0
        for slot, text in self._texts:
            if masked:
                text = "".join(
                    MASK if offset + i in masked else char for i, char in enumerate(text)
                )
            self._out[slot] = html.escape(text, quote=False)
            offset += len(text)
        self._texts = []

    def _markup(self, raw: str, tag: str | None = None) -> None:
        if tag is None or tag in _BLOCK_TAGS:
            self._flush()
        self._out.append(raw)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup(self.get_starttag_text() or f"<{tag}>", tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup(self.get_starttag_text() or f"<{tag} />", tag)

    def handle_endtag(self, tag: str) -> None:
        self._markup(f"</{tag}>", tag)

    def handle_data(self, data: str) -> None:
        self._texts.append((len(self._out), data))
        self._out.append("")

    def handle_comment(self, data: str) -> None:
        self._markup(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._markup(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._markup(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._markup(f"<![{data}]>")

    def result(self) -> str:
        self._flush()
        return "".join(self._out)


def censor_html(body_html: str, compiled_rules: Iterable[object]) -> str:
    """`body_html` with the text that censoring rules match masked by "█", one per
    character. Rules that cannot censor (links, flood...) are ignored, so the caller may
    pass every compiled rule whose action is censor."""
    rules = [rule for rule in compiled_rules if isinstance(rule, Censoring)]
    if not rules:
        return body_html
    parser = _Censor(rules)
    parser.feed(body_html)
    parser.close()
    return parser.result()
