"""Shaping what a page has already read for long-form reading: a post's stored headings
as a nested table of contents, and a page of posts in reading order as a nested tree.
Both are single passes over lists in memory; neither touches the database."""

import re
from dataclasses import dataclass, field

from forum.threads.selectors import PostView

TOC_MIN_HEADINGS = 3


@dataclass
class TocEntry:
    level: int
    text: str
    anchor: str
    children: list["TocEntry"] = field(default_factory=list)


@dataclass
class TableOfContents:
    """A post's headings, nested. `own_numbers`: the headings number themselves ("1.
    Intro", "2.3 Method", "IV. Results"), so the list must not number them again."""

    entries: list[TocEntry]
    own_numbers: bool = False

    def __bool__(self) -> bool:
        return bool(self.entries)


# A heading's own number: "1", "1.", "2.3", "2.3.", "1)", "IV." or "B." before its words.
_OWN_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]+)*[.)]?|[IVXLC]+[.)]|[A-Z][.)])\s")


def headings_number_themselves(headings: list) -> bool:
    """Whether most of `headings` begin with a number of their own: a list numbering
    them too would read "1. 1. Intro"."""
    numbered = sum(1 for _, text, _ in headings if _OWN_NUMBER.match(text))
    return numbered * 2 > len(headings)


def table_of_contents(headings: list) -> TableOfContents:
    """`headings` ([[level, text, anchor], ...] in document order, as Post.headings
    stores them) nested by level; empty when there are fewer than TOC_MIN_HEADINGS.
    A heading sits under the nearest earlier heading of a higher rank, so skipped
    levels (an h2 followed by an h4) nest one step, not two."""
    if len(headings) < TOC_MIN_HEADINGS:
        return TableOfContents(entries=[])
    roots: list[TocEntry] = []
    open_entries: list[TocEntry] = []
    for level, text, anchor in headings:
        entry = TocEntry(level=level, text=text, anchor=anchor)
        while open_entries and open_entries[-1].level >= level:
            open_entries.pop()
        (open_entries[-1].children if open_entries else roots).append(entry)
        open_entries.append(entry)
    return TableOfContents(entries=roots, own_numbers=headings_number_themselves(headings))


@dataclass
class ReplyNode:
    """A post on the page with the replies to it that are on the same page."""

    item: PostView
    children: list["ReplyNode"] = field(default_factory=list)
    reply_count: int = 0  # every reply below it on the page, all levels
    # A reply whose parent came on an earlier page: the page continues a branch.
    continues_branch: bool = False


def reply_tree(items: list[PostView], *, top_depth: int | None = None) -> list[ReplyNode]:
    """The page's posts nested under their parents, so that a branch is one element the
    reader can fold. A post whose parent is not on the page (it came on an earlier page,
    or is the root the page hangs from) starts a tree of its own, in reading order.

    Nesting follows parent ids rather than depths, so it stays right where paths stop
    encoding the tree (below Post.MAX_PATH_DEPTH); children keep their page order.
    With `top_depth` (the depth of the page's top-level replies), a tree starting deeper
    is marked `continues_branch`."""
    nodes: dict[int, ReplyNode] = {}
    roots: list[ReplyNode] = []
    for item in items:
        node = ReplyNode(item=item)
        nodes[item.post.pk] = node
        parent = nodes.get(item.post.parent_id)
        if parent is not None:
            parent.children.append(node)
        else:
            node.continues_branch = top_depth is not None and item.post.depth > top_depth
            roots.append(node)
    # Parents come before their replies on a page, so counting backwards sees every
    # reply's own count before its parent's.
    for item in reversed(items):
        node = nodes[item.post.pk]
        parent = nodes.get(item.post.parent_id)
        if parent is not None:
            parent.reply_count += 1 + node.reply_count
    return roots


def page_keeping_branches(
    rows: list[PostView], *, limit: int, top_depth: int
) -> tuple[list[PostView], bool]:
    """A page of at most `limit` posts from `rows` (up to `limit` + 1 posts in reading
    order, as a selector read them), and whether more follow.

    When the post after the page continues a branch that starts in the page's second
    half, the page ends before that branch instead, so the branch is read in one piece
    on the next page. A branch starting in the first half, or longer than a page, still
    has to be split: the next page then marks where it picks up. Keeping the first half
    whatever happens means a post among a page's first `limit // 2` posts is always on
    it, which is what permalinks count on."""
    if len(rows) <= limit:
        return rows, False
    page, following = rows[:limit], rows[limit]
    if following.post.depth > top_depth:
        starts = [
            index
            for index, item in enumerate(page)
            if index >= limit // 2 and item.post.depth == top_depth
        ]
        if starts:
            page = page[: starts[-1]]
    return page, True
