"""The HTML allow-list: each sanitiser alone stops the hostile corpus, and together
they keep exactly what the renderer is allowed to emit. No Django needed."""

import re
import threading
from html.parser import HTMLParser

import bleach
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.core import sanitize
from forum.core.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    bleach_clean,
    nh3_clean,
    sanitize_html,
)

REL = "nofollow ugc noopener noreferrer"

# Raw HTML as an attacker would type it. Each entry must come out harmless from
# bleach_clean alone, from nh3_clean alone, and from the two chained.
RAW_HTML_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x ONERROR=alert(1)",  # unclosed
    "<body onload=alert(1)>",
    "<BODY ONLOAD=alert(1)>text",
    '<div onmouseover="alert(1)">hover</div>',
    "<p OnMouseOver=alert(1)>x</p>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    '<a href="java&NewLine;script:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&#14;javascript:alert(1)">x</a>',
    '<a href="%6A%61vascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<math href="javascript:alert(1)">x</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<table><td background="javascript:alert(1)">x</td></table>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="javascript:alert(1)" <b>x</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    "<\u017fcript>alert(1)</\u017fcript>",  # long s: uppercases to S
    "<scr\u0130pt>alert(1)</scr\u0130pt>",  # dotted capital I
    '<a href="j\u0430vascript:alert(1)">cyrillic a</a>',
    '<a href="\u202ejavascript:alert(1)">rtl override</a>',
    '<blockquote class="quote" data-post="1 onclick=alert(1)">q</blockquote>',
    '<h1 id="location">clobber</h1>',
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "form", "base", "meta", "link",
    "svg", "math", "img", "input", "button", "textarea", "template", "noscript",
    "video", "audio", "source", "frame", "frameset", "applet", "details", "body",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# What browsers ignore inside a URL's scheme.
URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


class _ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<object", "<embed", "<style", "<form"):
        assert tag not in lowered, html
    for tag, attrs in elements(html):
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs:
            assert not re.fullmatch(r"on\w+", name), html
            if name in URL_ATTRIBUTES and value is not None:
                assert not URL_NOISE.sub("", value).lower().startswith(BAD_SCHEMES), html


def assert_allow_listed(html: str, *, rel_added: bool) -> None:
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
        if tag == "a" and rel_added:
            allowed = allowed | {"rel"}
        for name, _ in attrs:
            assert name in allowed, html


CLEANERS = [
    pytest.param(bleach_clean, id="bleach-alone"),
    pytest.param(nh3_clean, id="nh3-alone"),
    pytest.param(sanitize_html, id="both"),
]


@pytest.mark.parametrize("clean", CLEANERS)
@pytest.mark.parametrize("hostile", RAW_HTML_CORPUS)
def test_each_cleaner_alone_neutralises_the_hostile_corpus(clean, hostile):
    cleaned = clean(hostile)
    assert_harmless(cleaned)
    assert_allow_listed(cleaned, rel_added=clean is not bleach_clean)


def test_the_allow_list_is_what_the_renderer_needs():
    assert {"img", "style", "div", "span"}.isdisjoint(ALLOWED_TAGS)
    assert {"http", "https", "mailto"} == ALLOWED_PROTOCOLS
    assert not any("style" in names for names in ALLOWED_ATTRIBUTES.values())
    assert set(ALLOWED_ATTRIBUTES) <= ALLOWED_TAGS


def test_renderer_shaped_html_passes_unchanged_apart_from_rel():
    html = (
        '<h2 id="h-intro">Intro</h2>\n'
        '<blockquote class="quote" data-post="12">'
        '<p class="quote-attribution"><a class="mention" href="/u/ann/">@ann</a> '
        '<a href="/p/12/">wrote</a>:</p><p>quoted</p></blockquote>\n'
        '<ol start="3"><li><strong>b</strong> <em>i</em> <del>d</del> <s>s</s> '
        "<code>c</code> x<sup>2</sup> H<sub>2</sub>O</li></ol>\n"
        '<table><thead><tr><th class="align-left">a</th><th class="align-right">b</th>'
        '</tr></thead><tbody><tr><td class="align-center">1</td><td>2</td></tr></tbody>'
        "</table>\n<pre><code>x &lt; y</code></pre>\n<hr>\n<p>line<br>break</p>"
    )
    expected = re.sub(r"(<a [^>]*)>", rf'\1 rel="{REL}">', html)
    assert sanitize_html(html) == expected


def test_every_link_gets_the_forum_rel_replacing_the_authors():
    cleaned = sanitize_html('<a href="https://x.example" rel="opener">x</a><a>y</a>')
    rels = [dict(attrs).get("rel") for tag, attrs in elements(cleaned) if tag == "a"]
    assert rels == [REL, REL]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<a class="mention" href="/u/a/">a</a>',
            f'<a class="mention" href="/u/a/" rel="{REL}">a</a>',
        ),
        ('<a class="button" href="/u/a/">a</a>', f'<a href="/u/a/" rel="{REL}">a</a>'),
        ('<a class="mention button">a</a>', f'<a rel="{REL}">a</a>'),
        ('<p class="quote">x</p>', "<p>x</p>"),
        ('<td class="align-left">x</td>', "x"),  # a lone cell is not even a table
        ('<h3 id="h-a-b-2">x</h3>', '<h3 id="h-a-b-2">x</h3>'),
        ('<h3 id="location">x</h3>', "<h3>x</h3>"),
        ('<h3 id="h-A B">x</h3>', "<h3>x</h3>"),
        ('<blockquote data-post="42">x</blockquote>', '<blockquote data-post="42">x</blockquote>'),
        ('<blockquote data-post="4x">x</blockquote>', "<blockquote>x</blockquote>"),
        ('<ol start="-1"><li>x</li></ol>', "<ol><li>x</li></ol>"),
        ('<p id="h-x" title="t">x</p>', "<p>x</p>"),
        ('<img src="https://tracker.example/p.gif">', ""),
        ("a<!-- comment -->b", "ab"),
    ],
)
def test_attribute_values_are_allow_listed_too(html, expected):
    assert sanitize_html(html) == expected


def test_class_lists_differ_between_the_two_cleaners_alone():
    # bleach can only keep or drop an attribute; nh3 filters the class list.
    html = '<a class="mention evil">x</a>'
    assert 'class="mention"' in nh3_clean(html)
    assert "class" not in bleach_clean(html)


def test_nh3_drops_script_text_while_bleach_keeps_it_as_text():
    assert nh3_clean("<script>alert(1)</script>ok") == "ok"
    assert bleach_clean("<script>alert(1)</script>ok") == "alert(1)ok"


def test_text_is_escaped_not_interpreted():
    assert sanitize_html("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"


def test_lone_surrogates_do_not_crash():
    assert sanitize_html("a\ud800b<p>\udfff</p>") == "a\ufffdb<p>\ufffd</p>"


def test_bleach_cleaner_is_per_thread():
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(bleach_clean("<b>x</b><em>y</em>")))
    worker.start()
    worker.join()
    assert results == ["x<em>y</em>"]


# The bleach Cleaner walks its tree with a linear walker instead of html5lib's stock
# one; it must yield exactly what stock bleach yields with the same allow-list.
def stock_bleach(html: str) -> str:
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=sanitize._bleach_attribute_allowed,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


WIDE_AND_DEEP = [
    "<table><tbody>" + "<tr><td>a</td><td><em>b</em>c</td></tr>" * 500 + "</tbody></table>",
    "<ul>" + "<li>x<strong>y</strong>z</li>" * 500 + "</ul>",
    "<blockquote>" * 30 + "<p>deep <em>text</em> tail</p>" + "</blockquote>" * 30,
    "<p>" + "<a href='/u/x/'>@x</a> and " * 500 + "</p>",
    "<div><p>a<b>b</b>c<i>d</i></p>tail<ul><li>x<li>y</ul>t2</div>end",
    "<ol><li><ol><li><p>deep</p>t</li></ol>t</li><li>q</li></ol>tail",
    "text only",
]


@pytest.mark.parametrize("html", WIDE_AND_DEEP + RAW_HTML_CORPUS)
def test_linear_walker_matches_stock_bleach(html):
    assert bleach_clean(html) == stock_bleach(html)


HTML_PIECES = st.sampled_from(
    [
        "<", ">", "</", "/>", "=", '"', "'", "&", "&amp;", "&lt;", "&#", ";", " ", "\n",
        "\u00a0", "a", "b", "p", "script", "svg", "href=", "javascript:", "http://x.example",
        "<p>", "</p>", "<a href='/x'>", "</a>", "<table>", "<tr>", "<td>", "</td>",
        "<ul>", "<li>", "<ol start=3>", "<h1 id=h-x>", "<blockquote class=quote data-post=1>",
        "<code>", "<pre>", "<em>", "</em>", "<!--", "-->", "<img src=x onerror=y>",
        "<noscript>", "<style>", "<select>", "<textarea>", "<math>", "<svg>", "<br>",
    ]
)  # fmt: skip
HTML_SOUP = st.lists(HTML_PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTML_SOUP)
def test_sanitising_is_idempotent_and_allow_listed(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once
    assert_allow_listed(once, rel_added=True)
    assert_harmless(once)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTML_SOUP)
def test_linear_walker_matches_stock_bleach_on_soup(html):
    assert bleach_clean(html) == stock_bleach(html)
