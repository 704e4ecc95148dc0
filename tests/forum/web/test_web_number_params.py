"""A number a page reads from its address or a form is written in ASCII digits. Other
characters Unicode calls digits ("²", "①", "٣"), numbers too long for an id and negative
numbers are refused with a clear 4xx, or read as the first page where a page is asked
for; they are never a server error."""

import pytest

from forum.core.text import whole_number
from forum.threads.drafts import selectors as draft_selectors
from forum.threads.drafts import services as draft_services
from tests.factories import make_thread

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ("²", "①", "٣", "1" * 40, "-1")


@pytest.mark.parametrize(
    ("raw", "number"),
    [("0", 0), ("42", 42), ("007", 7), ("1" * 18, int("1" * 18))],
)
def test_a_whole_number_is_read_from_ascii_digits(raw, number):
    assert whole_number(raw) == number


@pytest.mark.parametrize("raw", [*NOT_NUMBERS, "", " 1", "1.0", "+1", "1" * 19, None, 7])
def test_anything_else_is_no_whole_number(raw):
    assert whole_number(raw) is None


def test_max_digits_bounds_the_length():
    assert whole_number("123456", max_digits=6) == 123456
    assert whole_number("1234567", max_digits=6) is None


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_lists_show_their_first_page_for_a_page_that_is_no_number(client, member, raw):
    thread = make_thread(author=member, title="The one thread on the first page")
    client.force_login(member)
    client.post(f"/t/{thread.pk}/{thread.slug}/bookmark/")
    for path in ("/", "/bookmarks/", f"/u/{member.username}/"):
        page = client.get(path, {"page": raw})
        assert page.status_code == 200, path
        assert "The one thread on the first page" in page.text, path


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_live_updates_refuse_a_position_that_is_no_number(client, member, other_member, raw):
    thread = make_thread(author=other_member)
    client.force_login(member)

    refused = client.get(f"/t/{thread.pk}/{thread.slug}/updates/", {"after": raw})

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["after"]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_discarding_a_draft_of_a_thread_that_is_no_number_is_a_404(
    client, member, other_member, raw
):
    thread = make_thread(author=other_member)
    draft_services.draft_save(user=member, thread=thread, body="Kept")
    client.force_login(member)

    assert client.post("/drafts/discard/", {"thread": raw}).status_code == 404
    assert draft_selectors.draft_get(user=member, thread=thread).body == "Kept"


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_replying_to_a_post_that_is_no_number_is_a_400(client, member, other_member, raw):
    thread = make_thread(author=other_member)
    client.force_login(member)

    assert client.get(thread.get_absolute_url(), {"reply_to": raw}).status_code == 400
