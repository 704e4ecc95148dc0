"""Which HTTP methods each web page answers. A page that only reads answers GET and HEAD
and refuses anything else with a 405 (a POST to it changed nothing but answered the page,
as if it had been taken); every page answers HEAD as it answers GET."""

import pytest
from django.urls import URLPattern, reverse

from forum.web import urls as web_urls
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

# The routes that only read. Every other route takes a form or is one.
READING = {
    "home",
    "search",
    "category",
    "post",
    "post-branch",
    "post-history",
    "post-reactions",
    "profile",
    "bookmarks",
    "notifications",
    "notification-open",
    "thread-unread",
    "thread-updates",
    "thread-bookmarks",
    "open-work",
    "signup-done",
}


def _arguments(name: str, parameters, reply) -> dict:
    """What the route `name` names, from one discussion: its thread, its reply, its
    category and author; ids of rows nobody made where the route names other things."""
    thread = reply.thread
    arguments = {
        "pk": thread.pk if name.startswith("thread") else reply.pk,
        "slug": thread.category.slug if name == "category" else thread.slug,
        "username": reply.author.username,
        "token": "not-a-token",
        "uidb64": "MQ",
    }
    return {key: arguments[key] for key in parameters}


def _routes(reply) -> list[tuple[str, str]]:
    routes = []
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        parameters = pattern.pattern.converters
        path = reverse(f"web:{pattern.name}", kwargs=_arguments(pattern.name, parameters, reply))
        routes.append((pattern.name, path))
    return routes


@pytest.fixture
def reader(client, member, other_member, category):
    reply = make_reply(thread=make_thread(author=other_member, category=category))
    client.force_login(member)
    return client, reply


def test_a_reading_page_refuses_every_method_but_get_and_head(reader):
    client, reply = reader
    reading = [(name, path) for name, path in _routes(reply) if name in READING]
    assert {name for name, _ in reading} == READING

    for name, path in reading:
        assert client.get(path, {"after": "0", "q": "a"}).status_code != 405, name
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(path)
            assert response.status_code == 405, (name, method)


def test_every_page_answers_head_as_it_answers_get(reader):
    client, reply = reader

    for name, path in _routes(reply):
        query = {"after": "0", "q": "a"}
        assert client.head(path, query).status_code == client.get(path, query).status_code, name
