"""One pagination contract: every list pages by keyset cursors that stay stable while rows
are added, answers `next`, `previous` and `results`, honours `page_size` within its
bounds, and refuses a cursor it did not hand out for that list with a 400."""

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from forum.notifications.models import Notification
from forum.threads.models import Thread
from moderation.models import ModerationLogEntry
from tests.factories import make_thread
from tests.forum.api.api_data import bulk_replies

pytestmark = pytest.mark.django_db


def _encode(raw) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _kind_of(cursor_url: str):
    """The list a real cursor names, as the API wrote it."""
    cursor = parse_qs(urlsplit(cursor_url).query)["cursor"][0]
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0]


# The kind the threads list's cursors carry in its default ordering, taken from a real
# cursor so that the bad ones below differ from a good one in one respect each.
THREADS_LATEST = hashlib.blake2b(
    b"/api/v1/threads/\x00-last_activity_at", digest_size=6
).hexdigest()


def _all_pages(api, url, params=None, *, key="id"):
    seen, pages = [], 0
    response = api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row[key] for row in body["results"]]
        pages += 1
        if body["next"] is None:
            return seen, pages, body
        response = api.get(body["next"])


def _back_to_the_start(api, body, *, key="id"):
    """The rows met following `previous` links from the page `body`, in the order shown."""
    pages = []
    while body["previous"] is not None:
        response = api.get(body["previous"])
        assert response.status_code == 200, response.content
        body = response.json()
        pages.insert(0, [row[key] for row in body["results"]])
    return [row for page in pages for row in page]


def test_thread_list_pages_through_every_thread_once(api, member, category):
    threads = [make_thread(author=member, category=category, title=f"T {n}") for n in range(7)]

    ids, pages, last = _all_pages(api, "/api/v1/threads/", {"page_size": 3})

    assert pages == 3
    assert ids == [thread.pk for thread in reversed(threads)]
    first = api.get("/api/v1/threads/", {"page_size": 3}).json()
    assert first["previous"] is None
    assert last["next"] is None


def test_previous_links_lead_back_through_the_same_pages(api, member, category):
    for n in range(8):
        make_thread(author=member, category=category, title=f"T {n}")

    ids, _, last = _all_pages(api, "/api/v1/threads/", {"page_size": 3})
    earlier = _back_to_the_start(api, last)

    assert earlier == ids[: -len(last["results"])]


def test_new_threads_while_paging_neither_repeat_nor_shift_a_page(api, member, category):
    for n in range(6):
        make_thread(author=member, category=category, title=f"Old {n}")
    first = api.get("/api/v1/threads/", {"page_size": 3, "order": "newest"}).json()

    for n in range(4):  # written between two page reads
        make_thread(author=member, category=category, title=f"New {n}")
    second = api.get(first["next"]).json()

    first_ids = [row["id"] for row in first["results"]]
    second_ids = [row["id"] for row in second["results"]]
    assert not set(first_ids) & set(second_ids)
    assert second_ids == sorted(second_ids, reverse=True)
    assert max(second_ids) < min(first_ids)


def test_ties_on_the_ordering_field_are_broken_by_id_across_pages(api, member, category):
    threads = [make_thread(author=member, category=category, title=f"T {n}") for n in range(5)]
    same_time = threads[0].created_at
    Thread.objects.update(last_activity_at=same_time, created_at=same_time, reply_count=0)

    for order in ("latest", "newest", "replies"):
        ids, _, _ = _all_pages(api, "/api/v1/threads/", {"page_size": 2, "order": order})
        assert ids == sorted((t.pk for t in threads), reverse=True), order


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "é",
        "",
        "x" * 1100,
        _encode(["created_at", "2020-01-01T00:00:00+00:00", 1, "n"]),  # not this list's
        _encode([THREADS_LATEST, "not a date", 1, "n"]),
        _encode([THREADS_LATEST, "2020-01-01T00:00:00", 1, "n"]),  # naive
        _encode([THREADS_LATEST, "2020-01-01T00:00:00+00:00", "one", "n"]),
        _encode([THREADS_LATEST, "2020-01-01T00:00:00+00:00", 2**70, "n"]),
        _encode([THREADS_LATEST, "2020-01-01T00:00:00+00:00\x00", 1, "n"]),
        _encode([THREADS_LATEST, None, 1, "n"]),
        _encode([THREADS_LATEST, True, 1, "n"]),
        _encode([THREADS_LATEST, "2020-01-01T00:00:00+00:00", 1, "sideways"]),
        _encode([THREADS_LATEST, "2020-01-01T00:00:00+00:00", 1]),
        _encode({"p": 1}),
        _encode([1, 2]),
    ],
)
def test_a_cursor_the_api_did_not_hand_out_is_a_400(api, member, category, cursor):
    make_thread(author=member, category=category)

    response = api.get("/api/v1/threads/", {"cursor": cursor})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_cursor"
    assert set(error["fields"]) == {"cursor"}


@pytest.mark.parametrize("size", ["0", "101", "-1", "x", "1.5", "٣"])
def test_page_size_out_of_range_is_a_400_naming_it(api, size):
    response = api.get("/api/v1/threads/", {"page_size": size})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"page_size"}


def test_a_real_cursor_names_the_list_the_bad_ones_imitate(api, member, category):
    for n in range(3):
        make_thread(author=member, category=category, title=f"T {n}")

    first = api.get("/api/v1/threads/", {"page_size": 1}).json()

    assert _kind_of(first["next"]) == THREADS_LATEST


def test_a_cursor_from_another_list_is_a_400(api, member, category):
    one, other = (make_thread(author=member, category=category) for _ in range(2))
    bulk_replies(one, 3, author=member)
    bulk_replies(other, 3, author=member)
    from_one = api.get(f"/api/v1/threads/{one.pk}/posts/", {"page_size": 2}).json()["next"]
    from_threads = api.get("/api/v1/threads/", {"page_size": 1}).json()["next"]
    cursor_of = lambda url: parse_qs(urlsplit(url).query)["cursor"][0]  # noqa: E731

    for url, params in (
        (f"/api/v1/threads/{other.pk}/posts/", {"cursor": cursor_of(from_one)}),
        (f"/api/v1/threads/{one.pk}/posts/", {"cursor": cursor_of(from_threads)}),
        ("/api/v1/threads/", {"cursor": cursor_of(from_one)}),
        ("/api/v1/threads/", {"cursor": cursor_of(from_threads), "order": "newest"}),
    ):
        response = api.get(url, params)
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] == "bad_cursor"


def test_thread_posts_page_in_reading_order_both_ways(api, member, category):
    thread = make_thread(author=member, category=category)
    bulk_replies(thread, 60, author=member)
    url = f"/api/v1/threads/{thread.pk}/posts/"
    reading_order = [row["id"] for row in api.get(url, {"page_size": 100}).json()["results"]]

    ids, pages, last = _all_pages(api, url, {"page_size": 25})

    assert len(reading_order) == 61
    assert pages == 3
    assert ids == reading_order
    assert len(last["results"]) == 11
    assert _back_to_the_start(api, last) == reading_order[:50]
    default = api.get(url).json()
    assert len(default["results"]) == 50
    assert default["previous"] is None


def test_thread_posts_refuse_bad_cursors_and_page_sizes(api, member, category):
    thread = make_thread(author=member, category=category)
    bulk_replies(thread, 3, author=member)
    url = f"/api/v1/threads/{thread.pk}/posts/"
    kind = hashlib.blake2b(f"{url}\x00path".encode(), digest_size=6).hexdigest()

    for bad in (
        "../",
        _encode([kind, "../", 1, "n"]),
        _encode([kind, "A" * 10, 1, "n"]),
        _encode([kind, "x" * 1000, 1, "n"]),
        _encode([kind, "0000001\x00", 1, "n"]),
        _encode([kind, "0000001", "1", "n"]),
    ):
        response = api.get(url, {"cursor": bad})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_cursor"
    assert api.get(url, {"cursor": _encode([kind, "0000001", 1, "n"])}).status_code == 200
    response = api.get(url, {"page_size": "101"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "page_size": ["Must be a whole number from 1 to 100."]
    }


def test_search_pages_with_cursors_tied_to_its_words(api, member, category):
    for n in range(5):
        make_thread(author=member, category=category, title=f"Harvest report {n}")

    ids, pages, last = _all_pages(
        api, "/api/v1/search/", {"q": "harvest", "page_size": 2}, key="post_id"
    )

    assert pages == 3
    assert len(set(ids)) == 5
    assert _back_to_the_start(api, last, key="post_id") == ids[:4]
    cursor = parse_qs(
        urlsplit(api.get("/api/v1/search/", {"q": "harvest", "page_size": 2}).json()["next"]).query
    )["cursor"][0]
    other_words = api.get("/api/v1/search/", {"q": "report", "cursor": cursor})
    assert other_words.status_code == 400
    assert other_words.json()["error"]["code"] == "bad_cursor"


def test_notifications_page_and_refuse_bad_cursors(api, member, other_member, category):
    thread = make_thread(author=member, category=category)
    Notification.objects.bulk_create(
        Notification(recipient=member, kind="reply", thread=thread, collapse_key=f"k{n}")
        for n in range(5)
    )
    api.force_authenticate(member)

    ids, pages, _ = _all_pages(api, "/api/v1/notifications/", {"page_size": 2})

    assert pages == 3
    assert len(set(ids)) == 5
    response = api.get("/api/v1/notifications/", {"cursor": "bad"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_cursor"


def test_moderation_log_pages_and_refuses_bad_cursors(api, moderator, member):
    for n in range(4):
        ModerationLogEntry.objects.create(
            actor=moderator, action="note", target_type="user", target_id=member.pk, reason=f"{n}"
        )
    api.force_authenticate(moderator)

    ids, pages, _ = _all_pages(api, "/api/v1/moderation/log/", {"page_size": 3})

    assert pages == 2
    assert len(ids) == 4
    assert api.get("/api/v1/moderation/log/", {"cursor": "bad"}).status_code == 400


def test_every_list_in_the_schema_has_the_one_page_shape(api):
    """No operation answers a bare array: a list is {next, previous, results}, and takes
    `cursor` and `page_size` unless it is a fixed catalogue of one page."""
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    lists = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get("application/json")
                if not status.startswith("2") or media is None:
                    continue
                body = media["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[1]]
                assert body.get("type") != "array", f"{method} {path}"
                if "results" not in body.get("properties", {}):
                    continue
                lists += 1
                assert {"next", "previous", "results"} <= set(body["required"]), path
                names = {p["name"] for p in operation.get("parameters", [])}
                if path != "/api/v1/moderation/actions/":
                    assert {"cursor", "page_size"} <= names, f"{method} {path}"
    assert lists >= 15
