"""A client generated from our OpenAPI schema with openapi-python-client (offline, into a
temporary folder) drives an integrator's day against a running server: create a token,
list threads and page through a thread's posts, reply, edit from the Markdown the API
gives back, search, read the notification and mark it read, and receive a webhook and
verify its signature. A schema change that breaks the generated client fails here."""

import hashlib
import hmac
import importlib
import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from forum.accounts.services import token_create
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread
from tests.forum.webhooks.conftest import serving


@pytest.fixture
def generated_client(tmp_path, live_server):
    schema = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": "parley_client"}))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / "parley_client"),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("parley_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "parley_client" or n.startswith("parley_")]:
            del sys.modules[name]


def _cursor(link: str | None) -> str | None:
    """The cursor of a `next` or `previous` link, for a client that takes it apart."""
    return parse_qs(urlsplit(link).query)["cursor"][0] if link else None


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as the API guide (forum/api_guide.md) shows it."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp, received = int(fields["t"]), fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), received)


@pytest.mark.django_db(transaction=True)
def test_an_integrators_day_through_a_generated_client(generated_client, live_server, settings):
    from parley_client import AuthenticatedClient
    from parley_client.api.members import v1_me_retrieve, v1_me_tokens_create
    from parley_client.api.notifications import (
        v1_notifications_list,
        v1_notifications_read_create,
        v1_notifications_unread_count_retrieve,
    )
    from parley_client.api.posts import (
        v1_posts_partial_update,
        v1_posts_reactions_list,
        v1_posts_reactions_update,
        v1_posts_retrieve,
    )
    from parley_client.api.search import v1_search_retrieve
    from parley_client.api.threads import (
        v1_threads_create,
        v1_threads_list,
        v1_threads_posts_create,
        v1_threads_posts_retrieve,
    )
    from parley_client.api.webhooks import v1_webhooks_create, v1_webhooks_deliveries_list
    from parley_client.models import (
        Error,
        MarkReadRequest,
        PatchedPostEditRequest,
        ReplyCreateRequest,
        ThreadCreateRequest,
        TokenCreateRequest,
        V1PostsReactionsUpdateKind,
        WebhookCreateRequest,
    )
    from parley_client.types import UNSET

    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on 127.0.0.1

    CategoryFactory(slug="analysis", name="Analysis")
    alice = UserFactory(username="alice", trust_level=2)
    bob = UserFactory(username="bob", trust_level=2)
    _, first_token = token_create(user=alice, name="bootstrap")  # as create_api_token does
    _, bob_token = token_create(user=bob, name="bob's")

    def client(token):
        return AuthenticatedClient(base_url=live_server.url, token=token)

    # Create a token through the API, and carry on with it.
    created = v1_me_tokens_create.sync(
        client=client(first_token), body=TokenCreateRequest(name="readme")
    )
    assert created.token.startswith("parley_")
    alice_api = client(created.token)
    assert v1_me_retrieve.sync(client=alice_api).username == "alice"

    # Lists page by cursor: three threads, one a page, there and back.
    category = CategoryFactory(slug="history", name="History")
    for n in range(3):
        make_thread(author=bob, category=category, title=f"Older thread {n}")
    seen, cursor = [], None
    while True:
        page = v1_threads_list.sync(client=alice_api, page_size=1, cursor=cursor or UNSET)
        seen += [t.title for t in page.results]
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert seen == [f"Older thread {n}" for n in (2, 1, 0)]
    back = v1_threads_list.sync(client=alice_api, page_size=1, cursor=_cursor(page.previous))
    assert [t.title for t in back.results] == ["Older thread 1"]

    # A webhook, registered before the thread it will hear of.
    with serving() as receiver:
        hook = v1_webhooks_create.sync(
            client=alice_api,
            body=WebhookCreateRequest(url=receiver.url, events=["thread.created"]),
        )
        thread = v1_threads_create.sync(
            client=alice_api,
            body=ThreadCreateRequest(
                category="analysis", title="A new thread", body="Hello **world**"
            ),
        )
        assert thread.title == "A new thread" and thread.author.username == "alice"
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    [delivery] = receiver.requests
    assert verify(hook.secret, delivery.headers["X-Parley-Signature"], delivery.body)
    assert not verify("another secret", delivery.headers["X-Parley-Signature"], delivery.body)
    assert json.loads(delivery.body)["data"]["thread"]["id"] == thread.id
    [sent] = v1_webhooks_deliveries_list.sync(hook.id, client=alice_api).results
    assert (sent.event, sent.status) == ("thread.created", "succeeded")

    # Bob replies to a reply, naming it as responses name it.
    first = v1_threads_posts_create.sync(
        thread.id, client=client(bob_token), body=ReplyCreateRequest(body="A reply to you")
    )
    assert first.thread_id == thread.id and first.depth == 1
    nested = v1_threads_posts_create.sync(
        thread.id,
        client=client(bob_token),
        body=ReplyCreateRequest(body="And a second thought", parent_id=first.id),
    )
    assert (nested.parent_id, nested.depth) == (first.id, 2)

    # The thread's posts, two a page, in reading order.
    for n in range(3):
        make_reply(thread=_thread_row(thread.id), author=bob, body=f"Later {n}")
    ids, cursor = [], None
    while True:
        page = v1_threads_posts_retrieve.sync(
            thread.id, client=alice_api, page_size=2, cursor=cursor or UNSET
        )
        ids += [p.id for p in page.results]
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert ids[:3] == [thread_opening_post(thread.id), first.id, nested.id]
    assert len(ids) == 6

    # Edit from the Markdown the API gives back to the author.
    mine = v1_posts_retrieve.sync(first.id, client=client(bob_token))
    assert mine.body == "A reply to you"
    assert v1_posts_retrieve.sync(first.id, client=alice_api).body is None
    edited = v1_posts_partial_update.sync(
        first.id,
        client=client(bob_token),
        body=PatchedPostEditRequest(body=mine.body + ", edited", reason="typo"),
    )
    assert edited.body == "A reply to you, edited" and edited.revision_count == 2

    found = v1_search_retrieve.sync(client=alice_api, q="thought")
    assert [hit.post_id for hit in found.results] == [nested.id]

    # Alice, who watches the thread she started, hears of it.
    # The four replies to her opening post collapse into one notification; the reply
    # to Bob's own post reaches her as a new post in a thread she watches.
    inbox = v1_notifications_list.sync(client=alice_api)
    assert [(n.kind, n.thread_id, n.actor, n.count) for n in inbox.results] == [
        ("reply", thread.id, "bob", 4),
        ("new_post", thread.id, "bob", 1),
    ]
    assert v1_notifications_unread_count_retrieve.sync(client=alice_api).unread == 2
    marked = v1_notifications_read_create.sync(client=alice_api, body=MarkReadRequest())
    assert (marked.marked, marked.unread) == (2, 0)

    # Alice finds Bob's reply insightful: the counts read back, and who gave them.
    summary = v1_posts_reactions_update.sync(
        first.id, V1PostsReactionsUpdateKind.INSIGHTFUL, client=alice_api
    )
    assert (summary.post_id, summary.reactions.insightful, summary.my_reactions) == (
        first.id,
        1,
        ["insightful"],
    )
    again = v1_posts_reactions_update.sync(
        first.id, V1PostsReactionsUpdateKind.INSIGHTFUL, client=alice_api
    )
    assert again.reactions.insightful == 1  # idempotent
    assert v1_posts_retrieve.sync(first.id, client=alice_api).my_reactions == ["insightful"]
    as_bob = v1_posts_retrieve.sync(first.id, client=client(bob_token))
    assert (as_bob.reactions.insightful, as_bob.reactions.agree, as_bob.my_reactions) == (1, 0, [])
    who = v1_posts_reactions_list.sync(first.id, client=client(bob_token))
    assert [(r.kind, r.member.username) for r in who.results] == [("insightful", "alice")]
    own = v1_posts_reactions_update.sync(
        first.id, V1PostsReactionsUpdateKind.AGREE, client=client(bob_token)
    )
    assert isinstance(own, Error) and own.error.code == "own_post"

    # Errors come back as the schema's one error body.
    refused = v1_threads_create.sync(
        client=alice_api,
        body=ThreadCreateRequest(category="nope", title="Fine title", body="x"),
    )
    assert isinstance(refused, Error)
    assert "category" in refused.error.fields.additional_properties


def _thread_row(pk: int):
    from forum.threads.models import Thread

    return Thread.objects.get(pk=pk)


def thread_opening_post(pk: int) -> int:
    return _thread_row(pk).opening_post_id
