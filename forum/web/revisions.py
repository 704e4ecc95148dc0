"""A post's edit history as readers see it: each revision against the one before,
compared paragraph by paragraph in the rendered HTML (its top-level blocks: paragraphs,
headings, lists, quotes, code blocks, tables), so a change reads as the post showed it
rather than as Markdown lines."""

import difflib
import html
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.safestring import SafeString, mark_safe

from forum.core.sanitize import sanitize_html

# Unchanged blocks shown on each side of a change; longer unchanged runs are folded.
CONTEXT_BLOCKS = 1
_VOID = frozenset({"br", "hr", "img", "wbr"})


@dataclass(frozen=True)
class DiffBlock:
    """One piece of a paragraph diff: `kind` is "same", "del" or "add" with a block's
    sanitised `html`, or "skip" for `skipped` unchanged blocks folded away."""

    kind: str
    html: SafeString | str = ""
    skipped: int = 0


class _BlockSplitter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._depth = 0

    def _tag(self, tag: str, attrs, closing: str = "") -> str:
        shown = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs
        )
        return f"<{tag}{shown}{closing}>"

    def _end_block(self) -> None:
        block = "".join(self._current).strip()
        if block:
            self.blocks.append(block)
        self._current = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self._current.append(self._tag(tag, attrs))
        if tag not in _VOID:
            self._depth += 1
        elif not self._depth:
            self._end_block()

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._current.append(self._tag(tag, attrs))
        if not self._depth:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self._current.append(f"</{tag}>")
        self._depth = max(0, self._depth - 1)
        if not self._depth:
            self._end_block()

    def handle_data(self, data: str) -> None:
        self._current.append(html.escape(data, quote=False))

    def close(self) -> None:
        super().close()
        self._end_block()


def html_blocks(body_html: str) -> list[str]:
    """The top-level blocks of a post's rendered HTML, each as HTML of its own."""
    splitter = _BlockSplitter()
    splitter.feed(body_html)
    splitter.close()
    return splitter.blocks


def paragraph_diff(older_html: str, newer_html: str) -> list[DiffBlock]:
    """The blocks removed from `older_html` and added in `newer_html`, in reading order,
    with CONTEXT_BLOCKS unchanged ones around each change and longer unchanged runs
    folded. Every block is sanitised again on its own, so that cutting the HTML apart
    can never leave markup the allow-list would refuse."""
    old, new = html_blocks(older_html), html_blocks(newer_html)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    opcodes = matcher.get_opcodes()
    pieces: list[DiffBlock] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            pieces.extend(_unchanged(old[i1:i2], first=index == 0, last=index == len(opcodes) - 1))
            continue
        pieces.extend(DiffBlock("del", _clean(block)) for block in old[i1:i2])
        pieces.extend(DiffBlock("add", _clean(block)) for block in new[j1:j2])
    return pieces


def _unchanged(blocks: list[str], *, first: bool, last: bool) -> list[DiffBlock]:
    before = 0 if first else CONTEXT_BLOCKS
    after = 0 if last else CONTEXT_BLOCKS
    if len(blocks) <= before + after + 1:
        return [DiffBlock("same", _clean(block)) for block in blocks]
    shown_before = [DiffBlock("same", _clean(block)) for block in blocks[:before]]
    shown_after = [DiffBlock("same", _clean(block)) for block in blocks[len(blocks) - after :]]
    folded = DiffBlock("skip", skipped=len(blocks) - before - after)
    return [*shown_before, folded, *shown_after]


def _clean(block: str) -> SafeString:
    return mark_safe(sanitize_html(block))  # noqa: S308 - sanitised by the forum's allow-list
