"""Reading long-form analysis on the thread page: stored headings and word counts, the
opening post's reading time and contents, folding branches, and branch pages for
replies deeper than the thread page goes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads import selectors, services
from forum.threads.demo import demo_load
from forum.threads.models import Post, PostState
from tests.conftest import ARTIFACTS
from tests.factories import make_reply, make_thread

LONG_POST = (
    "Intro words here.\n\n"
    "## Background\n\nSome background.\n\n"
    "### Earlier work\n\nDetails.\n\n"
    "## Findings\n\nWhat we found.\n\n"
    "## What next\n\n" + "word " * 600
)


def _chain(thread, author, length):
    parent, chain = thread.opening_post, []
    for level in range(length):
        parent = make_reply(thread=thread, author=author, parent=parent, body=f"Level {level + 1}")
        chain.append(parent)
    return chain


@pytest.mark.django_db
def test_headings_and_word_count_are_stored_and_follow_edits(member):
    thread = make_thread(author=member, body="# Title\n\nOne two three.\n\n## Part\n\nFour.")
    post = Post.objects.get(pk=thread.opening_post_id)

    assert post.headings == [[1, "Title", "h-title"], [2, "Part", "h-part"]]
    assert post.word_count == 8  # Markdown markers count: "# Title One two three. ## Part Four."

    services.post_edit(editor=member, post=post, body="Just five plain words here.")
    post.refresh_from_db()
    assert post.headings == [] and post.word_count == 5

    reply = make_reply(thread=thread, author=member, body="### Aside\n\nShort.")
    [(level, text, anchor)] = reply.headings
    assert (level, text, reply.word_count) == (3, "Aside", 3)
    assert re.fullmatch(r"h-[0-9a-f]{8}-aside", anchor)  # a reply's anchors are its own


@pytest.mark.django_db
def test_demo_thread_shows_a_reading_time_but_no_contents(client):
    thread = demo_load().thread
    opening = Post.objects.get(pk=thread.opening_post_id)

    html = client.get(thread.get_absolute_url()).text

    assert opening.word_count > 0 and opening.headings == []
    assert f"{opening.reading_minutes} min read" in html
    assert 'class="toc"' not in html


@pytest.mark.django_db
def test_a_post_with_three_headings_gets_nested_contents_linking_to_its_anchors(client, member):
    thread = make_thread(author=member, body=LONG_POST)

    html = client.get(thread.get_absolute_url()).text

    assert '<nav class="toc" aria-label="Table of contents">' in html
    toc = html[
        html.index('<nav class="toc"') : html.index("</nav>", html.index('<nav class="toc"'))
    ]
    assert re.sub(r"\s+", "", toc).count("<ol>") == 2  # "Earlier work" nests under "Background"
    assert '<li><a href="#h-background">Background</a><ol><li><a href="#h-earlier-work">' in toc
    for anchor in ("h-background", "h-earlier-work", "h-findings", "h-what-next"):
        assert f'id="{anchor}"' in html
    assert "3 min read" in html  # 617 words at 230 a minute, rounded up


@pytest.mark.django_db
def test_fewer_than_three_headings_get_no_contents(client, member):
    thread = make_thread(author=member, body="## One\n\ntext\n\n## Two\n\nmore text")
    html = client.get(thread.get_absolute_url()).text
    assert 'class="toc"' not in html and "1 min read" in html


@pytest.mark.django_db
def test_a_branch_is_one_nested_element_that_folds_as_a_whole(client, member, other_member):
    thread = make_thread(author=member)
    first = make_reply(thread=thread, author=other_member, body="First branch")
    child = make_reply(thread=thread, author=member, parent=first, body="Under first")
    grandchild = make_reply(thread=thread, author=other_member, parent=child, body="Deeper")
    second = make_reply(thread=thread, author=member, body="Second branch")

    html = client.get(thread.get_absolute_url()).text

    def section(post):
        start = html.index(f'<section id="post-{post.pk}"')
        depth, index = 0, start
        for match in re.finditer(r"<(/?)section\b", html[start:]):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                index = start + match.end()
                break
        return html[start:index]

    first_branch = section(first)
    assert first_branch.count("<details") == 3  # the reply, its reply and theirs
    assert f'id="post-{child.pk}"' in first_branch and f'id="post-{grandchild.pk}"' in first_branch
    assert f'id="post-{second.pk}"' not in first_branch
    assert '<details class="branch" open>' in first_branch
    summary = re.search(r"<summary>(.*?)</summary>", first_branch, re.S).group(1)
    assert "2 replies" in summary and other_member.shown_name in summary
    assert "Under first" in section(child) and "First branch" not in section(child)


@pytest.mark.django_db
def test_past_depth_eight_the_thread_page_links_to_a_branch_page(client, member):
    thread = make_thread(author=member)
    chain = _chain(thread, member, 12)
    sibling = make_reply(thread=thread, author=member, body="Elsewhere in the thread")

    html = client.get(thread.get_absolute_url()).text

    assert "Level 8" in html and "Level 9" not in html
    branch_url = f"/p/{chain[7].pk}/thread/"
    assert html.count("Continue this thread") == 1 and f'href="{branch_url}"' in html

    branch = client.get(branch_url)
    assert branch.status_code == 200
    for level in range(8, 13):
        assert f"Level {level}" in branch.text
    assert "Level 7" not in branch.text and "Elsewhere in the thread" not in branch.text
    assert f'id="post-{sibling.pk}"' not in branch.text
    # A deep reply's own link leads to the branch page that shows it.
    assert client.get(f"/p/{chain[10].pk}/")["Location"] == f"{branch_url}#post-{chain[10].pk}"


@pytest.mark.django_db
def test_branch_page_keeps_hidden_and_pending_replies_hidden(
    client, member, other_member, newcomer
):
    thread = make_thread(author=member)
    chain = _chain(thread, member, 9)
    hidden = make_reply(thread=thread, author=other_member, parent=chain[-1], body="Hidden words")
    services.post_set_state(post=hidden, state=PostState.HIDDEN, reason="reported")
    pending = make_reply(thread=thread, author=newcomer, parent=chain[-1], body="Pending words")
    assert pending.state == PostState.PENDING

    html = client.get(f"/p/{chain[7].pk}/thread/").text

    assert "Level 9" in html
    assert "Hidden words" not in html and "hidden while moderators review it" in html
    assert "Pending words" not in html and f'id="post-{pending.pk}"' not in html
    assert client.get(f"/p/{hidden.pk}/thread/").status_code == 200  # as a placeholder
    assert "Hidden words" not in client.get(f"/p/{hidden.pk}/thread/").text
    assert client.get(f"/p/{pending.pk}/thread/").status_code == 404


@pytest.mark.django_db
def test_branch_selector_returns_the_subtree_only(member):
    thread = make_thread(author=member)
    chain = _chain(thread, member, 4)
    cousin = make_reply(thread=thread, author=member, parent=chain[0], body="Cousin")

    below = selectors.branch_posts_page(user=member, post=chain[1], levels=8)

    assert [view.post.pk for view in below] == [chain[2].pk, chain[3].pk]
    assert cousin.pk not in {view.post.pk for view in below}


@pytest.mark.django_db
@pytest.mark.parametrize("replies", [10, 100])
def test_thread_page_query_count_is_fixed_with_branches_and_deep_chains(client, member, replies):
    thread = make_thread(author=member, body=LONG_POST)
    _chain(thread, member, 10)
    for _ in range(replies):
        make_reply(thread=thread, author=member)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(thread.get_absolute_url()).status_code == 200

    assert len(queries) == 2


@pytest.mark.django_db
def test_long_form_pages_have_no_inline_script_or_style(client, member):
    thread = make_thread(author=member, body=LONG_POST)
    chain = _chain(thread, member, 10)
    client.force_login(member)
    for url in (thread.get_absolute_url(), f"/p/{chain[7].pk}/thread/"):
        html = client.get(url).text
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts and all(tag.startswith('<script src="/static/web/') for tag in scripts)
        assert '<script src="/static/web/parley.js" defer></script>' in html
        assert '<script src="/static/web/reactions.js" defer></script>' in html
        assert '<script src="/static/web/bookmarks.js" defer></script>' in html
        composer = '<script src="/static/web/composer.js" defer></script>'
        assert (composer in html) == ('id="reply-form"' in html)
        assert not re.search(r"\s(on[a-z]+|style)\s*=", html), url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_follows_the_contents_of_a_long_post(live_server, page, member):
    thread = make_thread(author=member, title="A long analysis", body=LONG_POST)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url + thread.get_absolute_url())
    contents = page.get_by_role("navigation", name="Table of contents")
    contents.get_by_role("link", name="Findings").click()

    page.wait_for_url("**#h-findings")
    assert page.url.endswith(f"{thread.get_absolute_url()}#h-findings")
    assert page.locator("#h-findings").is_visible()
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-longform.png"), full_page=True)


@pytest.mark.django_db
def test_branches_below_the_indexed_depth_keep_to_their_own_subtree(client, member):
    thread = make_thread(author=member)
    chain = _chain(thread, member, Post.MAX_PATH_DEPTH + 6)
    root = chain[Post.MAX_PATH_DEPTH]  # deeper than any path encodes
    cousin = make_reply(thread=thread, author=member, parent=chain[Post.MAX_PATH_DEPTH - 1])
    late = make_reply(thread=thread, author=member, parent=root, body="Written last")

    below = [view.post.pk for view in selectors.branch_posts_page(user=member, post=root)]

    assert below == [post.pk for post in chain[Post.MAX_PATH_DEPTH + 1 :]] + [late.pk]
    assert cousin.pk not in below
    deepest = chain[-1]
    location = client.get(f"/p/{deepest.pk}/")["Location"]
    assert location == f"/p/{selectors.branch_root(post=deepest).pk}/thread/#post-{deepest.pk}"
    assert f'id="post-{deepest.pk}"' in client.get(location.split("#")[0]).text
