"""A moderator clears a queue of 50 mixed items (held posts, reported posts and appeals)
from the admin panel alone, and every decision is in the moderation log."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from forum.threads.models import Post, PostState
from moderation import actions, services
from moderation.models import ModerationLogEntry, ReviewItem
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/reviewitem/"


@pytest.fixture
def mixed_queue(default_rules, member, moderator, django_capture_on_commit_callbacks):
    """20 posts held by pre-moderation, 20 hidden by reports, 10 removals appealed."""
    thread = make_thread(author=member, title="Busy thread")
    held = []
    for i in range(20):
        newcomer = UserFactory(username=f"newcomer{i}", trust_level=0, post_count=0)
        # The check that holds a newcomer's post for review runs after commit.
        with django_capture_on_commit_callbacks(execute=True):
            post = make_reply(thread=thread, author=newcomer, body=f"Hello, I am new ({i}).")
        held.append(post)
    reporters = [UserFactory(username=f"reporter{i}", trust_level=1) for i in range(6)]
    reported = []
    for i in range(20):
        writer = UserFactory(username=f"writer{i}")
        post = make_reply(thread=thread, author=writer, body=f"Something contentious, take {i}.")
        for reporter in reporters[:3] if i < 10 else reporters[3:]:
            services.report_file(reporter=reporter, post=post, reason="abuse")
        reported.append(post)
    appealed = []
    for i in range(10):
        author = UserFactory(username=f"appellant{i}")
        post = make_reply(thread=thread, author=author, body=f"My honest view, number {i}.")
        actions.perform("remove", actor=moderator, target=post, reason="Looked like spam")
        services.appeal_file(author=author, post=post, message="Please look again.")
        appealed.append(post)
    assert ReviewItem.objects.filter(state="pending").count() == 50
    return {"held": held, "reported": reported, "appealed": appealed}


class AdminOnlyClient:
    """A browser stand-in that refuses to follow a link or a redirect out of /admin/."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)
        self.visited = []

    def _follow(self, response):
        while response.status_code in (301, 302):
            location = urlsplit(response["Location"])
            assert location.path.startswith("/admin/"), f"left the admin for {location.path}"
            response = self.client.get(
                location.path + (f"?{location.query}" if location.query else "")
            )
        assert response.status_code == 200, response.status_code
        return response

    def get(self, url):
        assert url.startswith("/admin/")
        self.visited.append(url)
        return self._follow(self.client.get(url))

    def post(self, url, data):
        assert url.startswith("/admin/")
        self.visited.append(url)
        return self._follow(self.client.post(url, data))


def test_a_moderator_clears_fifty_mixed_items_without_leaving_the_admin(mixed_queue, moderator):
    browser = AdminOnlyClient(moderator)
    home = browser.get("/admin/").content.decode()
    assert (
        "50 pending" in home
        and "Pre-moderation: 20" in home
        and "Appeal against removal: 10" in home
    )

    # Held posts from newcomers: read the filtered list, approve them all at once.
    held_page = browser.get(f"{QUEUE}?state__exact=pending&reason=premoderation").content.decode()
    held_items = list(
        ReviewItem.objects.filter(state="pending", post__in=mixed_queue["held"]).values_list(
            "pk", flat=True
        )
    )
    assert len(held_items) == 20
    assert all(f"Post {post.pk} in" in held_page for post in mixed_queue["held"])
    assert f"Post {mixed_queue['reported'][0].pk} in" not in held_page
    browser.post(
        f"{QUEUE}?state__exact=pending&reason=premoderation",
        {"action": "approve_items", "_selected_action": held_items, "reason": "Welcome"},
    )

    # Reported posts, the most reported first: open each, read it, decide.
    decisions = {}
    listing = browser.get(f"{QUEUE}?state__exact=pending&reason=reports&reporters=3&o=-7")
    assert all(f"Post {p.pk} in" in listing.content.decode() for p in mixed_queue["reported"])
    for index, post in enumerate(mixed_queue["reported"]):
        item = ReviewItem.objects.get(post=post, state="pending")
        page = browser.get(f"{QUEUE}{item.pk}/change/").content.decode()
        assert post.body_source in page
        assert page.count("Abuse or harassment") == 3  # the three reports and reporters
        decision = "remove" if index % 2 else "approve"
        reason = "Personal attack" if decision == "remove" else "Fair criticism"
        browser.post(f"{QUEUE}{item.pk}/decide/", {"action": decision, "reason": reason})
        decisions[post.pk] = decision

    # Appeals: restore half, uphold the removal of the others.
    for index, post in enumerate(mixed_queue["appealed"]):
        item = ReviewItem.objects.get(post=post, state="pending")
        page = browser.get(f"{QUEUE}{item.pk}/change/").content.decode()
        assert "Please look again." in page
        decision = "restore" if index % 2 else "remove"
        browser.post(f"{QUEUE}{item.pk}/decide/", {"action": decision, "reason": "Appeal decided"})
        decisions[post.pk] = decision

    home = browser.get("/admin/").content.decode()
    assert "0 pending" in home and "Nothing is waiting" in home
    assert not ReviewItem.objects.filter(state="pending").exists()
    assert ReviewItem.objects.filter(decided_by=moderator).count() == 50

    # Every decision is in the log, by this moderator, on the right post.
    logged = ModerationLogEntry.objects.filter(actor=moderator, target_type="post").exclude(
        reason="Looked like spam"
    )
    by_post = {}
    for entry in logged:
        by_post.setdefault(entry.target_id, []).append(entry.action)
    expected = {post.pk: ["approve"] for post in mixed_queue["held"]}
    expected.update({pk: [action] for pk, action in decisions.items()})
    assert by_post == expected
    states = dict(Post.objects.filter(pk__in=expected).values_list("pk", "state"))
    for pk, action in {k: v[0] for k, v in expected.items()}.items():
        wanted = PostState.REMOVED if action == "remove" else PostState.VISIBLE
        assert states[pk] == wanted, (pk, action)
    assert all(url.startswith("/admin/") for url in browser.visited)
