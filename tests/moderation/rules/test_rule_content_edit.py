"""An edited post is read again only where its markup changed, and gives exactly the
paragraphs, offsets and fingerprints of reading it whole."""

from hypothesis import given, settings
from hypothesis import strategies as st

from forum.threads.rendering import render_markdown
from moderation.content import Layout, content_after_edit, content_from_html, paragraph_fingerprint

BLOCKS = [
    "Plain words in a paragraph.",
    "A [link](https://example.org/a) and **bold** and `code` &amp; more.",
    "# A heading",
    "- first item\n- second with https://bare.example/link\n  - nested item",
    "1. one\n\n   more of one\n\n2. two",
    "> quoted\n>\n> > deeper [x](https://deep.example/)",
    "| a | b |\n|---|---|\n| [c](https://cell.example/) |   |",
    "```\ncode <b>not a tag</b>\n```",
    "Line one  \nline two with *emphasis*",
    "---",
    "Ünïcode — “quotes” and emoji 🙂 https://emoji.example/x",
    "[Bücher](https://bücher.example/straße?q=€) and [ü](/relative/ü)",
]


def html_of(blocks: list[str]) -> str:
    return render_markdown("\n\n".join(blocks)).html


def as_read(content) -> list[tuple]:
    return [(p.index, p.text, p.links) for p in content.paragraphs]


def edited(before: str, after: str):
    old = content_from_html(before)
    fingerprints = [paragraph_fingerprint(p.text) for p in old.paragraphs]
    # As a check stores the layout and the next edit's check reads it back.
    stored = Layout.unpack(old.layout.pack())
    return content_after_edit(after, layout=stored, fingerprints=fingerprints)


def apply_edits(blocks: list[str], edits: list[tuple[int, str | None]]) -> list[str]:
    """`blocks` with each (position, replacement) applied in turn: None deletes the block
    at the position, a string is inserted there."""
    after = list(blocks)
    for position, replacement in edits:
        position %= len(after) + 1
        if replacement is None:
            del after[position : position + 1]
        else:
            after.insert(position, replacement)
    return after


def assert_same_as_whole(before: str, after: str):
    whole = content_from_html(after)
    result = edited(before, after)
    assert result is not None
    content, fingerprints, read = result
    assert as_read(content) == as_read(whole)
    assert fingerprints == [paragraph_fingerprint(p.text) for p in whole.paragraphs]
    assert content.layout == whole.layout
    # Stored and read back, as the next edit's check reads it.
    assert Layout.unpack(content.layout.pack()) == whole.layout
    assert content.text == whole.text and content.links == whole.links
    return read


def test_a_one_paragraph_edit_reads_only_that_paragraph_and_keeps_offsets_right():
    paragraphs = [
        f"Paragraph {n} says something [linked](https://e{n}.example/)." for n in range(40)
    ]
    before = html_of(paragraphs)
    paragraphs[20] = "An edited paragraph, now [elsewhere](https://changed.example/) and longer."

    read = assert_same_as_whole(before, html_of(paragraphs))

    assert read == 1
    content, _, _ = edited(before, html_of(paragraphs))
    link = content.paragraphs[20].links[0]
    assert content.paragraphs[20].text[link.start : link.end] == "elsewhere"
    assert link.domain == "changed.example"


def test_unchanged_chunks_are_not_read_unless_their_text_or_links_are_asked_for(walks):
    paragraphs = [f"Paragraph {n} is plain." for n in range(30)] + [
        "Ends [here](https://x.example)"
    ]
    before = html_of(paragraphs)
    paragraphs[3] = "Changed."
    old = content_from_html(before)
    fingerprints = [paragraph_fingerprint(p.text) for p in old.paragraphs]
    walks.clear()
    walked = walks

    content, _, read = content_after_edit(
        html_of(paragraphs), layout=old.layout, fingerprints=fingerprints
    )

    assert read == 1 and walked == ["<p>Changed.</p>\n"]
    # Links come from the stored layout, without reading.
    link = content.links[0]
    assert (link.domain, link.start, link.end) == ("x.example", 5, 9)
    assert walked == ["<p>Changed.</p>\n"]
    # Text is read when first asked for: every unchanged chunk, in one walk.
    assert content.paragraphs[10].text == "Paragraph 10 is plain."
    assert content.paragraphs[30].text[link.start : link.end] == "here"
    assert len(walked) == 2


def test_edits_that_add_remove_or_restructure_blocks_read_the_same_as_whole():
    base = BLOCKS * 2
    cases = [
        [*base[:5], "A new paragraph inserted.", *base[5:]],
        base[:3] + base[4:],
        [*base[:7], "- now a list\n- of two", *base[8:]],
        ["Start changed.", *base[1:]],
        [*base[:-1], "End changed [x](https://end.example/)."],
        base[:6],
        ["Only this."],
        base + base,
    ]
    for after in cases:
        assert_same_as_whole(html_of(base), html_of(after))


def test_markup_left_open_up_to_the_unchanged_end_asks_for_a_whole_read():
    before = "<p>one</p>\n<p>two</p>\n<p>three</p>\n"
    # A link or a block still open where the unchanged end starts: that end would not
    # read the same on its own.
    open_link = '<p>one</p>\n<a href="https://o.example/"><p>two</p>\n<p>three</p>\n'
    open_list = "<p>one</p>\n<ul><li>two</li>\n<p>three</p>\n"

    assert edited(before, open_link) is None
    assert edited(before, open_list) is None
    # Text outside any block is a paragraph of its own, as when read whole.
    assert_same_as_whole(before, "stray text\n<p>two</p>\n<p>three</p>\n")
    # Text that runs on from the unchanged start into the change reads as one piece.
    after = "<p>one</p>\nstray<p>two</p>\n<p>three</p>\n"
    assert edited(before, after) is None
    assert [p.text for p in content_from_html(after).paragraphs] == [
        "one",
        "\nstray",
        "two",
        "three",
    ]


def test_a_layout_that_does_not_fit_the_fingerprints_asks_for_a_whole_read():
    html = html_of(BLOCKS)
    old = content_from_html(html)

    assert content_after_edit(html, layout=old.layout, fingerprints=[]) is None
    assert content_after_edit(html, layout=Layout(), fingerprints=[]) is None


def test_a_stored_layout_reads_back_whole_and_one_it_cannot_read_as_empty():
    layout = content_from_html(html_of(BLOCKS)).layout
    stored = layout.pack()

    assert Layout.unpack(stored) == layout and len(layout) > 5
    # Its links come back too, as they were.
    assert Layout.unpack(stored).links == layout.links and any(layout.links)
    assert Layout.from_entries(layout.entries()) == layout
    # Cut short, or in a format this code does not know: read as no layout at all, so
    # the next edit reads the whole post.
    assert Layout.unpack(stored[:-40]) == Layout()
    assert Layout.unpack(stored[: 5 + 8 * len(layout)]) == Layout()
    # Cut exactly where the links start: not taken for a layout without links.
    assert Layout.unpack(stored[: 5 + 24 * len(layout)]) == Layout()
    # Links naming a chunk that is not there.
    links_at = 5 + 24 * len(layout)
    assert Layout.unpack(stored[:links_at] + b"[[-1,[]]]") == Layout()
    assert Layout.unpack(stored[:links_at] + b"[[99,[]]]") == Layout()
    without_links = content_from_html(html_of(["One.", "Two."])).layout
    assert Layout.unpack(without_links.pack()) == without_links and len(without_links) == 2
    assert Layout.unpack(b"\x02" + stored[1:]) == Layout()
    assert Layout.unpack(b"") == Layout() and Layout().pack() == b""


@settings(max_examples=150, deadline=None)
@given(
    before=st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=12),
    edits=st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from([*BLOCKS, "Edited words.", None])),
        min_size=1,
        max_size=3,
    ),
)
def test_any_edit_reads_the_same_as_reading_the_whole_post(before, edits):
    after = apply_edits(before, edits)
    assert_same_as_whole(html_of(before), html_of(after or ["x"]))


FRAGMENTS = [
    "<p>plain</p>\n",
    '<p>a <a href="https://p.example/">link</a> here</p>\n',
    "stray text ",
    '<a href="https://loose.example/">loose link</a>',
    "<ul>\n<li>item<ul>\n<li>inner</li>\n</ul></li>\n</ul>\n",
    "<blockquote>\n<p>quoted</p>\n</blockquote>\n",
    "<hr />\n",
    "<p>fish &amp; chips &lt;b&gt;</p>\n",
    "<div>loose <p>inner</p> tail</div>\n",
    "<table><tr><td>cell</td><td></td></tr></table>\n",
    "\n",
    # Markup left open, which the sanitiser never writes but reading must survive.
    "<p>",
    "</p>",
    "<li>dangling",
    "<a href='https://open.example'>",
    "</a>",
    '<p><a href="https://bücher.example/ß?q=€">Ünï</a></p>\n',
    '<a href="/ü">x</a><p>y</p>\n',
]


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10),
    edits=st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from([*FRAGMENTS, None])), min_size=1, max_size=3
    ),
)
def test_any_edit_of_any_markup_reads_the_same_or_asks_for_a_whole_read(before, edits):
    after = apply_edits(before, edits)
    before_html, after_html = "".join(before), "".join(after)
    if edited(before_html, after_html) is not None:
        assert_same_as_whole(before_html, after_html)
