"""A client generated from our OpenAPI schema with openapi-python-client (offline, into a
temporary folder) drives the API guide's scenario (docs/api.md) against a running server:
create a token, start a thread, someone replies, read the notification, mark it read."""

import importlib
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from forum.accounts.services import token_create
from tests.factories import CategoryFactory, UserFactory


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


@pytest.mark.django_db(transaction=True)
def test_the_readme_scenario_through_a_generated_client(generated_client, live_server):
    from parley_client import AuthenticatedClient
    from parley_client.api.me import v1_me_retrieve, v1_me_tokens_create
    from parley_client.api.notifications import (
        v1_notifications_list,
        v1_notifications_read_create,
        v1_notifications_unread_count_retrieve,
    )
    from parley_client.api.threads import v1_threads_create, v1_threads_posts_create
    from parley_client.models import (
        Error,
        MarkReadRequest,
        ReplyCreateRequest,
        ThreadCreateRequest,
        TokenCreateRequest,
    )

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

    thread = v1_threads_create.sync(
        client=alice_api,
        body=ThreadCreateRequest(category="analysis", title="A new thread", body="Hello **world**"),
    )
    assert thread.title == "A new thread" and thread.author.username == "alice"

    reply = v1_threads_posts_create.sync(
        thread.id, client=client(bob_token), body=ReplyCreateRequest(body="A reply to you")
    )
    assert reply.thread_id == thread.id and reply.depth == 1

    inbox = v1_notifications_list.sync(client=alice_api)
    assert [(n.kind, n.thread_id, n.actor) for n in inbox.results] == [("reply", thread.id, "bob")]
    assert v1_notifications_unread_count_retrieve.sync(client=alice_api).unread == 1
    marked = v1_notifications_read_create.sync(client=alice_api, body=MarkReadRequest())
    assert (marked.marked, marked.unread) == (1, 0)

    # Errors come back as the schema's one error body.
    refused = v1_threads_create.sync(
        client=alice_api,
        body=ThreadCreateRequest(category="nope", title="Fine title", body="x"),
    )
    assert isinstance(refused, Error)
    assert "category" in refused.error.fields.additional_properties
