"""The thread list's filters and orderings, and what each caller may find with them."""

import datetime as dt

import pytest

from forum.threads.models import PostState, Thread
from forum.threads.services import thread_set_state
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _ids(api, **params):
    response = api.get("/api/v1/threads/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_filters_by_category_and_author(api, member, other_member, category):
    elsewhere = CategoryFactory(slug="elsewhere")
    mine = make_thread(author=member, category=category)
    theirs = make_thread(author=other_member, category=category)
    mine_elsewhere = make_thread(author=member, category=elsewhere)

    assert _ids(api, category="general") == [theirs.pk, mine.pk]
    assert _ids(api, author="member") == [mine_elsewhere.pk, mine.pk]
    assert _ids(api, category="elsewhere", author="member") == [mine_elsewhere.pk]
    assert _ids(api, category="no-such-category") == []
    assert _ids(api, author="nobody") == []


def test_filters_by_creation_time(api, member, category):
    old, middle, new = (make_thread(author=member, category=category) for _ in range(3))
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for offset, thread in enumerate((old, middle, new)):
        Thread.objects.filter(pk=thread.pk).update(created_at=base + dt.timedelta(days=offset))

    assert _ids(api, created_after="2026-01-02T00:00:00Z") == [new.pk, middle.pk]
    assert _ids(api, created_before="2026-01-02T00:00:00Z") == [old.pk]
    assert _ids(
        api, created_after="2026-01-02T00:00:00Z", created_before="2026-01-03T00:00:00Z"
    ) == [middle.pk]


def test_orderings(api, member, other_member, category):
    quiet = make_thread(author=member, category=category, title="Quiet")
    busy = make_thread(author=member, category=category, title="Busy")
    recent = make_thread(author=member, category=category, title="Recent")
    for _ in range(3):
        make_reply(thread=busy, author=other_member)
    make_reply(thread=quiet, author=other_member)  # the latest activity

    assert _ids(api) == [quiet.pk, busy.pk, recent.pk]
    assert _ids(api, order="latest") == [quiet.pk, busy.pk, recent.pk]
    assert _ids(api, order="newest") == [recent.pk, busy.pk, quiet.pk]
    assert _ids(api, order="replies") == [busy.pk, quiet.pk, recent.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order": "oldest"}, "order"),
        ({"state": "secret"}, "state"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2026-13-40"}, "created_before"),
        (
            {"created_after": "2026-02-01T00:00:00Z", "created_before": "2026-01-01T00:00:00Z"},
            "created_before",
        ),
        ({"category": "x" * 81}, "category"),
    ],
)
def test_bad_filters_are_400s_naming_the_field(api, params, field):
    response = api.get("/api/v1/threads/", params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_state_filter_finds_others_hidden_threads_for_moderators_only(
    api, member, other_member, moderator, category
):
    visible = make_thread(author=member, category=category)
    hidden = make_thread(author=other_member, category=category)
    thread_set_state(thread=hidden, state=PostState.HIDDEN)
    newcomer = UserFactory(username="fresh", trust_level=0)
    own_hidden = make_thread(author=newcomer, category=category)
    thread_set_state(thread=own_hidden, state=PostState.HIDDEN)

    assert set(_ids(api)) == {visible.pk}
    assert _ids(api, state="hidden") == []
    api.force_authenticate(member)
    assert _ids(api, state="hidden") == []
    api.force_authenticate(newcomer)
    assert _ids(api, state="hidden") == [own_hidden.pk]
    api.force_authenticate(moderator)
    assert _ids(api, state="hidden") == [own_hidden.pk, hidden.pk]
    assert _ids(api, state="visible") == [visible.pk]
    assert set(_ids(api)) == {visible.pk, hidden.pk, own_hidden.pk}


def test_filters_are_documented_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/threads/"]["get"]["parameters"]}

    assert {
        "category",
        "author",
        "created_after",
        "created_before",
        "state",
        "order",
        "cursor",
        "page_size",
    } <= parameters
