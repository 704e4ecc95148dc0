"""The renderer's linkify shortcut changes nothing it stores: linkify-it is only asked
about text that could hold a link, and the links found are exactly the ones stock
linkify-it finds. nh3 enforces the allow-list on attributes by itself too."""

import random
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt

from benchmarks.data import reply_markdown
from forum.core.sanitize import nh3_clean
from forum.threads import rendering
from tests.forum.threads.test_rendering import MARKDOWNISH


def _with_stock_linkify(source: str) -> rendering.RenderedPost:
    with mock.patch.object(rendering._MD, "linkify", LinkifyIt()):
        return rendering.render_markdown(source)


LINKISH = st.sampled_from(
    [
        "http://a.example", "https://b.example/p?q=1#f", "ftp://c.example", "//d.example/x",
        "mailto:e@f.example", "g@h.example", "www.i.example", "j.com", "k.org/path", "l.рф",
        "xn--80ak6aa92e.com", "m.co.uk", "1.2.3.4", "localhost:8000", "LOCALHOST", "WWW.N.IO",
        "o.p", "end.", "e.g.", "U.S.", "3.5", "a:b", "x@y", "@ann", "::", "//", ".", ":", "@",
        " ", "\n", "\n\n", "word", "(", ")", "[x](", "<", ">", "*", "_", "`", "\u212a", "\u017f",
    ]
)  # fmt: skip
LINKY_TEXT = st.lists(st.one_of(LINKISH, st.text(max_size=6)), max_size=40).map("".join)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p title="t" lang="en">x</p>', "<p>x</p>"),
        ('<h2 id="h-a" lang="en">x</h2>', '<h2 id="h-a">x</h2>'),
        (
            '<a href="/x" title="t" lang="en">x</a>',
            '<a href="/x" title="t" rel="nofollow ugc noopener noreferrer">x</a>',
        ),
    ],
)
def test_nh3_alone_allows_no_attribute_off_the_list(html, expected):
    # ammonia allows lang and title on every tag by default; bleach used to strip them.
    assert nh3_clean(html) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(LINKY_TEXT, MARKDOWNISH, st.text(max_size=200)))
@example("_//d.example/x_")  # stock's pretest says no to the block; its test would link
def test_the_quick_linkify_finds_the_links_stock_linkify_finds(source):
    assert rendering.render_markdown(source) == _with_stock_linkify(source)


def test_the_quick_linkify_finds_the_links_in_typical_replies():
    rng = random.Random(9)
    for _ in range(100):
        source = reply_markdown(rng, quote=("ann", 3)) + "\n\nSee www.example.org or a@b.io."
        assert rendering.render_markdown(source) == _with_stock_linkify(source)
    assert 'href="http://www.example.org"' in rendering.render_markdown(source).html
    assert 'href="mailto:a@b.io"' in rendering.render_markdown(source).html
