"""Markdown rendering for posts: the dialect, the forum extensions, and that nothing
hostile survives. No Django needed."""

import dataclasses
import re
import time
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from forum.threads.rendering import (
    EXCERPT_LENGTH,
    MAX_ATTRIBUTED_POSTS,
    MAX_ATTRIBUTED_QUOTES,
    MAX_MENTIONS,
    QuotedPost,
    RenderedPost,
    quotable_text,
    render_markdown,
    text_excerpt,
)

REL = 'rel="nofollow ugc noopener noreferrer"'


class _ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _ElementCollector:
    collector = _ElementCollector()
    collector.feed(html)
    collector.close()
    return collector


def html_of(source: str) -> str:
    return render_markdown(source).html


def hrefs(html: str) -> list[str | None]:
    return [attrs.get("href") for tag, attrs in parse(html).elements if tag == "a"]


# ------------------------------------------------------------------- the dialect


def test_headings_get_unique_prefixed_ids_and_a_table_of_contents():
    post = render_markdown("# Intro\n\n## Intro\n\nSetext\n======\n\n### Intro\n\n#### Café & Co!")
    assert '<h1 id="h-intro">Intro</h1>' in post.html
    assert '<h2 id="h-intro-2">Intro</h2>' in post.html
    assert '<h1 id="h-setext">Setext</h1>' in post.html
    assert '<h3 id="h-intro-3">Intro</h3>' in post.html
    assert '<h4 id="h-cafe-co">Café &amp; Co!</h4>' in post.html
    assert post.headings == (
        (1, "Intro", "h-intro"),
        (2, "Intro", "h-intro-2"),
        (1, "Setext", "h-setext"),
        (3, "Intro", "h-intro-3"),
        (4, "Café & Co!", "h-cafe-co"),
    )


def test_heading_ids_stay_unique_even_when_a_suffix_is_written_out():
    post = render_markdown("# a\n# a\n# a-2\n# a\n# 日本語\n# ***\n#\n# `code` *em*")
    ids = [anchor for _, _, anchor in post.headings]
    assert len(ids) == len(set(ids))
    assert ids[:4] == ["h-a", "h-a-2", "h-a-2-2", "h-a-3"]
    assert ids[4] == "h-section"  # nothing ASCII to make a slug from
    assert post.headings[-1] == (1, "code em", "h-code-em")
    assert all(re.fullmatch(r"h-[a-z0-9-]+", anchor) for anchor in ids)


def test_block_quotes_and_lists():
    html = html_of("> quoted\n> still\n\n- a\n- b\n  1. nested\n\n3. three\n4. four")
    assert "<blockquote>\n<p>quoted\nstill</p>\n</blockquote>" in html
    assert "<ul>\n<li>a</li>\n<li>b\n<ol>\n<li>nested</li>\n</ol>\n</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>' in html


def test_tables_carry_alignment_as_classes_not_styles():
    html = html_of("| l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |")
    assert "style" not in html
    assert '<th class="align-left">l</th>' in html
    assert '<th class="align-center">c</th>' in html
    assert '<th class="align-right">r</th>' in html
    assert "<th>n</th>" in html
    assert '<td class="align-right">3</td>' in html
    assert "<td>4</td>" in html


def test_code_is_escaped_and_loses_its_language_class():
    html = html_of('```html\n<script>alert("x")</script>\n```\n\nuse `<b>` & `a && b`')
    assert '<pre><code>&lt;script&gt;alert("x")&lt;/script&gt;\n</code></pre>' in html
    assert "<code>&lt;b&gt;</code> &amp; <code>a &amp;&amp; b</code>" in html
    assert "language-" not in html
    indented = html_of("    <i>indented</i>")
    assert indented == "<pre><code>&lt;i&gt;indented&lt;/i&gt;\n</code></pre>\n"


def test_raw_html_in_the_source_is_shown_as_text():
    html = html_of('<div onclick="x">hi</div>\n\ntext <b>bold</b>')
    assert "<div" not in html and "<b>" not in html
    # Quotes need no escaping in text, and html5ever (nh3, last) does not escape them.
    assert '&lt;div onclick="x"&gt;hi&lt;/div&gt;' in html
    assert "text &lt;b&gt;bold&lt;/b&gt;" in html


def test_every_link_has_the_forum_rel():
    html = html_of(
        '[site](https://example.com "Title") [rel](/p/1/) [frag](#h-x) '
        "[mail](mailto:a@example.com) <https://auto.example> https://bare.example @ann"
    )
    links = [attrs for tag, attrs in parse(html).elements if tag == "a"]
    assert len(links) == 7
    assert all(link["rel"] == "nofollow ugc noopener noreferrer" for link in links)
    assert links[0]["title"] == "Title"


def test_bare_urls_and_addresses_are_linkified():
    html = html_of("see https://example.com/a?b=1&c=2, www.example.org and ann@example.com.")
    assert hrefs(html) == [
        "https://example.com/a?b=1&c=2",
        "http://www.example.org",
        "mailto:ann@example.com",
    ]
    assert ">https://example.com/a?b=1&amp;c=2</a>," in html


def test_urls_inside_code_or_links_are_not_linkified_again():
    html = html_of("`https://in.code` [text https://in.link](https://target.example)")
    assert hrefs(html) == ["https://target.example"]


def test_strikethrough():
    assert html_of("~~gone~~ kept") == "<p><s>gone</s> kept</p>\n"


def test_only_web_links_relative_paths_and_fragments_become_links():
    html = html_of("[a](/x) [b](#y) [c](//cdn.example/z) [d](relative/path) [e](ftp://f.example)")
    assert hrefs(html) == ["/x", "#y", "//cdn.example/z"]
    assert "[d](relative/path) [e](ftp://f.example)" in html


# ---------------------------------------------------------------------- images


def test_images_become_links_labelled_with_their_alt_text():
    html = html_of('![a *chart*](https://img.example/c.png "Chart") ![](https://img.example/d.png)')
    assert "<img" not in html
    assert (
        f'<a href="https://img.example/c.png" title="Chart" {REL}>a chart</a> '
        f'<a href="https://img.example/d.png" {REL}>https://img.example/d.png</a>'
    ) in html


def test_an_image_inside_a_link_leaves_only_its_words():
    html = html_of("[![badge](https://img.example/b.svg)](https://target.example)")
    assert html == f'<p><a href="https://target.example" {REL}>badge</a></p>\n'


@pytest.mark.parametrize(
    "source",
    [
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "![x](javascript:alert(1))",
        "![x][ref]\n\n[ref]: data:image/gif;base64,R0lGOD",
    ],
)
def test_data_and_script_images_are_not_links_at_all(source):
    html = html_of(source)
    assert hrefs(html) == []
    assert "<img" not in html


# -------------------------------------------------------------------- mentions


def test_mentions_link_to_profiles_and_are_collected():
    post = render_markdown("Thanks @Ann and @bob_smith, also @ann again (cc @c.d-e).")
    assert post.mentions == ("ann", "bob_smith", "c.d-e")
    assert f'<a class="mention" href="/u/ann/" {REL}>@Ann</a>' in post.html
    assert f'<a class="mention" href="/u/c.d-e/" {REL}>@c.d-e</a>).' in post.html


def test_mention_urls_come_from_the_caller():
    post = render_markdown("hi @Ann", mention_url=lambda name: f"/people/{name}")
    assert f'<a class="mention" href="/people/ann" {REL}>@Ann</a>' in post.html


@pytest.mark.parametrize(
    "source",
    [
        "`@ann`",
        "```\n@ann\n```",
        "    @ann in an indented code block",
        "[@ann](https://example.com)",
        "<https://example.com/@ann>",
        "https://example.com/@ann",
        "mail ann@example.com",
        "first.last@example.com",
        "me+tag@example.com",
        "@ann@mastodon.example",
        "\\@ann",
        "@" + "a" * 31,
        "@.ann",
        "@ @ @",
    ],
)
def test_text_that_is_not_a_mention(source):
    post = render_markdown(source)
    assert post.mentions == ()
    assert 'class="mention"' not in post.html


def test_mentions_end_before_sentence_punctuation():
    post = render_markdown("ask @ann. Or @bob-. Or @carol...")
    assert post.mentions == ("ann", "bob", "carol")


def test_mentions_in_headings_tables_and_emphasis():
    post = render_markdown("## Ask @ann\n\n| who |\n|-----|\n| @bob |\n\n*@carol* **@dan**")
    assert post.mentions == ("ann", "bob", "carol", "dan")
    assert post.headings == ((2, "Ask @ann", "h-ask-ann"),)


def test_mentions_are_capped_for_the_caller_but_all_linked():
    source = " ".join(f"@user{n}" for n in range(MAX_MENTIONS + 10))
    post = render_markdown(source)
    assert len(post.mentions) == MAX_MENTIONS
    assert post.mentions[-1] == f"user{MAX_MENTIONS - 1}"
    assert post.html.count('class="mention"') == MAX_MENTIONS + 10


def test_mentions_inside_quoted_text_are_linked_but_not_collected():
    post = render_markdown('[quote="ann, post:3"]\nhey @bob\n[/quote]\n\nthanks @carol')
    assert post.mentions == ("carol",)
    assert f'<a class="mention" href="/u/bob/" {REL}>@bob</a>' in post.html


# ---------------------------------------------------------------------- quotes


class Posts:
    """A lookup of quoted posts for render_markdown: `Posts(12=("ann", "<p>html</p>"))`,
    remembering what it was asked."""

    def __init__(self, **posts: tuple[str, str]) -> None:
        self.posts = {
            int(pk.lstrip("p")): QuotedPost(username=author, text=quotable_text(html))
            for pk, (author, html) in posts.items()
        }
        self.asked: list[tuple[int, ...]] = []

    def __call__(self, post_ids):
        self.asked.append(tuple(post_ids))
        return {pk: self.posts[pk] for pk in post_ids if pk in self.posts}


def test_quote_with_attribution_and_post_link():
    posts = Posts(p12=("Analyst", "<p>First <em>para</em>.</p>\n<p>Second.</p><p>Third.</p>"))
    post = render_markdown(
        '[quote="analyst, post:12"]\nFirst *para*.\n\nSecond.\n[/quote]', quoted_posts=posts
    )
    assert post.html == (
        '<blockquote class="quote" data-post="12">\n'
        f'<p class="quote-attribution"><a class="mention" href="/u/analyst/" {REL}>@Analyst</a>'
        f' <a href="/p/12/" {REL}>wrote</a>:</p>\n'
        "<p>First <em>para</em>.</p>\n<p>Second.</p>\n</blockquote>\n"
    )
    assert post.quoted_post_ids == (12,)
    assert post.mentions == ()
    assert posts.asked == [(12,)]


UNATTRIBUTED = '<blockquote class="quote">\n<p>{}</p>\n</blockquote>\n'


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ('[quote="admin, post:5"]\nI never wrote this.\n[/quote]', "not in the post"),
        ('[quote="admin, post:5"]\nrules app\n[/quote]', "a word cut short"),
        ('[quote="admin, post:5"]\nThe rules apply. Be kind.\n[/quote]', "words left out"),
        ('[quote="someone, post:5"]\nThe rules apply\n[/quote]', "another author"),
        ('[quote="admin, post:6"]\nThe rules apply\n[/quote]', "a post nobody may read"),
        ('[quote="admin"]\nThe rules apply\n[/quote]', "no post named"),
    ],
)
def test_a_quote_not_found_in_its_post_is_shown_unattributed(source, why):
    posts = Posts(p5=("admin", "<p>The rules apply to everyone.</p><p>Be kind.</p>"))

    post = render_markdown(source, quoted_posts=posts)

    text = source.split("\n")[1]
    assert post.html == UNATTRIBUTED.format(text), why
    assert post.quoted_post_ids == ()


def test_a_quote_cannot_stitch_a_post_out_of_order():
    posts = Posts(p5=("admin", "<p>Do not spam.</p><p>Rules matter.</p>"))

    stitched = render_markdown(
        '[quote="admin, post:5"]\nRules matter.\n\nDo not spam.\n[/quote]', quoted_posts=posts
    )
    in_order = render_markdown(
        '[quote="admin, post:5"]\nDo not spam.\n\nRules matter.\n[/quote]', quoted_posts=posts
    )

    assert stitched.quoted_post_ids == () and "quote-attribution" not in stitched.html
    assert in_order.quoted_post_ids == (5,)


def test_a_quote_of_a_selection_is_found_across_formatting_and_lines():
    posts = Posts(
        p5=(
            "ann",
            '<h2 id="h-x">Heading</h2>\n<p>Some <strong>bold</strong> claim\nacross lines'
            ' and <a href="/u/bob/">@bob</a>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n'
            "<pre><code>x = 1\n</code></pre>\n",
        )
    )
    source = (
        '[quote="ann, post:5"]\nHeading\n\nSome bold claim across lines and @bob.\n\n'
        "- one\n- two\n\n```\nx = 1\n```\n[/quote]"
    )
    skipping = '[quote="ann, post:5"]\nHeading\n\nbold claim\n[/quote]'

    assert render_markdown(source, quoted_posts=posts).quoted_post_ids == (5,)
    assert render_markdown(skipping, quoted_posts=posts).quoted_post_ids == ()


def test_a_quote_of_a_whole_post_leaves_its_quotes_of_others_out():
    quoting = Posts(
        p7=(
            "bob",
            "<p>Before.</p>\n"
            '<blockquote class="quote" data-post="3"><p class="quote-attribution">@ann wrote:</p>'
            "<p>Quoted words.</p>"
            "<blockquote><p>deeper</p></blockquote></blockquote>\n<p>After.</p>",
        )
    )

    assert quotable_text(next(iter(quoting.posts.values())).text) == "Before. After."
    whole = render_markdown(
        '[quote="bob, post:7"]\nBefore.\n\nAfter.\n[/quote]', quoted_posts=quoting
    )
    assert whole.quoted_post_ids == (7,)
    borrowed = render_markdown(
        '[quote="bob, post:7"]\nQuoted words.\n[/quote]', quoted_posts=quoting
    )
    assert borrowed.quoted_post_ids == ()


def test_an_empty_quote_vouches_for_nothing():
    posts = Posts(p5=("ann", "<p>Anything.</p>"))

    post = render_markdown('[quote="ann, post:5"]\n\n[/quote]', quoted_posts=posts)

    assert post.quoted_post_ids == () and "quote-attribution" not in post.html


def test_quoted_posts_are_looked_up_once_and_at_most_a_bounded_number():
    source = "".join(f'[quote="ann, post:{n}"]\nwords\n[/quote]\n\n' for n in range(1, 60))
    posts = Posts(**{f"p{n}": ("ann", "<p>words</p>") for n in range(1, 60)})

    post = render_markdown(source, quoted_posts=posts)

    assert posts.asked == [tuple(range(1, MAX_ATTRIBUTED_POSTS + 1))]
    assert post.quoted_post_ids == tuple(range(1, MAX_ATTRIBUTED_POSTS + 1))
    assert post.html.count('<blockquote class="quote"') == 59


def test_at_most_a_bounded_number_of_quotes_are_searched_for():
    source = '[quote="ann, post:1"]\nwords\n[/quote]\n\n' * (MAX_ATTRIBUTED_QUOTES + 10)

    post = render_markdown(source, quoted_posts=Posts(p1=("ann", "<p>words</p>")))

    assert post.html.count("quote-attribution") == MAX_ATTRIBUTED_QUOTES
    assert post.quoted_post_ids == (1,)


def test_searching_a_long_post_for_a_long_quote_stays_linear():
    # Every position of "aaa…" would start a near match of "aaa…": a search that tried
    # each one would take minutes.
    posts = Posts(p1=("ann", "<p>" + "a" * 200_000 + "</p>"))
    source = '[quote="ann, post:1"]\n' + "a" * 100_000 + "\n[/quote]"

    started = time.perf_counter()
    post = render_markdown(source, quoted_posts=posts)

    assert time.perf_counter() - started < 5
    assert post.quoted_post_ids == ()


def test_without_a_lookup_no_quote_is_attributed_and_none_is_asked_for():
    assert html_of('[quote="ann, post:3"]\nhello\n[/quote]') == UNATTRIBUTED.format("hello")
    asked = Posts()
    render_markdown("no quotes here", quoted_posts=asked)
    assert asked.asked == []


def test_quote_post_urls_come_from_the_caller():
    source = '[quote="ann, post:7"]\nx\n[/quote]'
    posts = Posts(p7=("ann", "<p>x</p>"))
    html = render_markdown(source, post_url=lambda n: f"/t/1#p{n}", quoted_posts=posts).html
    assert f'<a href="/t/1#p7" {REL}>wrote</a>' in html


def test_nested_quotes_and_quoted_ids():
    source = (
        'Intro\n[quote="ann, post:12"]\nouter\n[quote="bob, post:5"]\ninner\n[/quote]\n'
        'outer again\n[/quote]\n[quote="carol, post:12"]\nagain\n[/quote]'
    )
    posts = Posts(p12=("ann", "<p>outer outer again</p>"), p5=("bob", "<p>inner</p>"))
    post = render_markdown(source, quoted_posts=posts)
    assert post.quoted_post_ids == (12, 5)
    assert posts.asked == [(12, 5)]
    assert post.html.count('<blockquote class="quote"') == 3
    assert post.html.count("quote-attribution") == 2  # carol did not write post 12
    outer = post.html.index('data-post="12"')
    inner = post.html.index('data-post="5"')
    assert outer < post.html.index("outer") < inner < post.html.index("inner")
    assert post.html.index("inner") < post.html.index("outer again")
    assert post.html.startswith("<p>Intro</p>\n")


def test_quote_inside_a_list_item_and_a_block_quote():
    listed = html_of('- item\n\n  [quote="ann"]\n  inside\n  [/quote]\n- next')
    assert '<li>\n<p>item</p>\n<blockquote class="quote">' in listed
    assert "<p>inside</p>\n</blockquote>\n</li>\n<li>\n<p>next</p>" in listed
    nested = html_of('> [quote="ann"]\n> inside\n> [/quote]')
    assert nested.startswith('<blockquote>\n<blockquote class="quote">')


@pytest.mark.parametrize(
    "source",
    [
        '[quote="ann, post:12"]\nnever closed',
        '[quote="ann, post:12"]\ntext\n[quote="bob"]\nonly the inner one closes\n',
        "[quote=ann]\nunquoted name\n[/quote]",
        '[quote="a b"]\nspace in name\n[/quote]',
        '[quote="ann, post:x"]\nbad id\n[/quote]',
        '    [quote="ann"]\n    indented code\n    [/quote]',
        '```\n[quote="ann"]\n```\n[/quote]',
    ],
)
def test_malformed_or_unclosed_quotes_stay_text(source):
    post = render_markdown(source)
    if "only the inner one closes" not in source:
        assert 'class="quote"' not in post.html
        assert post.quoted_post_ids == ()
    assert "[quote=" in post.html


def test_an_unclosed_outer_quote_keeps_its_closed_inner_quote():
    posts = Posts(p1=("ann", "<p>outer</p>"), p2=("bob", "<p>inner</p>"))
    post = render_markdown(
        '[quote="ann, post:1"]\nouter\n[quote="bob, post:2"]\ninner\n[/quote]', quoted_posts=posts
    )
    assert post.quoted_post_ids == (2,)
    assert '[quote="ann, post:1"]' in html_of('[quote="ann, post:1"]\nouter')


def test_quote_attribution_is_escaped_and_limited():
    html = html_of(
        '[quote="<script>, post:1"]\nx\n[/quote]\n\n[quote="a\\" onload=\\"x"]\ny\n[/quote]'
    )
    assert 'class="quote"' not in html
    assert "<script" not in html


# --------------------------------------------------------------- hostile input

HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<p OnMouseOver=alert(1)>x</p>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](vbscript:msgbox(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    '<https://ok.example/"onmouseover="alert(1)>',
    "https://ok.example/<script>alert(1)</script>",
    "# <img src=x onerror=alert(1)>",
    "| <script>alert(1)</script> |\n|---|\n| <img src=x onerror=alert(1)> |",
    '```js" onload="alert(1)\nx\n```',
    "@<script>alert(1)</script> @a<img src=x onerror=alert(1)>",
    '[quote="<img src=x onerror=alert(1)>, post:1"]\nx\n[/quote]',
    '[quote="ann, post:1"]\n<script>alert(1)</script>\n[x](javascript:alert(1))\n[/quote]',
    "<\u017fcript>alert(1)</\u017fcript>",
    '[x](j\u0430vascript:alert(1)) <a href="j\u0430vascript:alert(1)">cyrillic</a>',
    "\u202e<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<img src=x onerror=alert(1)>-->",
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "form", "base", "meta", "link",
    "svg", "math", "img", "input", "button", "noscript", "body", "template",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<object", "<embed", "<style", "<form", "<img"):
        assert tag not in lowered, html
    for tag, attrs in parse(html).elements:
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs.items():
            assert not re.fullmatch(r"on\w+", name), html
            if name in ("href", "src") and value is not None:
                assert not URL_NOISE.sub("", value).lower().startswith(BAD_SCHEMES), html


def assert_allow_listed(html: str) -> None:
    for tag, attrs in parse(html).elements:
        assert tag in ALLOWED_TAGS, html
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, html


@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_hostile_markdown_renders_harmless(source):
    html = html_of(source)
    assert_harmless(html)
    assert_allow_listed(html)


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "[x](vbscript:msgbox(1))",
    ],
)
def test_refused_links_stay_visible_as_text(source):
    html = html_of(source)
    assert "<a" not in html
    assert "](" in html


# ----------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "source",
    [
        ">" * 10_000 + " deep",
        "> " * 10_000 + "deep",
        "[" * 10_000 + "x",
        "]" * 10_000,
        "[x](" * 10_000,
        "*" * 10_000 + "x" + "*" * 10_000,
        "_a" * 10_000,
        "- " * 10_000 + "x",
        "".join("  " * depth + "- x\n" for depth in range(500)),
        "1. " * 5_000,
        "`" * 10_000,
        "![" * 10_000,
        '[quote="a"]\n' * 5_000,
        '[quote="a"]\n' * 200 + "core\n" + "[/quote]\n" * 200,
        "|" * 10_000,
        "@" * 10_000,
        "#" * 10_000,
        "\\" * 10_000,
        "&#" * 5_000,
        "<" * 10_000,
    ],
)
def test_deep_or_degenerate_input_does_not_crash(source):
    post = render_markdown(source)
    assert sanitize_html(post.html) == post.html


def test_nesting_past_the_limit_drops_the_excess_instead_of_recursing():
    post = render_markdown("> " * 100 + "too deep")
    assert post.html.count("<blockquote>") <= 20
    quotes = render_markdown('[quote="a"]\n' * 40 + "core\n" + "[/quote]\n" * 40).html
    assert quotes.count('<blockquote class="quote"') <= 20


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a\x00b", "<p>a\ufffdb</p>\n"),
        ("\x00", "<p>\ufffd</p>\n"),
        ("a\ud800b", "<p>a\ufffdb</p>\n"),
        ("[x](/\udfff)", f'<p><a href="/%EF%BF%BD" {REL}>x</a></p>\n'),
        ("a\r\nb\rc", "<p>a\nb\nc</p>\n"),
        ("", ""),
        ("   \n\t\n", ""),
    ],
)
def test_odd_characters_do_not_crash(source, expected):
    assert html_of(source) == expected


def test_rendered_post_is_an_immutable_value():
    post = render_markdown("# t\n\n@ann")
    assert isinstance(post, RenderedPost)
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.html = "<script>"  # type: ignore[misc]


# ------------------------------------------------------------------- long form

LONG_SECTION = """\
## Section {n}: findings

Some *analysis* of **item {n}**, see https://example.com/{n} and ask @analyst{m}.
A second line with `code {n}`, ~~old~~ text and [a link](/p/{n}/).

> A block quote for {n}
> that continues.

[quote="reviewer, post:{n}"]
Quoted text from post {n}, with a list:

- one
- two
[/quote]

| metric | value |
|:-------|------:|
| a{n}   | {n}   |
| b{n}   | {n}0  |

1. first
2. second
   - nested

```
code block {n} <not html>
```

END-OF-SECTION-{n}
"""


def long_form_document(min_length: int = 100_000) -> tuple[str, int]:
    sections: list[str] = []
    length = 0
    while length < min_length:
        section = LONG_SECTION.format(n=len(sections), m=len(sections) % 7)
        sections.append(section)
        length += len(section) + 1
    return "\n".join(sections), len(sections)


def test_a_long_form_post_renders_completely():
    source, count = long_form_document()
    assert len(source) >= 100_000
    reviewed = Posts(
        **{
            f"p{n}": (
                "reviewer",
                f"<p>Quoted text from post {n}, with a list:</p><ul><li>one</li><li>two</li></ul>",
            )
            for n in range(count)
        }
    )
    post = render_markdown(source, quoted_posts=reviewed)
    last = count - 1
    assert f"END-OF-SECTION-{last}" in post.html
    assert post.html.count("END-OF-SECTION-") == count
    assert len(post.headings) == count
    assert post.headings[-1] == (2, f"Section {last}: findings", f"h-section-{last}-findings")
    assert post.quoted_post_ids == tuple(range(MAX_ATTRIBUTED_POSTS))
    assert post.mentions == tuple(f"analyst{m}" for m in range(7))
    assert post.html.count("<table>") == count
    assert "&lt;not html&gt;" in post.html


# ------------------------------------------------------------------- properties

MARKDOWN_PIECES = st.sampled_from(
    [
        "a", "word", " ", "\n", "\n\n", "\t", "    ", "#", "## ", ">", "> ", "-", "- ", "* ",
        "1. ", "*", "**", "_", "~~", "`", "```", "~~~", "[", "]", "(", ")", "![", "<", ">",
        "&", "&amp;", "&#", ";", '"', "'", "\\", "|", "|-|", ":--", "@", "@ann", "ann@x.co",
        "http://x.example/a", "www.x.example", "mailto:", "javascript:alert(1)", "data:",
        '[quote="ann, post:1"]\n', '[quote="bob"]\n', "[/quote]\n", "<script>", "<img src=x>",
        "onerror=", "\x00", "\u00a0", "é", "日本", "\u202e",
    ]
)  # fmt: skip
MARKDOWNISH = st.lists(MARKDOWN_PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), MARKDOWNISH))
def test_any_text_renders_to_stable_allow_listed_html(source):
    post = render_markdown(source)
    assert_allow_listed(post.html)
    assert_harmless(post.html)
    assert sanitize_html(post.html) == post.html
    assert len(post.mentions) == len(set(post.mentions)) <= MAX_MENTIONS
    ids = [anchor for _, _, anchor in post.headings]
    assert len(ids) == len(set(ids))


def test_an_excerpt_is_the_posts_own_words_cut_with_an_ellipsis():
    html = render_markdown(
        '[quote="other, post:1"]\nTheir words.\n[/quote]\n\nMy **own** words &amp; more.'
    ).html

    assert text_excerpt(html) == "My own words & more."
    assert text_excerpt(html, length=12) == "My own word…"
    assert len(text_excerpt("<p>" + "x" * 500 + "</p>")) == EXCERPT_LENGTH
