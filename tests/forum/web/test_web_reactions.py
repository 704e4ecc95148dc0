"""Reactions on the web: a form per kind that works without JavaScript (and answers JSON
to reactions.js), the page of who reacted, and the thread's replies sorted by time or by
reactions, at a cost that does not grow with the thread."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.accounts.models import Sanction
from forum.threads import services
from forum.threads.models import Post, Reaction
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(member):
    thread = make_thread(author=UserFactory(), title="Troop movements")
    return make_reply(thread=thread, author=member, body="Three brigades, not two.")


def _count(html: str, post_id: int, kind: str) -> int:
    form = re.search(
        rf'action="/p/{post_id}/react/">.*?name="kind" value="{kind}">.*?'
        r'<span class="reaction-count">(\d+)</span>',
        html,
        flags=re.S,
    )
    return int(form[1])


def test_reacting_without_javascript_comes_back_to_the_post(client, reply, other_member):
    client.force_login(other_member)

    response = client.post(f"/p/{reply.pk}/react/", {"kind": "insightful", "do": "add"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{reply.pk}")
    page = client.get(response["Location"]).text
    assert _count(page, reply.pk, "insightful") == 1
    button = re.search(
        rf'action="/p/{reply.pk}/react/">.*?value="insightful">\s*<button[^>]*>', page, re.S
    )[0]
    assert 'value="remove" aria-pressed="true"' in button


def test_the_pressed_button_takes_the_reaction_back(client, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="agree")
    client.force_login(other_member)

    client.post(f"/p/{reply.pk}/react/", {"kind": "agree", "do": "remove"})
    client.post(f"/p/{reply.pk}/react/", {"kind": "agree", "do": "remove"})  # twice: no change

    assert not Reaction.objects.filter(post=reply).exists()
    assert Post.objects.get(pk=reply.pk).reaction_counts == {}


def test_asked_for_json_it_answers_the_posts_reactions(client, reply, other_member):
    client.force_login(other_member)

    response = client.post(
        f"/p/{reply.pk}/react/",
        {"kind": "sources", "do": "add"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "post_id": reply.pk,
        "reactions": {"insightful": 0, "agree": 0, "disagree": 0, "sources": 1},
        "my_reactions": ["sources"],
    }


def test_refusals_say_why(client, reply, member, other_member):
    client.force_login(member)
    own = client.post(f"/p/{reply.pk}/react/", {"kind": "agree", "do": "add"})
    assert own.status_code == 403
    assert "You cannot react to your own post." in own.text

    client.force_login(other_member)
    unknown = client.post(
        f"/p/{reply.pk}/react/",
        {"kind": "love", "do": "add"},
        headers={"Accept": "application/json"},
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {
        "kind": ["Choose one of: insightful, agree, disagree, sources."]
    }
    assert client.post(f"/p/{reply.pk}/react/", {"kind": "agree"}).status_code == 400

    Sanction.objects.create(user=other_member, kind="silence", reason="flooding")
    silenced = client.post(f"/p/{reply.pk}/react/", {"kind": "agree", "do": "add"})
    assert silenced.status_code == 403
    assert not Reaction.objects.exists()


def test_a_silenced_member_sees_the_counts_but_no_buttons(client, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="agree")
    Sanction.objects.create(user=other_member, kind="silence", reason="flooding")
    client.force_login(other_member)

    page = client.get(reply.thread.get_absolute_url()).text

    assert 'class="reaction-form"' not in page
    assert re.search(r'reaction-agree">Agree <span class="reaction-count">1</span>', page)


def test_who_reacted_lists_the_members_by_kind(client, reply):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    services.reaction_add(user=ann, post=reply, kind="insightful")
    services.reaction_add(user=bob, post=reply, kind="disagree")

    insightful = client.get(f"/p/{reply.pk}/reactions/?kind=insightful").text
    every = client.get(f"/p/{reply.pk}/reactions/").text

    assert "/u/ann/" in insightful and "/u/bob/" not in insightful
    assert "Who found it “Insightful”" in insightful
    assert "/u/ann/" in every and "/u/bob/" in every and "Disagree" in every
    assert client.get(f"/p/{reply.pk}/reactions/?kind=love").status_code == 404


def test_who_reacted_to_a_hidden_post_is_not_found(client, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="agree")
    services.post_set_state(post=reply, state="hidden")

    assert client.get(f"/p/{reply.pk}/reactions/").status_code == 404


# --- sorting ------------------------------------------------------------------------------


def _order_on_page(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<section id="post-(\d+)" class="post ranked"', html)]


def test_replies_sort_by_reactions_or_newest_with_a_link_to_each_in_context(client, member):
    thread = make_thread(author=member, title="Sorted")
    first, second, third = (make_reply(thread=thread, body=f"Reply {n}") for n in range(3))
    readers = UserFactory.create_batch(2)
    for reader in readers:
        services.reaction_add(user=reader, post=second, kind="insightful")
    services.reaction_add(user=readers[0], post=first, kind="agree")

    by_reactions = client.get(thread.get_absolute_url() + "?sort=reactions").text
    newest = client.get(thread.get_absolute_url() + "?sort=newest").text
    tree = client.get(thread.get_absolute_url()).text

    assert _order_on_page(by_reactions) == [second.pk, first.pk, third.pk]
    assert _order_on_page(newest) == [third.pk, second.pk, first.pk]
    assert _order_on_page(tree) == []
    assert f'href="/p/{second.pk}/">In the discussion</a>' in by_reactions
    assert 'aria-current="page">Most reactions</a>' in by_reactions
    assert 'aria-current="page">Discussion</a>' in tree


@pytest.mark.parametrize("sort", ["", "?sort=reactions", "?sort=newest"])
def test_a_page_with_reactions_costs_the_same_queries_for_few_and_many_replies(
    client, member, other_member, sort
):
    counts = {}
    for size in (5, 60):
        thread = make_thread(author=member, title=f"Thread of {size}")
        replies = [make_reply(thread=thread, author=member) for _ in range(size)]
        for post in replies[::2]:
            services.reaction_add(user=other_member, post=post, kind="agree")
        client.force_login(other_member)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(thread.get_absolute_url() + sort)
        assert response.status_code == 200
        assert 'aria-pressed="true"' in response.text
        counts[size] = len(queries)

    assert counts[5] == counts[60], counts
