"""Schemathesis against a running server: every operation of the schema, fed generated
valid and invalid input as a member, as a moderator and as an administrator (each with
a token of their own), must never answer 5xx and never answer anything the schema does
not describe (status, content type, headers, body).

The server is pytest-django's live server (a real HTTP server in a thread) on the test
database, seeded with a category, threads, replies, a removed post its author may
appeal, a notification, a webhook and a review item, so that ids in the data lead
somewhere. Each caller's run has the examples, fuzzing and stateful phases (the stateful
one follows the links Schemathesis infers between operations, such as a created thread
to its posts). Bounded: a fixed number of examples per operation, a fixed seed, no
shrinking, two workers; the three callers take under three minutes. Every operation is
run but the one that revokes a token (it would revoke the run's own)."""

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

CALLERS = {
    "member": lambda: UserFactory(username="fuzzer", trust_level=2),
    "moderator": lambda: ModeratorFactory(username="fuzzer"),
    "administrator": lambda: UserFactory(
        username="fuzzer", role="admin", is_staff=True, is_superuser=True
    ),
}


def _seed(caller: str) -> str:
    """The data the run reaches through ids, and a token for `caller`."""
    category = CategoryFactory(slug="general", name="General")
    fuzzer = CALLERS[caller]()
    member = UserFactory(username="writer")
    thread = make_thread(author=member, category=category, title="Seeded thread")
    reply = make_reply(thread=thread, author=member, body="A reply with words to search.")
    post_edit(editor=member, post=reply, body="A reply with more words to search.")
    hidden = make_reply(thread=thread, author=member, body="Hidden text.")
    post_set_state(post=hidden, state=PostState.HIDDEN, reason="Checking")
    review_item_open(post=hidden, reason=ReviewItem.Reason.REPORTS)
    make_reply(thread=thread, author=fuzzer, body="The fuzzer's own reply.")
    removed = make_reply(thread=thread, author=fuzzer, body="The fuzzer's removed reply.")
    post_set_state(post=removed, state=PostState.REMOVED, reason="Off-topic")
    Notification.objects.create(recipient=fuzzer, kind="reply", thread=thread, collapse_key="k")
    _, token = token_create(user=fuzzer, name="fuzz")
    return token


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caller", list(CALLERS))
def test_schemathesis_finds_no_server_errors_and_no_schema_violations(
    caller, live_server, tmp_path
):
    token = _seed(caller)

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
            "16",
            "--workers",
            "2",
            "--seed",
            "20261205",
            "--no-shrink",
            # Schemathesis reads token ids from GET /me/tokens/ and would revoke the one
            # it runs with; revoking is covered by the token tests and the matrix.
            "--exclude-operation-id",
            "v1_me_tokens_destroy",
            "--phases",
            "examples,fuzzing,stateful",
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
    assert "Tested: 55" in result.stdout, summary
    # A member is refused the moderators' operations: that is the answer expected of them.
    # Anyone is refused reporting or reacting to their own posts (403 own_post), which is
    # all a run finds when the only posts it reaches are the caller's.
    own_posts = {"/api/v1/posts/{id}/reports/", "/api/v1/posts/{id}/reactions/{kind}/"}
    expected = own_posts | ({"/api/v1/moderation/"} if caller == "member" else set())
    refused = _refused_operations(result.stdout)
    assert all(any(path in line for path in expected) for line in refused), summary
    if caller == "member":  # the reading of Schemathesis's report finds what it looks for
        assert refused, summary


def _refused_operations(output: str) -> list[str]:
    """The operations Schemathesis reports as answering only 401 or 403."""
    lines = output.splitlines()
    starts = [n for n, line in enumerate(lines) if line.strip().startswith("Authentication failed")]
    refused: list[str] = []
    for line in lines[starts[0] + 1 :] if starts else []:
        if line.strip().startswith("- "):
            refused.append(line)
        elif line.strip() and not line.strip()[:3].isdigit():
            break  # past the blank lines, "403 Forbidden (n operations):" and its list
    return refused
