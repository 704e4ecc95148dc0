"""A post's HTML becomes numbered paragraphs whose text and link offsets a moderator UI
can highlight exactly."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from forum.threads.rendering import render_markdown
from moderation.content import (
    _INLINE_NAMES,
    _INLINE_TAG,
    Link,
    Paragraph,
    PostContent,
    content_from_html,
    link_domain,
    normalize_domain,
    paragraph_fingerprint,
)


def texts(html: str) -> list[str]:
    return [paragraph.text for paragraph in content_from_html(html).paragraphs]


def test_leaf_blocks_are_paragraphs_in_document_order():
    html = "<h2>Title</h2>\n<p>One <em>two</em> three.</p>\n<pre><code>x = 1\n</code></pre>"
    content = content_from_html(html)

    assert [p.text for p in content.paragraphs] == ["Title", "One two three.", "x = 1\n"]
    assert [p.index for p in content.paragraphs] == [0, 1, 2]
    assert content.text == "Title\n\nOne two three.\n\nx = 1\n"


def test_nested_blockquotes_give_one_paragraph_per_inner_block():
    html = render_markdown("> outer\n>\n> > inner one\n> >\n> > inner two\n\nafter").html

    assert texts(html) == ["outer", "inner one", "inner two", "after"]


def test_tight_list_items_are_paragraphs_and_a_parent_item_keeps_its_own_text():
    html = render_markdown("- first\n  - nested\n- second").html

    assert [t.strip() for t in texts(html)] == ["first", "nested", "second"]


def test_loose_list_items_are_their_paragraphs():
    html = render_markdown("1. one\n\n   more of one\n\n2. two").html

    assert texts(html) == ["one", "more of one", "two"]


def test_every_table_cell_is_a_paragraph_even_an_empty_one():
    html = render_markdown("| a | b |\n|---|---|\n| x |   |\n").html

    assert texts(html) == ["a", "b", "x", ""]


def test_text_is_unescaped_and_br_adds_nothing_beyond_the_renderers_newline():
    html = render_markdown("fish &amp; chips <b> 1 < 2  \nnext line").html

    assert texts(html) == ["fish & chips <b> 1 < 2\nnext line"]


def test_text_outside_any_block_is_not_lost():
    assert texts("loose words <p>para</p> tail") == ["loose words ", "para", " tail"]


def test_links_carry_offsets_of_their_text_and_their_domain():
    html = render_markdown(
        "See [the report](https://News.Example.com:8443/a) and https://www.reuters.com/x or @alice."
    ).html
    paragraph = content_from_html(html).paragraphs[0]

    found = [(paragraph.text[link.start : link.end], link.domain) for link in paragraph.links]
    assert found == [
        ("the report", "news.example.com"),
        ("https://www.reuters.com/x", "www.reuters.com"),
        ("@alice", ""),
    ]


def test_post_links_are_every_paragraphs_links_in_order():
    html = "<p><a href='https://a.example/'>a</a></p><ul><li><a href='/b'>b</a></li></ul>"

    assert [link.href for link in content_from_html(html).links] == ["https://a.example/", "/b"]


def test_an_attribute_holding_a_closing_bracket_does_not_end_the_tag():
    html = '<p><a title="a > b" href="https://x.example/">link</a> after</p>'

    content = content_from_html(html)
    assert texts(html) == ["link after"]
    assert content.links[0].domain == "x.example"


def test_exactly_the_inline_tags_are_dropped_whatever_their_case_or_attributes():
    # The dropping regex spells the names grouped by prefix; it must drop these and no
    # other tag, such as a longer or shorter name sharing their letters.
    near_misses = ["p", "a", "li", "h1", "pre", "sx", "strongx", "st", "su", "bb", "brr",
                   "im", "image", "spa", "sa", "abb", "blockquote", "ul", "table"]  # fmt: skip
    for name in [*_INLINE_NAMES, *near_misses]:
        for spelled in (name, name.upper(), name.title()):
            for tag in (f"<{spelled}>", f"</{spelled}>", f"<{spelled} />", f"<{spelled}/>",
                        f'<{spelled}\tclass="a>b" title=\'c>d\'>'):  # fmt: skip
                dropped = _INLINE_TAG.sub("", f"x{tag}y") == "xy"
                assert dropped == (name in _INLINE_NAMES), tag
    # A name with no end, or an attribute quote never closed, is no tag to drop.
    for text in ["<b", "<bx", '<b title="x>', "<b\n"]:
        assert _INLINE_TAG.sub("", text) == text


def test_link_domains_follow_what_a_browser_would_open():
    assert link_domain("https://user:pw@spam.example/a") == "spam.example"
    assert link_domain("http://xn--bcher-kva.example/") == "bücher.example"
    assert link_domain("HTTPS://WWW.SPAM.EXAMPLE./") == "www.spam.example"
    assert link_domain("https://sp%61m.example/") == "spam.example"
    assert link_domain("mailto:bob@Spam.Example?subject=hi") == "spam.example"
    assert link_domain("//cdn.example/x") == "cdn.example"
    assert link_domain("/u/alice/") == ""
    assert link_domain("https://evil.example\\@good.example/") == "evil.example"
    assert normalize_domain("Example.COM.") == "example.com"


def test_fingerprints_are_stable_and_change_with_the_text():
    assert paragraph_fingerprint("hello") == paragraph_fingerprint("hello")
    assert paragraph_fingerprint("hello") != paragraph_fingerprint("hello!")
    assert re.fullmatch(r"[0-9a-f]{32}", paragraph_fingerprint("hello"))


def test_paragraph_normalisation_is_computed_once():
    paragraph = Paragraph(index=0, text="Fr33 stuff")

    assert paragraph.normalized is paragraph.normalized
    assert paragraph.normalized.text == "free stuff"


def test_content_values_compare_by_their_paragraphs():
    one = PostContent((Paragraph(0, "a", (Link("/x", "", 0, 1),)),))
    two = PostContent((Paragraph(0, "a", (Link("/x", "", 0, 1),)),))

    assert one == two
    assert one.cached("k", lambda: 1) == 1
    assert one.cached("k", lambda: 2) == 1


class _TextContent(HTMLParser):
    """The reference: every text node as the standard library's parser decodes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


markdown_pieces = st.sampled_from(
    [
        "plain words", "*em*", "**strong**", "`code <x>`", "[link](https://a.example/?q=1&r=2)",
        "https://bare.example/path", "&amp; &lt; &#39; &copy;", "> quoted", "- item",
        "  - sub item", "1. first", "| a | b |\n|---|---|\n| c | d |", "```\npre <b>\n```",
        "# heading", "line  \nbreak", "@mention", "ﬁ ünïcödé ΑΒΓ", '"quotes" \'single\'',
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(markdown_pieces, st.sampled_from(["\n", "\n\n", " "])), max_size=12))
def test_no_text_is_lost_or_invented_compared_with_html_parser(pieces):
    source = "".join(piece + separator for piece, separator in pieces)
    html = render_markdown(source).html
    reference = _TextContent()
    reference.feed(html)
    reference.close()

    content = content_from_html(html)

    assert _squashed(content.text) == _squashed("".join(reference.chunks))
    for paragraph in content.paragraphs:
        for link in paragraph.links:
            assert 0 <= link.start <= link.end <= len(paragraph.text)
