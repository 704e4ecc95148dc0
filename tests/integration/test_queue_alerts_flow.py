"""End to end through a real worker and Redis: a newcomer's post held by the checks
reaches the webhook of the moderator of its category, and no other moderator's."""

import json

import pytest

from forum.accounts.models import CategoryModerator
from forum.webhooks.models import Webhook
from forum.webhooks.signing import secret_generate
from moderation.models import QueueAlert
from tests.factories import CategoryFactory, ModeratorFactory, make_reply, make_thread
from tests.forum.webhooks.conftest import serving
from tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_held_post_reaches_only_its_category_moderators_webhook(
    celery_worker_process, default_rules, member, newcomer
):
    games, books = CategoryFactory(slug="games"), CategoryFactory(slug="books")
    with serving() as receiver:
        for slug, category in (("games", games), ("books", books)):
            moderator = ModeratorFactory(username=f"{slug}_mod")
            CategoryModerator.objects.create(moderator=moderator, category=category)
            Webhook.objects.create(
                owner=moderator,
                url=f"http://127.0.0.1:{receiver.port}/{slug}",
                events=["queue.item_opened"],
                secret=secret_generate(),
            )
        thread = make_thread(author=member, category=games, title="Speedrun routes")

        held = make_reply(thread=thread, author=newcomer, body="My first route, please look.")

        alert = wait_for(lambda: QueueAlert.objects.filter(review_item__post=held).first())
        assert alert.source == QueueAlert.Source.HELD
        request = wait_for(lambda: receiver.requests[0] if receiver.requests else None)
        assert request.path == "/games"
        body = json.loads(request.body)
        assert body["event"] == "queue.item_opened"
        assert body["data"]["item"]["post_id"] == held.pk
        assert body["data"]["item"]["source"] == "held"
        assert [r.path for r in receiver.requests] == ["/games"]
