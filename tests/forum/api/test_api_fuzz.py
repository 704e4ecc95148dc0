"""Schemathesis against a running server: every operation of the schema, fed generated
valid and invalid input with a moderator's token, must never answer 5xx and never answer
anything the schema does not describe (status, content type, headers, body).

The server is pytest-django's live server (a real HTTP server in a thread) on the test
database, seeded with a category, threads, replies, a notification, a webhook and a
review item, so that ids in the data lead somewhere. Bounded: a dozen examples per
operation, one worker, a fixed seed, about a minute. Every operation is run but the one
that revokes a token (it would revoke the run's own)."""

import subprocess
import sys

import pytest

from forum.accounts.services import token_create
from forum.notifications.models import Notification
from forum.threads.models import PostState
from forum.threads.services import post_edit, post_set_state
from moderation.models import ReviewItem
from moderation.services import review_item_open
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def _seed() -> str:
    category = CategoryFactory(slug="general", name="General")
    moderator = ModeratorFactory(username="fuzzer")
    member = UserFactory(username="writer")
    thread = make_thread(author=member, category=category, title="Seeded thread")
    reply = make_reply(thread=thread, author=member, body="A reply with words to search.")
    post_edit(editor=member, post=reply, body="A reply with more words to search.")
    hidden = make_reply(thread=thread, author=member, body="Hidden text.")
    post_set_state(post=hidden, state=PostState.HIDDEN, reason="Checking")
    review_item_open(post=hidden, reason=ReviewItem.Reason.REPORTS)
    Notification.objects.create(recipient=moderator, kind="reply", thread=thread, collapse_key="k")
    _, token = token_create(user=moderator, name="fuzz")
    return token


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_errors_and_no_schema_violations(live_server, tmp_path):
    token = _seed()

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            "12",
            "--workers",
            "1",
            "--seed",
            "20261126",
            "--no-shrink",
            # Schemathesis reads token ids from GET /me/tokens/ and would revoke the one
            # it runs with; revoking is covered by the token tests and the matrix.
            "--exclude-operation-id",
            "v1_me_tokens_destroy",
            "--phases",
            "examples,fuzzing",
            "--request-timeout",
            "20",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )

    (tmp_path / "schemathesis.log").write_text(result.stdout + result.stderr)
    summary = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    assert "Tested: 42" in result.stdout, summary
    assert "Authentication failed" not in result.stdout, summary
