"""The home and category lists page through threads without counting them all: one
query for a page (a row more than it shows), links to the pages on either side."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads.models import Thread
from forum.web.views.reading import THREADS_PER_PAGE, ListPage
from tests.factories import make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def threads(member):
    for n in range(THREADS_PER_PAGE + 1):
        make_thread(author=member, title=f"Thread number {n:02d}")
    return Thread.objects.order_by("-pk")


def test_a_page_is_one_query_and_says_whether_another_follows(threads):
    with CaptureQueriesContext(connection) as queries:
        first = ListPage(threads, "1")
    assert len(queries) == 1
    assert "COUNT(" not in queries[0]["sql"].upper()
    assert len(first.object_list) == THREADS_PER_PAGE
    assert first.has_next and not first.has_previous

    second = ListPage(threads, "2")
    assert len(second.object_list) == 1
    assert second.has_previous and not second.has_next
    assert second.previous_page_number == 1


@pytest.mark.parametrize("number", ["", None, "0", "-1", "x", "1e3", "9" * 30])
def test_a_page_number_that_is_not_one_is_the_first_page(threads, number):
    assert ListPage(threads, number).number == 1


def test_the_home_page_pages_on_and_a_page_past_the_end_says_so(client, threads):
    first = client.get("/").content.decode()
    assert 'href="?page=2" rel="next"' in first
    second = client.get("/?page=2").content.decode()
    assert "Thread number 00" in second and 'href="?page=1" rel="prev"' in second
    beyond = client.get("/?page=40")
    assert beyond.status_code == 200
    assert "No more threads." in beyond.content.decode()
