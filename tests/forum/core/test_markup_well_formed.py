"""Property: whatever anyone sends, the stored HTML is well-formed (every element closed,
in order; no stray '<' that a browser could read as a tag) and uses only allow-listed
tags and attributes. The existing properties in test_sanitize.py and test_rendering.py
check the allow-list and idempotence; this one checks the structure."""

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, sanitize_html
from forum.threads.rendering import render_markdown

VOID = {"br", "hr"}


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if tag == "a" and name == "rel" and value == LINK_REL:
                continue  # set by the sanitiser itself on every link
            if name not in ALLOWED_ATTRIBUTES.get(tag, frozenset()):
                self.problems.append(f"attribute {name} on <{tag}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")

    def handle_pi(self, data):
        self.problems.append("processing instruction")

    def unknown_decl(self, data):
        self.problems.append("unknown declaration")


def assert_well_formed(html: str) -> None:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    assert not parser.problems, (parser.problems, html)
    assert not parser.open, (f"unclosed {parser.open}", html)


PIECES = st.sampled_from(
    [
        "<", ">", "</", "/>", "=", '"', "'", "&", "&amp;", "&#x3c;", "&lt;", " ", "\n", "\n\n",
        "a", "p", "script", "<p>", "</p>", "<b>", "</i>", "<a href='/x'>", "</a>", "<table>",
        "<tr>", "<td>", "<ul>", "<li>", "<ol start=2>", "<pre>", "<code>", "<!--", "-->",
        "<![CDATA[", "]]>", "<?xml", "<!DOCTYPE html>", "<svg><p>", "<math><mi>", "<template>",
        "<noscript>", "<select><option>", "<textarea>", "<img src=x onerror=y>", "<br/>",
        "# ", "> ", "- ", "1. ", "**", "_", "`", "```\n", "[x](javascript:y)", "<http://a.b>",
        "@ann", "| a | b |\n|---|---|\n", '[quote="ann, post:1"]\n', "[/quote]\n", "\u202e",
    ]
)  # fmt: skip
SOUP = st.lists(PIECES, max_size=50).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), SOUP))
def test_any_markdown_renders_to_well_formed_allow_listed_html(source):
    assert_well_formed(render_markdown(source).html)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), SOUP))
def test_any_html_sanitises_to_well_formed_allow_listed_html(html):
    assert_well_formed(sanitize_html(html))
