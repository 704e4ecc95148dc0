"""A thread page's posts are rendered once for every reader shown the same posts with the
same capabilities, and reused: what one reader is shown (their own held post, their
Edit links, a moderator's tools and CSRF token, their reply form) never reaches another,
and any change to the thread shows on the next read. Members' pages are private to them
and revalidated by ETag."""

import re

import pytest
from django.test import Client

from forum.core import fragments
from forum.threads import services as thread_services
from forum.threads.models import PostState
from forum.web.drafts import draft_owner_value
from moderation import actions
from moderation.services import sanction_impose
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _reader(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(client: Client, thread, query: str = "") -> str:
    response = client.get(thread.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def _posts_part(html: str) -> str:
    """The page from the end of the thread's header, without the reader's reply form and
    with the CSRF tokens of its forms (the reader's own, masked afresh) left out."""
    part = html[html.index("</header>", html.index('<article class="thread">')) :]
    part = re.sub(r'<form id="reply-form".*?</form>', "", part, flags=re.S)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", part)


def _edit_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/p/(\d+)/edit/"', html)}


def test_members_shown_the_same_share_the_rendered_posts(member, other_member):
    thread = make_thread(author=member)
    for _ in range(3):
        make_reply(thread=thread, author=UserFactory())
    third = UserFactory(username="third")

    first = _page(_reader(other_member), thread)
    built = len(fragments.local_fragments._entries)
    second = _page(_reader(third), thread)

    assert len(fragments.local_fragments._entries) == built  # nothing new was built
    assert _posts_part(first) == _posts_part(second)
    assert "third" in second[: second.index("<main")]  # the header is the reader's own


def test_edit_links_are_each_readers_own(member, other_member):
    thread = make_thread(author=member)
    mine = make_reply(thread=thread, author=other_member)
    theirs = make_reply(thread=thread, author=member)

    # The author of the opening post reads first; its rendering must not reach others.
    assert _edit_links(_page(_reader(member), thread)) == {thread.opening_post_id, theirs.pk}
    assert _edit_links(_page(_reader(other_member), thread)) == {mine.pk}
    assert _edit_links(_page(_reader(UserFactory()), thread)) == set()
    assert _edit_links(_page(_reader(), thread)) == set()


def test_a_held_reply_is_shown_to_its_author_only_whoever_reads_first(member, newcomer):
    thread = make_thread(author=member)
    held = thread_services.post_create(author=newcomer, thread=thread, body="Held for review.")
    assert held.state == PostState.PENDING

    assert "Held for review." not in _page(_reader(member), thread)
    assert "Held for review." in _page(_reader(newcomer), thread)
    assert "Held for review." not in _page(_reader(UserFactory()), thread)
    assert "Held for review." not in _page(_reader(), thread)


def test_a_moderators_tools_carry_their_own_token_and_reach_no_member(member, category):
    thread = make_thread(author=member, category=category)
    reply = make_reply(thread=thread, author=member, body="Say it twice.")
    first_mod, second_mod = ModeratorFactory(), ModeratorFactory()

    first_client = Client(enforce_csrf_checks=True)
    first_client.force_login(first_mod)
    first_client.get(thread.get_absolute_url())
    second_client = Client(enforce_csrf_checks=True)
    second_client.force_login(second_mod)
    page = _page(second_client, thread)
    assert "\x00" not in page

    # The tools on the second moderator's page post with the second moderator's token.
    form = page[page.index(f'action="/p/{reply.pk}/moderate/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    response = second_client.post(
        f"/p/{reply.pk}/moderate/",
        {"action": "hide", "reason": "Off topic", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.state == PostState.HIDDEN

    # A member reading after both moderators gets no tools and the hidden post's
    # placeholder, at once.
    seen = _page(_reader(UserFactory()), thread)
    assert "mod-tools" not in seen
    assert "Say it twice." not in seen
    assert "This post is hidden while moderators review it." in seen


def test_an_edit_shows_on_the_next_read_for_members(member, other_member):
    thread = make_thread(author=member, body="The first words.")
    reader = _reader(other_member)
    assert "The first words." in _page(reader, thread)

    thread_services.post_edit(editor=member, post=thread.opening_post, body="Better words.")

    page = _page(reader, thread)
    assert "Better words." in page
    assert "The first words." not in page


def test_a_silenced_member_is_offered_no_reply_or_report_on_a_page_others_share(
    member, other_member, moderator
):
    thread = make_thread(author=member)
    make_reply(thread=thread, author=member)
    quiet = UserFactory(username="quiet")
    sanction_impose(actor=moderator, user=quiet, kind="silence", reason="Cooling off")

    shared = _page(_reader(other_member), thread)
    assert "Report</a>" in shared and 'id="reply-form"' in shared
    silenced = _page(_reader(quiet), thread)
    assert "Report</a>" not in silenced
    assert ">Reply</a>" not in silenced
    assert 'id="reply-form"' not in silenced


def test_the_reply_form_goes_under_the_post_replied_to_and_only_there(member, other_member):
    thread = make_thread(author=member)
    first = make_reply(thread=thread, author=member)
    second = make_reply(thread=thread, author=member)
    reader = _reader(other_member)

    for target in (first, second):
        page = _page(reader, thread, f"?reply_to={target.pk}")
        assert page.count('id="reply-form"') == 1
        section = page[page.index(f'id="post-{target.pk}"') :]
        assert section.index('id="reply-form"') < section.index("</section>")
        assert f'name="draft_owner" value="{draft_owner_value(other_member)}"' in page

    page = _page(reader, thread)
    opening = page[page.index(f'id="post-{thread.opening_post_id}"') :]
    assert opening.index('id="reply-form"') < opening.index("</section>")


def test_a_members_page_is_private_and_revalidated_by_its_etag(member, other_member):
    thread = make_thread(author=member)
    reader = _reader(other_member)
    first = reader.get(thread.get_absolute_url())
    assert "private" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]

    unchanged = reader.get(thread.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304

    make_reply(thread=thread, author=member, body="Something new.")
    changed = reader.get(thread.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Something new." in changed.content.decode()


def test_a_hidden_reply_stays_readable_to_its_author_and_nobody_else(member, other_member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=other_member, body="My hidden words.")
    actions.perform("hide", actor=ModeratorFactory(), target=reply, reason="Rude")

    assert "My hidden words." not in _page(_reader(), thread)
    assert "My hidden words." in _page(_reader(other_member), thread)
    assert "My hidden words." not in _page(_reader(member), thread)


def test_the_shared_rows_carry_no_members_email_or_password_hash(member, other_member):
    import pickle

    from django.contrib.auth.models import AnonymousUser

    from forum.threads import selectors

    for person in (member, other_member):
        person.email = f"{person.username}@private.example"
        person.set_password("a long and private passphrase")
        person.save()
    thread = make_thread(author=member)
    make_reply(thread=thread, author=other_member)
    thread = selectors.thread_get(user=member, pk=thread.pk)  # its author read with it

    page = selectors.thread_posts_page(user=AnonymousUser(), thread=thread)
    shared = pickle.dumps([view.post for view in page])

    for person in (member, other_member):
        assert person.email.encode() not in shared
        assert person.password.encode() not in shared


def _pressed(html: str) -> set[tuple[int, str]]:
    """(post id, kind) of every reaction button shown pressed: the reader's own."""
    pressed = set()
    for form in re.findall(r'<form class="reaction-form".*?</form>', html, flags=re.S):
        if 'aria-pressed="true"' in form:
            post = int(re.search(r'action="/p/(\d+)/react/"', form)[1])
            kind = re.search(r'name="kind" value="([a-z]+)"', form)[1]
            pressed.add((post, kind))
    return pressed


def _counts(html: str, post_id: int) -> dict[str, str]:
    section = html[html.index(f'id="post-{post_id}"') :]
    section = section[section.index('class="reactions"') :]
    section = section[: section.index("</div>")]
    return dict(
        re.findall(r'reaction-([a-z]+)"[^>]*>[^<]*<span class="reaction-count">(\d+)', section)
    )


def test_members_share_the_counts_but_each_sees_only_their_own_reactions(member, other_member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=UserFactory(), body="Three brigades, not two.")
    third = UserFactory(username="third")
    _page(_reader(other_member), thread)  # the shared posts are built before anyone reacts
    thread_services.reaction_add(user=other_member, post=reply, kind="insightful")
    thread_services.reaction_add(user=third, post=reply, kind="sources")

    first = _page(_reader(other_member), thread)
    built = len(fragments.local_fragments._entries)
    second = _page(_reader(third), thread)

    assert len(fragments.local_fragments._entries) == built  # the same shared posts
    assert _counts(first, reply.pk) == _counts(second, reply.pk)
    assert _counts(first, reply.pk) == {
        "insightful": "1",
        "agree": "0",
        "disagree": "0",
        "sources": "1",
    }
    assert _pressed(first) == {(reply.pk, "insightful")}
    assert _pressed(second) == {(reply.pk, "sources")}
    strip = re.compile(r' name="do" value="(add|remove)" aria-pressed="(true|false)"')
    assert strip.sub("", _posts_part(first)) == strip.sub("", _posts_part(second))


def test_a_reaction_shows_on_the_next_read_of_a_shared_page(member, other_member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=UserFactory(), body="Three brigades, not two.")
    assert _counts(_page(_reader(), thread), reply.pk)["agree"] == "0"

    thread_services.reaction_add(user=other_member, post=reply, kind="agree")

    assert _counts(_page(_reader(), thread), reply.pk)["agree"] == "1"
    assert _counts(_page(_reader(member), thread), reply.pk)["agree"] == "1"
    assert _pressed(_page(_reader(member), thread)) == set()


def test_the_authors_own_post_offers_no_reaction_buttons(member, other_member):
    thread = make_thread(author=member)
    own = make_reply(thread=thread, author=member, body="My own follow-up.")

    html = _page(_reader(member), thread)

    assert f'action="/p/{own.pk}/react/"' not in html
    assert 'class="reaction reaction-agree"' in html  # the counts, without a button
    assert f'action="/p/{own.pk}/react/"' in _page(_reader(other_member), thread)
