"""Footnotes in posts: references and notes survive the sanitiser exactly as the plugin
writes them, every post's ids are its own, and nothing in a note gets past it."""

import re
from html.parser import HTMLParser

import pytest

from forum.core.sanitize import bleach_clean, nh3_clean
from forum.threads import services
from forum.threads.models import Post
from forum.threads.rendering import footnote_prefix, render_markdown
from tests.factories import make_reply, make_thread

SOURCE = """An estimate[^est] from two sources[^2], the first again[^est].

[^est]: Planet Labs imagery, **October**.
[^2]: A [report](https://example.org/report).
"""


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []  # within the page
        self.links: list[str] = []  # every href

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "href" in attrs:
            self.links.append(attrs["href"])
        if (attrs.get("href") or "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])


def _ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def test_references_and_notes_are_rendered_and_linked_both_ways():
    html = render_markdown(SOURCE).html
    prefix = footnote_prefix(SOURCE)

    assert f'<sup class="footnote-ref"><a href="#fn-{prefix}-1" id="fnref-{prefix}-1"' in html
    assert '<hr class="footnotes-sep">' in html
    assert '<section class="footnotes">' in html
    assert '<ol class="footnotes-list">' in html
    assert f'<li id="fn-{prefix}-1" class="footnote-item">' in html
    assert f'<a href="#fnref-{prefix}-1" class="footnote-backref"' in html
    assert f'<a href="#fnref-{prefix}-1:1" class="footnote-backref"' in html
    assert "<strong>October</strong>" in html
    # Every back-link and reference lands on an element of the same post.
    found = _ids(html)
    assert found.hrefs and set(found.hrefs) <= set(found.ids)
    assert len(found.ids) == len(set(found.ids))


def test_inline_footnotes_are_notes_too():
    html = render_markdown("Said so.^[In the 2024 report.]").html

    assert 'class="footnote-ref"' in html
    assert "In the 2024 report." in html.split('<section class="footnotes">')[1]


def test_ids_differ_between_posts_so_a_page_of_many_posts_has_no_duplicates():
    posts = [render_markdown(f"Post {n} says[^1].\n\n[^1]: Note {n}.").html for n in range(50)]

    ids = [anchor for html in posts for anchor in _ids(html).ids]

    assert len(ids) == 100
    assert len(set(ids)) == len(ids)


def test_the_same_text_renders_to_the_same_markup():
    assert render_markdown(SOURCE).html == render_markdown(SOURCE).html


def test_a_label_never_becomes_an_id_and_html_in_a_note_is_text():
    label = '[^"><img/src=x/onerror=alert(1)>]'
    source = (
        f"A note{label}.\n\n{label}: <script>alert(1)</script> "
        '[click](javascript:alert(1)) <a href="javascript:alert(2)">x</a>\n'
    )

    html = render_markdown(source).html

    assert 'class="footnote-ref"' in html  # the label was taken as one
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;" in html
    found = _ids(html)
    assert all(link.startswith(("#fn-", "#fnref-")) for link in found.links), found.links
    assert all(re.fullmatch(r"fn(ref)?-[0-9a-f]{8}-[0-9]+(:[0-9]+)?", i) for i in found.ids)


def test_a_javascript_link_in_an_inline_note_stays_text():
    html = render_markdown("Text^[see [this](javascript:alert(1))].").html

    assert not [link for link in _ids(html).links if "javascript" in link]
    assert "[this](javascript:alert(1))" in html


def test_each_sanitiser_alone_keeps_footnote_markup_and_drops_look_alikes():
    rendered = render_markdown(SOURCE).html
    forged = (
        '<a id="location" href="#x">x</a><li id="fn-evil" class="footnote-item">'
        '<sup class="button">1</sup></li><section class="overlay" id="s">x</section>'
        '<a class="footnote-backref" href="javascript:alert(1)">b</a>'
        '<li id="fn-0123abcd-1 x">y</li>'
    )
    for clean in (bleach_clean, nh3_clean):
        kept = clean(rendered)
        for piece in ('class="footnote-ref"', 'class="footnotes"', 'class="footnote-item"'):
            assert piece in kept, (clean.__name__, piece)
        assert f'id="fn-{footnote_prefix(SOURCE)}-2"' in kept
        stripped = clean(forged)
        assert 'id="location"' not in stripped
        assert 'id="fn-evil"' not in stripped
        assert "fn-0123abcd-1 x" not in stripped
        assert "button" not in stripped and "overlay" not in stripped
        assert 'id="s"' not in stripped
        assert "javascript:" not in stripped


def _post_sections(page: str) -> dict[int, str]:
    """Each post's own part of a thread page, by post id."""
    starts = [(m.start(), int(m[1])) for m in re.finditer(r'<section id="post-(\d+)"', page)]
    ends = [start for start, _ in starts[1:]] + [len(page)]
    return {pk: page[start:end] for (start, pk), end in zip(starts, ends, strict=True)}


@pytest.mark.django_db
def test_two_posts_with_the_same_text_on_a_page_have_their_own_footnote_ids(client, member):
    thread = make_thread(author=member, body="An opening without notes.")
    first = make_reply(thread=thread, author=member, body=SOURCE)
    second = make_reply(thread=thread, author=member, body=SOURCE)

    page = client.get(thread.get_absolute_url()).content.decode()

    everything = _ids(page)
    footnote_ids = [i for i in everything.ids if i.startswith(("fn-", "fnref-"))]
    assert len(footnote_ids) == 2 * 5  # two notes and three references in each post
    assert len(set(footnote_ids)) == len(footnote_ids)
    sections = _post_sections(page)
    for post in (first, second):
        own = _ids(sections[post.pk])
        assert set(own.ids) & set(footnote_ids)
        # Every reference and every back-link leads into the same post.
        assert {href for href in own.hrefs if href.startswith("fn")} <= set(own.ids)


SECTIONS = "# Introduction\n\nWhy.\n\n## Method\n\nHow.\n\n## Results\n\nWhat."


@pytest.mark.django_db
def test_replies_headings_share_no_id_with_the_opening_posts_or_each_other(client, member):
    """The opening post's headings keep their plain anchors, which its table of contents
    links to; each reply's carry the reply's own prefix, so that a reply (or its preview
    under the reply form) with the same headings takes none of them over."""
    thread = make_thread(author=member, body=SECTIONS)
    first = make_reply(thread=thread, author=member, body=SECTIONS)
    second = make_reply(thread=thread, author=member, body=SECTIONS)
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).content.decode()
    preview = client.post(
        thread.get_absolute_url(), {"body": SECTIONS, "preview": "1"}
    ).content.decode()

    for html in (page, preview):
        heading_ids = [i for i in _ids(html).ids if i.startswith("h-")]
        assert len(set(heading_ids)) == len(heading_ids)
    opening = Post.objects.get(pk=thread.opening_post_id)
    plain = ["h-introduction", "h-method", "h-results"]
    assert [anchor for _, _, anchor in opening.headings] == plain
    assert 'href="#h-method"' in page  # the table of contents
    sections = _post_sections(page)
    for reply in (first, second):
        anchors = [anchor for _, _, anchor in reply.headings]
        assert set(anchors) <= set(_ids(sections[reply.pk]).ids)
        assert all(re.fullmatch(r"h-[0-9a-f]{8}-(introduction|method|results)", a) for a in anchors)


@pytest.mark.django_db
def test_an_opening_post_merged_into_another_thread_takes_a_replys_heading_ids(client, member):
    target = make_thread(author=member, body=SECTIONS)
    source = make_thread(author=member, body=SECTIONS)

    services.thread_merge(source=source, target=target)

    page = client.get(target.get_absolute_url()).content.decode()
    heading_ids = [i for i in _ids(page).ids if i.startswith("h-")]
    assert len(heading_ids) == 6 and len(set(heading_ids)) == 6
    assert 'href="#h-method"' in page and 'id="h-method"' in page


@pytest.mark.django_db
def test_a_reply_split_into_a_thread_of_its_own_takes_an_opening_posts_heading_ids(client, member):
    thread = make_thread(author=member, body="Opening.")
    reply = make_reply(thread=thread, author=member, body=SECTIONS)

    split = services.post_split(post=reply, title="The method, discussed")

    opening = Post.objects.get(pk=split.opening_post_id)
    assert [anchor for _, _, anchor in opening.headings] == [
        "h-introduction",
        "h-method",
        "h-results",
    ]
    page = client.get(split.get_absolute_url()).content.decode()
    assert 'href="#h-method"' in page and 'id="h-method"' in page


@pytest.mark.django_db
def test_an_edit_and_a_new_rendering_keep_a_replys_heading_ids(member):
    post = make_reply(thread=make_thread(author=member), author=member, body=SECTIONS)
    anchors = [anchor for _, _, anchor in post.headings]

    services.post_edit(post=post, editor=member, body=SECTIONS + "\n\nOne more line.")
    post.refresh_from_db()
    assert [anchor for _, _, anchor in post.headings] == anchors
    services.post_rerender(post=post)
    assert [anchor for _, _, anchor in post.headings] == anchors


@pytest.mark.django_db
def test_an_edit_and_a_new_rendering_keep_a_posts_footnote_ids(member):
    post = make_reply(thread=make_thread(author=member), author=member, body=SOURCE)
    ids = _ids(post.body_html).ids

    services.post_edit(post=post, editor=member, body=SOURCE + "\nOne more line.")
    post.refresh_from_db()
    assert _ids(post.body_html).ids == ids
    Post.objects.filter(pk=post.pk).update(body_html="<p>Rendered by an older renderer</p>")
    post.refresh_from_db()
    services.post_rerender(post=post)
    assert len(_ids(post.body_html).ids) == len(ids)
