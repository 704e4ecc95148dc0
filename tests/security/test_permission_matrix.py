"""The permission matrix: every API operation and every web page, for every kind of
caller, against visible, pending, hidden, removed and deleted posts in visible and hidden
threads of two categories, with the exact status and what the answer shows.

The callers: anonymous; a trust level 0 member; another member; the author of the
content; a silenced and a suspended member; a moderator of the whole forum; a moderator
of the content's category ("general") and one of another category; a moderator under a
sanction (silenced by an administrator); and an administrator.

Rules the matrix pins down:
- 401 when signing in could help (no or bad credentials); a suspended member's token is
  refused outright, and their session stops working (so pages treat them as anonymous).
- 403 when the caller is known and may see the thing but not do this (`code` says why).
- 404 for content the caller may not see: hidden, pending, removed and deleted content is
  never a 403, so a refusal never reveals that it exists. A category moderator sees
  hidden content of their categories only; a sanctioned moderator is a member.
- Web pages send anonymous visitors to the login page (302) where signing in is needed;
  the admin sends anyone but staff to its login page.

Each case has an expected status per caller, and checks: (what the answer shows, who may
see it). For a read that answers 200, each check must hold for exactly its callers."""

import re
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image as PillowImage
from rest_framework.test import APIClient

from forum.accounts.models import CategoryModerator, Sanction
from forum.accounts.services import token_create
from forum.notifications.models import Notification
from forum.threads.bookmarks import bookmark_save
from forum.threads.models import Image, PostState
from forum.threads.services import (
    post_delete,
    post_edit,
    post_set_state,
    thread_set_flags,
    thread_set_state,
)
from forum.webhooks.services import webhook_create
from moderation.actions import perform
from moderation.models import ReviewItem
from moderation.services import report_file, review_item_open, sanction_impose
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "tl0",
    "member",
    "author",
    "silenced",
    "suspended",
    "moderator",
    "catmod_in",
    "catmod_out",
    "sanctioned_mod",
    "admin",
)
# Who moderates "general", where the content is; "other" holds one thread of its own.
MODERATING = frozenset({"moderator", "catmod_in", "admin"})
MODERATING_OTHER = frozenset({"moderator", "catmod_out", "admin"})
FORUM_WIDE = frozenset({"moderator", "admin"})
# Who may see the author's hidden content in "general", and in "other".
PRIVILEGED = MODERATING | {"author"}
PRIVILEGED_OTHER = MODERATING_OTHER | {"author"}
MODERATORS = frozenset({"moderator", "catmod_in", "catmod_out", "admin"})
# Signed in, active and under no sanction: who may post.
POSTERS = frozenset({"tl0", "member", "author"}) | MODERATORS
SECRET = "zanzibar"  # a word only in content some callers may not see (and one visible post)
OTHER_SECRET = "timbuktu"  # the same, in the other category


def by_role(default: int, **overrides: int) -> dict[str, int]:
    unknown = set(overrides) - set(ROLES)
    assert not unknown, unknown
    return {role: overrides.get(role, default) for role in ROLES}


def only(roles, status: int, default: int, **overrides: int) -> dict[str, int]:
    """`status` for `roles`, `default` for the rest; `overrides` win over both."""
    return by_role(default, **{**{role: status for role in roles}, **overrides})


def api_read(**overrides: int) -> dict[str, int]:
    """A read anyone may make: a suspended member's token is refused."""
    return by_role(200, suspended=401, **overrides)


def api_hidden_read(privileged=PRIVILEGED) -> dict[str, int]:
    """A read of hidden content: its author's and its category's moderators' only."""
    return only(privileged, 200, 404, suspended=401)


def api_signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Any signed-in member may: anonymous callers get 401, and so does a suspended
    member's token."""
    return by_role(status, anonymous=401, suspended=401, **overrides)


def api_posting(status: int, **overrides: int) -> dict[str, int]:
    """Writing what others read: not while silenced."""
    return api_signed_in(status, silenced=403, sanctioned_mod=403, **overrides)


def api_moderating(status: int = 200, **overrides: int) -> dict[str, int]:
    """A moderator's endpoint: 401 anonymous, 403 to members and to a sanctioned
    moderator, `status` for the moderators of "general"."""
    return only(MODERATING, status, 403, anonymous=401, suspended=401, **overrides)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str
    expected: dict[str, int]
    body: object = None
    checks: tuple = field(default=())  # ((shows(answer, world) -> bool, who), ...)
    format: str = "json"  # of an API request's body


# --- what an answer shows -------------------------------------------------------------


def _ids(body) -> set[int]:
    return {row["id"] for row in body["results"]}


def _hidden_threads_listed(body, w) -> bool:
    return bool(_ids(body) & {w["pending_thread"].pk, w["hidden_thread"].pk})


def _other_hidden_thread_listed(body, w) -> bool:
    return w["other_hidden_thread"].pk in _ids(body)


def _hidden_posts_read(body, w) -> bool:
    hidden = {w["pending"].pk, w["hidden"].pk, w["removed"].pk, w["deleted"].pk}
    shown = {row["id"]: row for row in body["results"]}
    return any(pk in shown and shown[pk]["body_html"] for pk in hidden) or (
        w["pending"].pk in shown
    )


def _found(body) -> set[int]:
    return {hit["post_id"] for hit in body["results"]}


def _hidden_found(body, w) -> bool:
    hidden = {w["pending"].pk, w["hidden"].pk, w["removed"].pk, w["op_hidden"].pk}
    hidden |= {w["pending_thread"].opening_post_id, w["hidden_thread"].opening_post_id}
    assert w["visible_secret"].pk in _found(body)  # the search itself works for everyone
    return bool(_found(body) & hidden)


def _other_hidden_found(body, w) -> bool:
    return w["other_hidden"].pk in _found(body)


def _profile_counts_public_posts_only(body, w) -> bool:
    # The same for every viewer: no e-mail, and a count of public posts only (the thread's
    # opening post, its visible reply and the visible one with the word, the locked
    # thread's and the other category's opening posts and the locked thread's reply).
    assert "email" not in body
    assert body["post_count"] == 6
    return True


def _trust_level_shown(body, w) -> bool:
    return "trust_level" in body


def _member_posts_have(*names):
    def shows(body, w) -> bool:
        return bool(_ids(body) & {w[name].pk for name in names})

    return shows


def _threads_opened(*names):
    """Whether the threads `names` are among those listed by their opening posts; with
    no names, whether the visible thread is."""

    def shows(body, w) -> bool:
        threads = {row["thread"]["id"] for row in body["results"]}
        return bool(threads & {w[name].pk for name in names or ("thread",)})

    return shows


def _parent_named_not_shown(body, w) -> bool:
    # A visible reply to a hidden post names its parent's id, never its text, to anyone.
    assert body["parent_id"] == w["hidden"].pk
    assert w["hidden"].body_source not in str(body)
    return True


def _queue_has(name):
    def shows(body, w) -> bool:
        return w[name].pk in _ids(body)

    return shows


def _reports_of(name):
    def shows(body, w) -> bool:
        return w[name].pk in {row["post_id"] for row in body["results"]}

    return shows


def _sanctions_listed(body, w) -> bool:
    return bool(body["results"])


def _log_has(target_type: str, name: str):
    def shows(body, w) -> bool:
        target = w[name].pk
        return any(
            row["target_type"] == target_type and row["target_id"] == target
            for row in body["results"]
        )

    return shows


def _page_shows(*names):
    def shows(html, w) -> bool:
        return any(w[name].body_source in html for name in names)

    return shows


def _page_has(text):
    def shows(html, w) -> bool:
        return text.format(**{k: getattr(v, "pk", v) for k, v in w.items()}) in html

    return shows


# --- the world ----------------------------------------------------------------------------


def _build_world() -> dict:
    # No moderation rules: flood limits would refuse the world's quick writes, and states
    # are set directly below.
    general = CategoryFactory(slug="general", name="General")
    other = CategoryFactory(slug="other", name="Other")
    users = {
        "tl0": UserFactory(username="newbie", trust_level=0),
        "member": UserFactory(username="trusted", trust_level=2),
        "author": UserFactory(username="author", trust_level=2),
        "silenced": UserFactory(username="silenced", trust_level=2),
        "suspended": UserFactory(username="suspended", trust_level=2),
        "moderator": ModeratorFactory(username="mod"),
        "catmod_in": ModeratorFactory(username="generalmod"),
        "catmod_out": ModeratorFactory(username="othermod"),
        "sanctioned_mod": ModeratorFactory(username="benchedmod"),
        "admin": UserFactory(
            username="root", role="admin", is_staff=True, is_superuser=True, trust_level=4
        ),
    }
    UserFactory(username="bystander")
    CategoryModerator.objects.create(moderator=users["catmod_in"], category=general)
    CategoryModerator.objects.create(moderator=users["catmod_out"], category=other)
    author, moderator, admin = users["author"], users["moderator"], users["admin"]
    tokens = {role: token_create(user=user, name="matrix") for role, user in users.items()}

    thread = make_thread(author=author, category=general, title="An open thread")
    reply = make_reply(thread=thread, author=author, body="A visible reply.")
    post_edit(editor=author, post=reply, body="A visible reply, edited.")
    visible_secret = make_reply(thread=thread, author=author, body=f"Visible {SECRET} post.")
    pending = make_reply(thread=thread, author=author, body=f"Pending {SECRET} text.")
    hidden = make_reply(thread=thread, author=author, body=f"Hidden {SECRET} text.")
    removed = make_reply(thread=thread, author=author, body=f"Removed {SECRET} text.")
    deleted = make_reply(thread=thread, author=author, body=f"Deleted {SECRET} text.")
    gone = make_reply(thread=thread, author=author, body="Removed, then deleted.")
    child_of_hidden = make_reply(
        thread=thread, author=users["member"], parent=hidden, body="Replying to hidden."
    )
    post_set_state(post=pending, state=PostState.PENDING)
    post_set_state(post=hidden, state=PostState.HIDDEN, reason="Under review")
    post_set_state(post=removed, state=PostState.REMOVED, reason="Off-topic")
    post_set_state(post=gone, state=PostState.REMOVED, reason="Off-topic")
    post_delete(actor=author, post=deleted)
    post_delete(actor=author, post=gone)

    pending_thread = make_thread(author=author, category=general, title=f"Pending {SECRET}")
    post_set_state(post=pending_thread.opening_post, state=PostState.PENDING, with_thread=True)
    hidden_thread = make_thread(author=author, category=general, title=f"Hidden {SECRET}")
    in_hidden_thread = make_reply(
        thread=hidden_thread, author=users["member"], body="A reply in a hidden thread."
    )
    thread_set_state(thread=hidden_thread, state=PostState.HIDDEN)
    # A discussion whose opening post alone is hidden stays readable and listed.
    op_thread = make_thread(
        author=author, category=general, title="A discussion", body=f"Opening {SECRET} text."
    )
    op_reply = make_reply(thread=op_thread, author=users["member"], body="A reply that stays.")
    post_set_state(post=op_thread.opening_post, state=PostState.HIDDEN, reason="Reported")
    locked = make_thread(author=author, category=general, title="A settled question")
    locked_reply = make_reply(thread=locked, author=author, body="My last word.")
    thread_set_flags(thread=locked, is_locked=True)

    other_thread = make_thread(author=author, category=other, title="Elsewhere")
    other_hidden = make_reply(
        thread=other_thread, author=author, body=f"Hidden {OTHER_SECRET} elsewhere."
    )
    post_set_state(post=other_hidden, state=PostState.HIDDEN, reason="Under review")
    other_hidden_thread = make_thread(author=author, category=other, title="Hidden elsewhere")
    thread_set_state(thread=other_hidden_thread, state=PostState.HIDDEN)

    item = review_item_open(post=hidden, reason=ReviewItem.Reason.REPORTS)
    other_item = review_item_open(post=other_hidden, reason=ReviewItem.Reason.REPORTS)
    # Decisions in each category's log, and an open report in each.
    perform("hide", actor=moderator, target=visible_secret, reason="Checking")
    perform("restore", actor=moderator, target=visible_secret)
    perform("hide", actor=moderator, target=other_thread.opening_post, reason="Checking")
    perform("restore", actor=moderator, target=other_thread.opening_post)
    report_file(reporter=users["member"], post=visible_secret, reason="spam")
    report_file(reporter=users["member"], post=other_thread.opening_post, reason="spam")
    sanction_impose(actor=moderator, user=users["suspended"], kind="suspend", reason="Spam")
    silence = sanction_impose(actor=moderator, user=users["silenced"], kind="silence", reason="x")
    benched = sanction_impose(
        actor=admin, user=users["sanctioned_mod"], kind="silence", reason="Overreach"
    )
    notification = Notification.objects.create(
        recipient=author, kind="reply", thread=thread, post=reply, collapse_key="k"
    )
    webhook = webhook_create(
        owner=author, url="https://hooks.example.com/x", events=["post.created"]
    )
    image = Image.objects.create(
        sha256="a" * 64,
        original_sha256="b" * 64,
        file=f"images/aa/{'a' * 64}.png",
        format="png",
        width=4,
        height=3,
        size=100,
        alt="a chart",
        uploaded_by=author,
    )
    member_bookmark, _ = bookmark_save(user=users["member"], post=reply, note="For later")
    for model in (thread, pending_thread, hidden_thread, op_thread, locked, other_thread):
        model.refresh_from_db()
    return {
        "users": users,
        "tokens": {role: token for role, (_, token) in tokens.items()},
        "token_ids": {role: row.pk for role, (row, _) in tokens.items()},
        "thread": thread,
        "opening": thread.opening_post,
        "reply": reply,
        "visible_secret": visible_secret,
        "pending": pending,
        "hidden": hidden,
        "removed": removed,
        "deleted": deleted,
        "gone": gone,
        "child_of_hidden": child_of_hidden,
        "pending_thread": pending_thread,
        "hidden_thread": hidden_thread,
        "in_hidden_thread": in_hidden_thread,
        "op_thread": op_thread,
        "op_hidden": op_thread.opening_post,
        "op_reply": op_reply,
        "locked": locked,
        "locked_reply": locked_reply,
        "other_thread": other_thread,
        "other_opening": other_thread.opening_post,
        "other_hidden": other_hidden,
        "other_hidden_thread": other_hidden_thread,
        "item": item,
        "other_item": other_item,
        "silence": Sanction.objects.get(pk=silence.pk),
        "benched": Sanction.objects.get(pk=benched.pk),
        "member_user": users["member"],
        "notification": notification,
        "webhook": webhook,
        "image": image,
        "generalmod_user": users["catmod_in"],
        "member_bookmark": member_bookmark,
    }


@pytest.fixture(scope="module")
def world_rows(django_db_setup, django_db_blocker):
    """The world is built once for the module's cases and committed; each case runs in a
    transaction that is rolled back, so a write in one never reaches another. The
    tables are emptied at the end, as after any transactional test."""
    with django_db_blocker.unblock():
        rows = _build_world()
    yield rows
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(world_rows, db):
    return world_rows


def _url(template: str, w) -> str:
    values = {name: getattr(value, "pk", None) for name, value in w.items()}
    values.update(
        slug=w["thread"].slug,
        pending_slug=w["pending_thread"].slug,
        hidden_slug=w["hidden_thread"].slug,
        op_slug=w["op_thread"].slug,
        locked_slug=w["locked"].slug,
        other_slug=w["other_thread"].slug,
        author_token=w["token_ids"]["author"],
        secret=SECRET,
        other_secret=OTHER_SECRET,
    )
    return template.format(**values)


def _body(body, w):
    if callable(body):
        return body(w)
    return body


# --- the API ------------------------------------------------------------------------------

A = "/api/v1"
NEW_THREAD = {"category": "general", "title": "A new thread", "body": "Text"}
REPLY = {"body": "A reply."}
EDIT = {"body": "Edited by whoever may."}
HIDE = {"reason": "Checking"}


def _action(action: str, target: str, **extra):
    def body(w):
        return {"action": action, "target_id": w[target].pk, "reason": "Checking", **extra}

    return body


def _png_upload(w):
    buffer = BytesIO()
    PillowImage.new("RGB", (8, 6), "teal").save(buffer, format="PNG")
    return {"file": SimpleUploadedFile("chart.png", buffer.getvalue(), "image/png")}


API_CASES = [
    # Images: members who may post upload them (from trust level 1); an image's record
    # is its uploader's and the moderators'.
    Case(
        "upload an image",
        "post",
        f"{A}/images/",
        api_posting(201, tl0=403),
        body=_png_upload,
        format="multipart",
    ),
    Case(
        "read an uploaded image",
        "get",
        f"{A}/images/{{image}}/",
        only(MODERATORS | {"author"}, 200, 404, anonymous=401, suspended=401),
    ),
    # Reads of lists, counts, search and profiles: everyone, showing hidden content only to
    # its author and the moderators of its category.
    Case(
        "threads list",
        "get",
        f"{A}/threads/",
        api_read(),
        checks=(
            (_hidden_threads_listed, PRIVILEGED),
            (_other_hidden_thread_listed, PRIVILEGED_OTHER),
            (lambda body, w: w["op_thread"].pk in _ids(body), frozenset(ROLES) - {"suspended"}),
        ),
    ),
    Case(
        "threads by state",
        "get",
        f"{A}/threads/?state=hidden",
        api_read(),
        checks=((_hidden_threads_listed, PRIVILEGED),),
    ),
    Case("categories", "get", f"{A}/categories/", api_read()),
    Case("thread", "get", f"{A}/threads/{{thread}}/", api_read()),
    Case(
        "thread posts",
        "get",
        f"{A}/threads/{{thread}}/posts/",
        api_read(),
        checks=((_hidden_posts_read, PRIVILEGED),),
    ),
    Case(
        "thread posts, most reactions first",
        "get",
        f"{A}/threads/{{thread}}/posts/?order=reactions",
        api_read(),
        checks=((_hidden_posts_read, PRIVILEGED),),
    ),
    Case("pending thread", "get", f"{A}/threads/{{pending_thread}}/", api_hidden_read()),
    Case("hidden thread", "get", f"{A}/threads/{{hidden_thread}}/", api_hidden_read()),
    Case("hidden thread posts", "get", f"{A}/threads/{{hidden_thread}}/posts/", api_hidden_read()),
    Case(
        "thread with a hidden opening post",
        "get",
        f"{A}/threads/{{op_thread}}/posts/",
        api_read(),
        checks=(
            (
                lambda body, w: any(
                    row["id"] == w["op_hidden"].pk and row["body_html"] for row in body["results"]
                ),
                PRIVILEGED,
            ),
            (
                lambda body, w: w["op_reply"].pk in _ids(body),
                frozenset(ROLES) - {"suspended"},
            ),
        ),
    ),
    Case(
        "other category's hidden thread",
        "get",
        f"{A}/threads/{{other_hidden_thread}}/",
        api_hidden_read(PRIVILEGED_OTHER),
    ),
    Case(
        "search",
        "get",
        f"{A}/search/?q={{secret}}",
        api_read(),
        checks=((_hidden_found, PRIVILEGED),),
    ),
    Case(
        "search the other category",
        "get",
        f"{A}/search/?q={{other_secret}}",
        api_read(),
        checks=((_other_hidden_found, PRIVILEGED_OTHER),),
    ),
    Case(
        "profile",
        "get",
        f"{A}/users/author/",
        api_read(),
        checks=(
            (_profile_counts_public_posts_only, frozenset(ROLES)),
            (_trust_level_shown, MODERATORS),
        ),
    ),
    Case("profile of nobody", "get", f"{A}/users/nobody/", by_role(404, suspended=401)),
    # A member's posts: what the caller may read of them, as everywhere.
    Case(
        "a member's replies",
        "get",
        f"{A}/users/author/posts/?kind=replies&page_size=100",
        api_read(),
        checks=(
            (_member_posts_have("reply", "visible_secret"), frozenset(ROLES) - {"suspended"}),
            (_member_posts_have("pending", "hidden", "removed"), PRIVILEGED),
            (_member_posts_have("deleted"), MODERATING),
            (_member_posts_have("other_hidden"), PRIVILEGED_OTHER),
        ),
    ),
    Case(
        "a member's threads",
        "get",
        f"{A}/users/author/posts/?kind=threads&page_size=100",
        api_read(),
        checks=(
            (_member_posts_have("reply", "locked_reply"), frozenset()),
            (_threads_opened(), frozenset(ROLES) - {"suspended"}),
            (_member_posts_have("op_hidden"), PRIVILEGED),
            (_threads_opened("pending_thread", "hidden_thread"), PRIVILEGED),
            (_threads_opened("other_hidden_thread"), PRIVILEGED_OTHER),
        ),
    ),
    Case("posts of nobody", "get", f"{A}/users/nobody/posts/", by_role(404, suspended=401)),
    Case("visible post", "get", f"{A}/posts/{{reply}}/", api_read()),
    Case(
        "reply to a hidden post",
        "get",
        f"{A}/posts/{{child_of_hidden}}/",
        api_read(),
        checks=((_parent_named_not_shown, frozenset(ROLES)),),
    ),
    Case("pending post", "get", f"{A}/posts/{{pending}}/", api_hidden_read()),
    Case("hidden post", "get", f"{A}/posts/{{hidden}}/", api_hidden_read()),
    Case("removed post", "get", f"{A}/posts/{{removed}}/", api_hidden_read()),
    Case("deleted post", "get", f"{A}/posts/{{deleted}}/", api_hidden_read(MODERATING)),
    Case("hidden opening post", "get", f"{A}/posts/{{op_hidden}}/", api_hidden_read()),
    Case("post in a hidden thread", "get", f"{A}/posts/{{in_hidden_thread}}/", api_hidden_read()),
    Case(
        "hidden post elsewhere",
        "get",
        f"{A}/posts/{{other_hidden}}/",
        api_hidden_read(PRIVILEGED_OTHER),
    ),
    # A post's history is as public as the post: anyone who may read a visible post may
    # read its revisions; a hidden or deleted post's stays with who may read the post.
    Case("revisions", "get", f"{A}/posts/{{reply}}/revisions/", api_read()),
    Case("diff", "get", f"{A}/posts/{{reply}}/diff/", api_read()),
    Case("hidden revisions", "get", f"{A}/posts/{{hidden}}/revisions/", api_hidden_read()),
    Case("hidden diff", "get", f"{A}/posts/{{hidden}}/diff/", api_hidden_read()),
    Case(
        "deleted revisions", "get", f"{A}/posts/{{deleted}}/revisions/", api_hidden_read(MODERATING)
    ),
    Case(
        "revisions elsewhere",
        "get",
        f"{A}/posts/{{other_hidden}}/revisions/",
        api_hidden_read(PRIVILEGED_OTHER),
    ),
    # The member's own things.
    Case("me", "get", f"{A}/me/", api_signed_in(200)),
    Case("notifications", "get", f"{A}/notifications/", api_signed_in(200)),
    Case("unread count", "get", f"{A}/notifications/unread-count/", api_signed_in(200)),
    Case("tokens", "get", f"{A}/me/tokens/", api_signed_in(200)),
    Case("mutes", "get", f"{A}/me/mutes/", api_signed_in(200)),
    # Drafts are their owner's alone: every signed-in member has their own (none yet),
    # and a sanction stops posting, not keeping drafts.
    Case("drafts", "get", f"{A}/drafts/", api_signed_in(200)),
    Case("new-thread draft", "get", f"{A}/drafts/new-thread/", api_signed_in(404)),
    Case(
        "keep a new-thread draft",
        "put",
        f"{A}/drafts/new-thread/",
        api_signed_in(200),
        {"title": "Half a title", "body": "Half a thought"},
    ),
    Case("discard the new-thread draft", "delete", f"{A}/drafts/new-thread/", api_signed_in(204)),
    Case("reply draft", "get", f"{A}/drafts/thread/{{thread}}/", api_signed_in(404)),
    Case(
        "keep a reply draft",
        "put",
        f"{A}/drafts/thread/{{thread}}/",
        api_signed_in(200),
        {"body": "Half a reply"},
    ),
    Case(
        "keep a reply draft in a hidden thread",
        "put",
        f"{A}/drafts/thread/{{hidden_thread}}/",
        only(PRIVILEGED, 200, 404, anonymous=401, suspended=401),
        {"body": "Half a reply"},
    ),
    Case("discard a reply draft", "delete", f"{A}/drafts/thread/{{thread}}/", api_signed_in(204)),
    Case("webhooks", "get", f"{A}/webhooks/", api_signed_in(200)),
    # Writes.
    Case("start thread", "post", f"{A}/threads/", api_posting(201), NEW_THREAD),
    Case("reply", "post", f"{A}/threads/{{thread}}/posts/", api_posting(201), REPLY),
    Case(
        "reply in a hidden thread",
        "post",
        f"{A}/threads/{{hidden_thread}}/posts/",
        only(PRIVILEGED, 201, 404, anonymous=401, suspended=401),
        REPLY,
    ),
    Case(
        "reply in a locked thread",
        "post",
        f"{A}/threads/{{locked}}/posts/",
        api_posting(403, moderator=201, catmod_in=201, admin=201),
        REPLY,
    ),
    Case(
        "reply under a hidden opening post",
        "post",
        f"{A}/threads/{{op_thread}}/posts/",
        api_posting(201),
        REPLY,
    ),
    Case(
        "reply with a hidden parent",
        "post",
        f"{A}/threads/{{thread}}/posts/",
        api_posting(400, author=201, moderator=201, catmod_in=201, admin=201),
        lambda w: {"body": "x", "parent": w["hidden"].pk},
    ),
    Case(
        "edit own visible post",
        "patch",
        f"{A}/posts/{{reply}}/",
        api_posting(403, author=200, moderator=200, catmod_in=200, admin=200),
        EDIT,
    ),
    Case(
        "edit hidden post",
        "patch",
        f"{A}/posts/{{hidden}}/",
        only(PRIVILEGED, 200, 404, anonymous=401, suspended=401),
        EDIT,
    ),
    Case(
        "edit removed post",
        "patch",
        f"{A}/posts/{{removed}}/",
        only(MODERATING, 200, 404, anonymous=401, suspended=401, author=403),
        EDIT,
    ),
    Case(
        "edit in a locked thread",
        "patch",
        f"{A}/posts/{{locked_reply}}/",
        api_posting(403, moderator=200, catmod_in=200, admin=200),
        EDIT,
    ),
    Case(
        "edit a hidden post elsewhere",
        "patch",
        f"{A}/posts/{{other_hidden}}/",
        only(PRIVILEGED_OTHER, 200, 404, anonymous=401, suspended=401),
        EDIT,
    ),
    Case(
        "delete visible post",
        "delete",
        f"{A}/posts/{{reply}}/",
        api_signed_in(403, author=204, moderator=204, catmod_in=204, admin=204),
    ),
    Case(
        "delete hidden post",
        "delete",
        f"{A}/posts/{{hidden}}/",
        only(PRIVILEGED, 204, 404, anonymous=401, suspended=401),
    ),
    Case(
        "delete in a locked thread",
        "delete",
        f"{A}/posts/{{locked_reply}}/",
        api_signed_in(403, moderator=204, catmod_in=204, admin=204),
    ),
    Case(
        "watch",
        "put",
        f"{A}/threads/{{thread}}/watch/",
        api_signed_in(200),
        {"level": "watching"},
    ),
    Case(
        "watch hidden thread",
        "put",
        f"{A}/threads/{{hidden_thread}}/watch/",
        only(PRIVILEGED, 200, 404, anonymous=401, suspended=401),
        {"level": "watching"},
    ),
    Case("mark read", "post", f"{A}/notifications/read/", api_signed_in(200), {}),
    # How far a member has read is theirs alone: silenced members too.
    Case(
        "mark a thread read",
        "post",
        f"{A}/threads/{{thread}}/read/",
        api_signed_in(200),
        lambda w: {"post_id": w["reply"].pk},
    ),
    Case(
        "mark a hidden thread read",
        "post",
        f"{A}/threads/{{hidden_thread}}/read/",
        only(PRIVILEGED, 200, 404, anonymous=401, suspended=401),
        lambda w: {"post_id": w["in_hidden_thread"].pk},
    ),
    Case("create token", "post", f"{A}/me/tokens/", api_signed_in(201), {"name": "cli"}),
    Case(
        "revoke the author's token",
        "delete",
        f"{A}/me/tokens/{{author_token}}/",
        api_signed_in(404, author=204),
    ),
    # What others read about a member is published text: not while silenced.
    Case("update me", "patch", f"{A}/me/", api_posting(200), {"bio": "Hello"}),
    Case(
        "update me, e-mail only",
        "patch",
        f"{A}/me/",
        api_signed_in(200),
        {"email_frequency": "weekly"},
    ),
    Case("mute", "put", f"{A}/me/mutes/bystander/", api_signed_in(200)),
    Case("unmute", "delete", f"{A}/me/mutes/bystander/", api_signed_in(204)),
    Case(
        "report a visible post",
        "post",
        f"{A}/posts/{{reply}}/reports/",
        api_posting(201, author=403),
        {"reason": "spam"},
    ),
    Case(
        "report a hidden post",
        "post",
        f"{A}/posts/{{hidden}}/reports/",
        api_signed_in(404),
        {"reason": "spam"},
    ),
    # The post is visible but its thread is not: no way to learn it exists.
    Case(
        "report in a hidden thread",
        "post",
        f"{A}/posts/{{in_hidden_thread}}/reports/",
        only(PRIVILEGED, 201, 404, anonymous=401, suspended=401),
        {"reason": "spam"},
    ),
    # Bookmarks: private, so a silenced member may too; only what the caller may read.
    Case("bookmarks", "get", f"{A}/bookmarks/", api_signed_in(200)),
    Case(
        "bookmark a visible post",
        "put",
        f"{A}/posts/{{reply}}/bookmark/",
        api_signed_in(201, member=200),
        {"note": "For later"},
    ),
    Case(
        "bookmark a hidden post",
        "put",
        f"{A}/posts/{{hidden}}/bookmark/",
        only(PRIVILEGED, 201, 404, anonymous=401, suspended=401),
        {"note": ""},
    ),
    Case(
        "bookmark a post in a hidden thread",
        "put",
        f"{A}/posts/{{in_hidden_thread}}/bookmark/",
        only(PRIVILEGED, 201, 404, anonymous=401, suspended=401),
    ),
    Case(
        "take a post out of bookmarks",
        "delete",
        f"{A}/posts/{{reply}}/bookmark/",
        api_signed_in(204),
    ),
    Case(
        "take a hidden post out of bookmarks",
        "delete",
        f"{A}/posts/{{hidden}}/bookmark/",
        only(PRIVILEGED, 204, 404, anonymous=401, suspended=401),
    ),
    Case("bookmark a thread", "put", f"{A}/threads/{{thread}}/bookmark/", api_signed_in(201)),
    Case(
        "bookmark a hidden thread",
        "put",
        f"{A}/threads/{{hidden_thread}}/bookmark/",
        only(PRIVILEGED, 201, 404, anonymous=401, suspended=401),
    ),
    Case(
        "take a thread out of bookmarks",
        "delete",
        f"{A}/threads/{{thread}}/bookmark/",
        api_signed_in(204),
    ),
    # Reactions: on what anyone may read, by whoever may post, never on one's own post.
    Case("who reacted", "get", f"{A}/posts/{{reply}}/reactions/?kind=agree", api_read()),
    Case(
        "who reacted to a hidden post", "get", f"{A}/posts/{{hidden}}/reactions/", api_hidden_read()
    ),
    Case(
        "react to a visible post",
        "put",
        f"{A}/posts/{{reply}}/reactions/insightful/",
        api_posting(200, author=403),
    ),
    Case(
        "take back a reaction",
        "delete",
        f"{A}/posts/{{reply}}/reactions/insightful/",
        api_posting(200, author=403),
    ),
    Case(
        "react to a hidden post",
        "put",
        f"{A}/posts/{{hidden}}/reactions/agree/",
        api_signed_in(404),
    ),
    Case(
        "react in a hidden thread",
        "put",
        f"{A}/posts/{{in_hidden_thread}}/reactions/agree/",
        only(PRIVILEGED, 200, 404, anonymous=401, suspended=401),
    ),
    Case(
        "appeal a removed post",
        "post",
        f"{A}/posts/{{removed}}/appeal/",
        api_signed_in(404, author=201),
        {"message": "Please look again."},
    ),
    Case(
        "appeal a visible post",
        "post",
        f"{A}/posts/{{reply}}/appeal/",
        api_signed_in(404, author=403),
        {"message": "Please look again."},
    ),
    Case(
        "appeal a removed post the author deleted",
        "post",
        f"{A}/posts/{{gone}}/appeal/",
        api_signed_in(404, author=403),
        {"message": "Please look again."},
    ),
    Case(
        "register webhook",
        "post",
        f"{A}/webhooks/",
        api_posting(201),
        {"url": "https://hooks.example.com/x", "events": ["post.created"]},
    ),
    Case(
        "register a moderators' webhook",
        "post",
        f"{A}/webhooks/",
        api_posting(403, moderator=201, catmod_in=201, catmod_out=201, admin=201),
        {"url": "https://hooks.example.com/x", "events": ["report.filed"]},
    ),
    Case(
        "the author's webhook",
        "get",
        f"{A}/webhooks/{{webhook}}/",
        api_signed_in(404, author=200),
    ),
    Case(
        "the author's webhook deliveries",
        "get",
        f"{A}/webhooks/{{webhook}}/deliveries/",
        api_signed_in(404, author=200),
    ),
    Case(
        "delete the author's webhook",
        "delete",
        f"{A}/webhooks/{{webhook}}/",
        api_signed_in(404, author=204),
    ),
    # Moderators' endpoints: 401 anonymous, 403 members and a sanctioned moderator, even
    # for things that exist; a category moderator sees and acts on their categories only.
    Case(
        "queue",
        "get",
        f"{A}/moderation/queue/",
        api_moderating(catmod_out=200),
        checks=((_queue_has("item"), MODERATING), (_queue_has("other_item"), MODERATING_OTHER)),
    ),
    Case(
        "queue item",
        "get",
        f"{A}/moderation/queue/{{item}}/",
        api_moderating(catmod_out=404),
    ),
    Case(
        "queue item elsewhere",
        "get",
        f"{A}/moderation/queue/{{other_item}}/",
        only(MODERATING_OTHER, 200, 403, anonymous=401, suspended=401, catmod_in=404),
    ),
    Case(
        "reports",
        "get",
        f"{A}/moderation/reports/",
        api_moderating(catmod_out=200),
        checks=(
            (_reports_of("visible_secret"), MODERATING),
            (_reports_of("other_opening"), MODERATING_OTHER),
        ),
    ),
    Case(
        "sanctions",
        "get",
        f"{A}/moderation/sanctions/",
        api_moderating(catmod_out=200),
        checks=((_sanctions_listed, FORUM_WIDE),),
    ),
    Case(
        "log",
        "get",
        f"{A}/moderation/log/",
        api_moderating(catmod_out=200),
        checks=(
            (_log_has("post", "visible_secret"), MODERATING),
            (_log_has("post", "other_opening"), MODERATING_OTHER),
            (_log_has("user", "member_user"), frozenset()),
            (lambda body, w: any(r["target_type"] == "user" for r in body["results"]), FORUM_WIDE),
        ),
    ),
    Case("actions", "get", f"{A}/moderation/actions/", api_moderating(catmod_out=200)),
    Case(
        "claim",
        "post",
        f"{A}/moderation/queue/{{item}}/claim/",
        api_moderating(catmod_out=404),
    ),
    Case(
        "decide",
        "post",
        f"{A}/moderation/queue/{{item}}/decide/",
        api_moderating(catmod_out=404),
        {"decision": "approve"},
    ),
    Case(
        "hide action",
        "post",
        f"{A}/moderation/actions/",
        api_moderating(catmod_out=403),
        _action("hide", "reply"),
    ),
    Case(
        "hide action elsewhere",
        "post",
        f"{A}/moderation/actions/",
        only(MODERATING_OTHER, 200, 403, anonymous=401, suspended=401),
        _action("hide", "other_opening"),
    ),
    Case(
        "lock action",
        "post",
        f"{A}/moderation/actions/",
        api_moderating(catmod_out=403),
        _action("lock", "thread"),
    ),
    Case(
        "hide the whole thread",
        "post",
        f"{A}/moderation/actions/",
        api_moderating(catmod_out=403),
        _action("hide_thread", "thread"),
    ),
    # Sanctions: moderators of the whole forum act on members; only administrators act
    # on moderators; nobody on themselves; lifting is for whoever may impose.
    Case(
        "silence a member",
        "post",
        f"{A}/moderation/actions/",
        only(FORUM_WIDE, 200, 403, anonymous=401, suspended=401),
        _action("silence", "member_user"),
    ),
    Case(
        "silence a moderator",
        "post",
        f"{A}/moderation/actions/",
        only({"admin"}, 200, 403, anonymous=401, suspended=401),
        _action("silence", "generalmod_user"),
    ),
    Case(
        "lift a member's sanction",
        "post",
        f"{A}/moderation/sanctions/{{silence}}/lift/",
        only(FORUM_WIDE, 200, 403, anonymous=401, suspended=401),
    ),
    Case(
        "lift a moderator's sanction",
        "post",
        f"{A}/moderation/sanctions/{{benched}}/lift/",
        only({"admin"}, 200, 403, anonymous=401, suspended=401),
    ),
    # Only the sanctioned member appeals their own sanction: anyone else's id is a 404.
    Case(
        "appeal a silence",
        "post",
        f"{A}/sanctions/{{silence}}/appeal/",
        api_signed_in(404, silenced=201),
        body={"message": "I was quoting the spam."},
    ),
    Case(
        "appeal a moderator's silence",
        "post",
        f"{A}/sanctions/{{benched}}/appeal/",
        api_signed_in(404, sanctioned_mod=201),
        body={"message": "Ask me first."},
    ),
]


def _api_client(role: str, w) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {w['tokens'][role]}")
    return client


# --- web pages and admin screens (session sign-in) ----------------------------------------

LOGIN = 302  # sent to the login page
SIGNED_IN = frozenset(ROLES) - {"anonymous", "suspended"}


def web_public(status: int = 200, **overrides) -> dict[str, int]:
    return by_role(status, **overrides)


def web_signed_in(status: int = 200, **overrides) -> dict[str, int]:
    """A page for signed-in members; a suspended member's session no longer works."""
    return by_role(status, anonymous=LOGIN, suspended=LOGIN, **overrides)


def web_hidden(privileged=PRIVILEGED) -> dict[str, int]:
    """A page of hidden content: others (and the signed-out) get a 404."""
    return only(privileged, 200, 404)


def admin_screen(**overrides) -> dict[str, int]:
    """The admin: for who may moderate now, so not for a sanctioned moderator."""
    return only(MODERATORS, 200, LOGIN, **overrides)


WEB_CASES = [
    Case(
        "home",
        "get",
        "/",
        web_public(),
        checks=(
            (_page_has("/t/{op_thread}/"), frozenset(ROLES)),
            (_page_has("/t/{hidden_thread}/"), PRIVILEGED),
            (_page_has('href="/new/"'), POSTERS),
        ),
    ),
    Case("category page", "get", "/c/general/", web_public()),
    Case(
        "thread page",
        "get",
        "/t/{thread}/{slug}/",
        web_public(),
        checks=(
            (_page_shows("hidden", "removed"), PRIVILEGED),
            (_page_has('id="reply-form"'), POSTERS),
            (_page_has('/p/{child_of_hidden}/report/"'), POSTERS - {"member"}),  # theirs
            (_page_has('class="mod-tools"'), MODERATING),
            (_page_has('id="standing-notice"'), frozenset({"silenced", "sanctioned_mod"})),
            (_page_has('class="reaction-form"'), POSTERS),
            (_page_has('data-bookmark="post:{reply}"'), SIGNED_IN),
        ),
    ),
    Case(
        "thread page, newest replies first",
        "get",
        "/t/{thread}/{slug}/?sort=newest",
        web_public(),
        checks=(
            (_page_shows("hidden", "removed"), PRIVILEGED),
            (_page_has('action="/p/{reply}/react/"'), POSTERS - {"author"}),
        ),
    ),
    Case("thread short link", "get", "/t/{thread}/", web_public(301)),
    Case("first new post link", "get", "/t/{thread}/{slug}/unread/", web_public(302)),
    Case(
        "first new post link in a hidden thread",
        "get",
        "/t/{hidden_thread}/{hidden_slug}/unread/",
        only(PRIVILEGED, 302, 404),
    ),
    Case(
        "live updates",
        "get",
        "/t/{thread}/{slug}/updates/?after=1",
        by_role(200, anonymous=401, suspended=401),
    ),
    Case(
        "live updates of a hidden thread",
        "get",
        "/t/{hidden_thread}/{hidden_slug}/updates/?after=1",
        # The thread is looked up first: hidden is missing, to the signed-out too.
        only(PRIVILEGED, 200, 404),
    ),
    Case(
        "thread whose opening post is hidden",
        "get",
        "/t/{op_thread}/{op_slug}/",
        web_public(),
        checks=(
            (_page_shows("op_hidden"), PRIVILEGED),
            (_page_shows("op_reply"), frozenset(ROLES)),
            (
                _page_has("This post is hidden while moderators review it."),
                frozenset(ROLES) - PRIVILEGED,
            ),
        ),
    ),
    Case(
        "locked thread page",
        "get",
        "/t/{locked}/{locked_slug}/",
        web_public(),
        checks=(
            (_page_has('/p/{locked_reply}/edit/"'), MODERATING),
            (_page_has('id="reply-form"'), MODERATING),
        ),
    ),
    Case("pending thread page", "get", "/t/{pending_thread}/{pending_slug}/", web_hidden()),
    Case("hidden thread page", "get", "/t/{hidden_thread}/{hidden_slug}/", web_hidden()),
    Case(
        "other category's thread",
        "get",
        "/t/{other_thread}/{other_slug}/",
        web_public(),
        checks=(
            (_page_shows("other_hidden"), PRIVILEGED_OTHER),
            (_page_has('class="mod-tools"'), MODERATING_OTHER),
        ),
    ),
    Case(
        "branch below a hidden post",
        "get",
        "/p/{hidden}/thread/",
        web_public(),
        checks=((_page_shows("hidden", "removed"), PRIVILEGED),),
    ),
    Case(
        "reply by POST",
        "post",
        "/t/{thread}/{slug}/",
        by_role(302, anonymous=LOGIN, suspended=LOGIN, silenced=403, sanctioned_mod=403),
        {"body": "A reply from the page."},
    ),
    Case(
        "signup page",
        "get",
        "/accounts/signup/",
        by_role(302, anonymous=200, suspended=200),
    ),
    Case(
        "login page",
        "get",
        "/accounts/login/",
        by_role(302, anonymous=200, suspended=200),
    ),
    Case("password change", "get", "/accounts/password/", web_signed_in()),
    Case("password reset", "get", "/accounts/password/reset/", web_public()),
    Case("bad unsubscribe link", "get", "/notifications/unsubscribe/bad/", web_public(400)),
    Case(
        "moderate thread",
        "get",
        "/t/{thread}/{slug}/moderate/",
        web_signed_in(403, moderator=200, catmod_in=200, admin=200),
    ),
    Case(
        "lock a thread from its page",
        "post",
        "/t/{thread}/{slug}/moderate/",
        web_signed_in(403, moderator=302, catmod_in=302, admin=302),
        {"action": "lock", "reason": ""},
    ),
    Case("watch by GET", "get", "/t/{thread}/{slug}/watch/", web_signed_in(405)),
    Case(
        "watch",
        "post",
        "/t/{thread}/{slug}/watch/",
        web_signed_in(302),
        {"level": "watching"},
    ),
    Case(
        "profile page",
        "get",
        "/u/author/?show=replies",
        web_public(),
        checks=(
            (_page_shows("reply"), frozenset(ROLES)),
            (_page_shows("hidden", "pending", "removed"), PRIVILEGED),
            (_page_shows("other_hidden"), PRIVILEGED_OTHER),
            (_page_has("trust level"), MODERATORS),
        ),
    ),
    Case("bookmarks page", "get", "/bookmarks/", web_signed_in()),
    Case(
        "bookmark from the page",
        "post",
        "/p/{reply}/bookmark/",
        web_signed_in(302),
        {"note": "For later"},
    ),
    Case("a post's bookmark page", "get", "/p/{reply}/bookmark/", web_signed_in(200)),
    Case(
        "a hidden post's bookmark page",
        "get",
        "/p/{hidden}/bookmark/",
        only(PRIVILEGED, 200, 404, anonymous=LOGIN, suspended=LOGIN),
    ),
    Case(
        "bookmark a hidden post from the page",
        "post",
        "/p/{hidden}/bookmark/",
        only(PRIVILEGED, 302, 404, anonymous=LOGIN, suspended=LOGIN),
        {"note": ""},
    ),
    Case(
        "bookmark a thread from the page",
        "post",
        "/t/{thread}/{slug}/bookmark/",
        web_signed_in(302),
        {"note": ""},
    ),
    Case(
        "bookmark a hidden thread from the page",
        "post",
        "/t/{hidden_thread}/{hidden_slug}/bookmark/",
        only(PRIVILEGED, 302, 404, anonymous=LOGIN, suspended=LOGIN),
        {"note": ""},
    ),
    Case(
        "the reader's bookmarks in a thread",
        "get",
        "/t/{thread}/{slug}/bookmarks/",
        web_signed_in(),
    ),
    Case(
        "the reader's bookmarks in a hidden thread",
        "get",
        "/t/{hidden_thread}/{hidden_slug}/bookmarks/",
        only(PRIVILEGED, 200, 404, anonymous=LOGIN, suspended=LOGIN),
    ),
    # Only the member's own bookmark is theirs to change; anyone else's does not exist.
    Case(
        "change a bookmark",
        "post",
        "/bookmarks/{member_bookmark}/",
        by_role(404, member=302, anonymous=LOGIN, suspended=LOGIN),
        {"note": "Read it", "do": "save"},
    ),
    Case("visible post link", "get", "/p/{reply}/", web_public(302)),
    Case("hidden post link", "get", "/p/{hidden}/", only(PRIVILEGED, 302, 404)),
    Case(
        "post link in a hidden thread", "get", "/p/{in_hidden_thread}/", only(PRIVILEGED, 302, 404)
    ),
    Case(
        "history",
        "get",
        "/p/{reply}/history/",
        web_public(),
        checks=((_page_has("A visible reply, edited."), frozenset(ROLES)),),
    ),
    Case("deleted history", "get", "/p/{deleted}/history/", web_hidden(MODERATING)),
    Case(
        "delete form",
        "get",
        "/p/{reply}/delete/",
        web_signed_in(403, author=200, moderator=200, catmod_in=200, admin=200),
    ),
    Case(
        "delete by POST",
        "post",
        "/p/{reply}/delete/",
        web_signed_in(403, author=302, moderator=302, catmod_in=302, admin=302),
        {"confirm": "yes"},
    ),
    Case(
        "delete hidden",
        "get",
        "/p/{hidden}/delete/",
        only(PRIVILEGED, 200, 404, anonymous=LOGIN, suspended=LOGIN),
    ),
    Case(
        "search page",
        "get",
        "/search/?q={secret}",
        web_public(),
        checks=(
            (_page_has('href="/p/{visible_secret}/"'), frozenset(ROLES)),
            (_page_has('href="/p/{hidden}/"'), PRIVILEGED),
        ),
    ),
    Case("hidden history", "get", "/p/{hidden}/history/", web_hidden()),
    Case("history elsewhere", "get", "/p/{other_hidden}/history/", web_hidden(PRIVILEGED_OTHER)),
    Case(
        "new thread form",
        "get",
        "/new/",
        web_signed_in(silenced=403, sanctioned_mod=403),
    ),
    Case(
        "edit form",
        "get",
        "/p/{reply}/edit/",
        web_signed_in(403, author=200, moderator=200, catmod_in=200, admin=200),
    ),
    Case(
        "edit hidden",
        "get",
        "/p/{hidden}/edit/",
        only(PRIVILEGED, 200, 404, anonymous=LOGIN, suspended=LOGIN),
    ),
    Case(
        "edit in a locked thread",
        "get",
        "/p/{locked_reply}/edit/",
        web_signed_in(403, moderator=200, catmod_in=200, admin=200),
    ),
    Case(
        "report form",
        "get",
        "/p/{reply}/report/",
        web_signed_in(200, author=403, silenced=403, sanctioned_mod=403),
    ),
    Case("report hidden", "get", "/p/{hidden}/report/", web_signed_in(404)),
    Case(
        "react from the page",
        "post",
        "/p/{reply}/react/",
        web_signed_in(302, author=403, silenced=403, sanctioned_mod=403),
        {"kind": "insightful", "do": "add"},
    ),
    Case(
        "react to a hidden post from the page",
        "post",
        "/p/{hidden}/react/",
        # Signed out or not, as for a post never made: sending to the log-in page would
        # tell that it exists.
        web_public(404),
        {"kind": "insightful", "do": "add"},
    ),
    Case("react by GET", "get", "/p/{reply}/react/", web_public(405)),
    Case("who reacted page", "get", "/p/{reply}/reactions/?kind=agree", web_public()),
    Case("who reacted to a hidden post page", "get", "/p/{hidden}/reactions/", web_hidden()),
    Case(
        "report in a hidden thread",
        "get",
        "/p/{in_hidden_thread}/report/",
        only(PRIVILEGED, 200, 404, anonymous=LOGIN, suspended=LOGIN),
    ),
    Case(
        "moderate post",
        "get",
        "/p/{reply}/moderate/",
        web_signed_in(403, moderator=200, catmod_in=200, admin=200),
    ),
    Case(
        "moderate a hidden post elsewhere",
        "get",
        "/p/{other_hidden}/moderate/",
        only(PRIVILEGED_OTHER, 200, 404, anonymous=LOGIN, suspended=LOGIN, author=403),
    ),
    Case("appeal form", "get", "/p/{removed}/appeal/", web_signed_in(404, author=200)),
    Case("appeal of a deleted post", "get", "/p/{gone}/appeal/", web_signed_in(404, author=403)),
    Case("notifications page", "get", "/notifications/", web_signed_in()),
    # The header's count of open work: moderators who may act (a sanctioned one may not).
    Case(
        "open work count",
        "get",
        "/moderation/open-work/",
        only(MODERATORS, 200, 403, anonymous=401, suspended=401),
    ),
    Case(
        "queue digest setting",
        "post",
        "/accounts/settings/queue-digest/",
        only(MODERATORS, 302, 403, anonymous=LOGIN, suspended=LOGIN),
        body={"enabled": "on"},
    ),
    Case("settings page", "get", "/accounts/settings/", web_signed_in()),
    # Saved for everyone; a silenced member's bio stays as it was (see
    # tests/forum/web/test_web_standing.py).
    Case(
        "settings: the bio",
        "post",
        "/accounts/settings/",
        web_signed_in(302),
        {"display_name": "", "bio": "New words", "email_frequency": "daily"},
    ),
    Case(
        "mute from the settings",
        "post",
        "/accounts/settings/mutes/",
        web_signed_in(302),
        {"username": "bystander"},
    ),
    Case(
        "token from the settings",
        "post",
        "/accounts/settings/tokens/",
        web_signed_in(200),
        {"name": "cli"},
    ),
    Case(
        "revoke the author's token from the settings",
        "post",
        "/accounts/settings/tokens/{author_token}/revoke/",
        web_signed_in(404, author=302),
    ),
    Case(
        "open a notification",
        "get",
        "/notifications/{notification}/",
        web_signed_in(404, author=302),
    ),
    Case("mark all read", "post", "/notifications/read/", web_signed_in(302)),
    Case("discard the new-thread draft", "post", "/drafts/discard/", web_signed_in(302)),
    Case(
        "discard a reply draft",
        "post",
        "/drafts/discard/",
        web_signed_in(302),
        lambda w: {"thread": w["thread"].pk},
    ),
    Case(
        "discard a reply draft in a hidden thread",
        "post",
        "/drafts/discard/",
        only(PRIVILEGED, 302, 404, anonymous=LOGIN, suspended=LOGIN),
        lambda w: {"thread": w["hidden_thread"].pk},
    ),
    Case("admin index", "get", "/admin/", admin_screen()),
    Case(
        "admin queue",
        "get",
        "/admin/moderation/reviewitem/?state__exact=pending",
        admin_screen(),
        checks=(
            (_page_has("/admin/moderation/reviewitem/{item}/change/"), MODERATING),
            (_page_has("/admin/moderation/reviewitem/{other_item}/change/"), MODERATING_OTHER),
        ),
    ),
    Case(
        "admin queue item",
        "get",
        "/admin/moderation/reviewitem/{item}/change/",
        admin_screen(catmod_out=302),
    ),
    Case(
        "admin log",
        "get",
        "/admin/moderation/moderationlogentry/",
        admin_screen(),
        checks=((_page_has("Overreach"), FORUM_WIDE),),  # a decision about a member
    ),
    Case("admin reports", "get", "/admin/moderation/report/", admin_screen()),
    Case(
        "admin sanctions",
        "get",
        "/admin/accounts/sanction/",
        admin_screen(catmod_in=403, catmod_out=403),
    ),
    # Images belong to no category: their screens are for moderators of the whole forum.
    Case(
        "admin uploaded images",
        "get",
        "/admin/moderation/uploadedimage/",
        admin_screen(catmod_in=403, catmod_out=403),
        checks=((_page_has("a chart"), FORUM_WIDE),),
    ),
    Case(
        "admin denied images",
        "get",
        "/admin/moderation/deniedimage/",
        admin_screen(catmod_in=403, catmod_out=403),
    ),
    Case("admin rules", "get", "/admin/moderation/rule/", admin_screen()),
    Case("admin appeals", "get", "/admin/moderation/appeal/", admin_screen()),
    Case("admin verdicts", "get", "/admin/moderation/verdict/", admin_screen()),
    Case("admin dashboard", "get", "/admin/moderation/reviewitem/dashboard/", admin_screen()),
    # Moderators see members (trust, sanctions, everything they may read that a member
    # posted); only administrators change them.
    Case("admin users", "get", "/admin/accounts/user/", admin_screen()),
    Case(
        "admin: a member's posts",
        "get",
        "/admin/accounts/user/{member_user}/posts/",
        admin_screen(),
    ),
    Case(
        "admin posts",
        "get",
        "/admin/threads/post/",
        only(MODERATORS, 403, LOGIN, admin=200),
    ),
    Case(
        "admin threads",
        "get",
        "/admin/threads/thread/",
        only(MODERATORS, 403, LOGIN, admin=200),
    ),
]


def _web_client(role: str, w) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(w["users"][role])
    return client


CASES = [("api", case) for case in API_CASES] + [("web", case) for case in WEB_CASES]


def test_every_api_operation_and_web_page_is_in_the_matrix():
    """A new endpoint or page must join the matrix: every route of the API and of the
    web UI is named by at least one case."""
    from forum import api_urls
    from forum.web import urls as web_urls

    paths = [re.sub(r"\{[^}]+\}", "1", case.url.split("?")[0]) for _, case in CASES]
    routes = [f"/api/v1/{p.pattern}" for p in api_urls.urlpatterns if p.name != "not-found"]
    routes += [f"/{p.pattern}" for p in web_urls.urlpatterns]
    missing = [route for route in routes if not any(_matches(route, path) for path in paths)]
    assert sorted(missing) == [
        # Pages that need a valid signed token, that only redirect or render a fixed page
        # (their permission is that of the flow they belong to), or that need a password.
        "/accounts/logout/",
        "/accounts/password/done/",
        "/accounts/password/reset/<str:uidb64>/<str:token>/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/sent/",
        "/accounts/settings/sessions/",
        "/accounts/signup/confirm/<str:uidb64>/<str:token>/",
        "/accounts/signup/done/",
        # Sends a request to the receiver: tests/forum/webhooks/test_webhook_api.py.
        "/api/v1/webhooks/<int:pk>/ping/",
        # The appeal of a sanction through its signed link:
        # tests/moderation/test_sanction_appeals.py.
        "/standing/appeal/<str:token>/",
    ], "add a case for each new route, or name it here with the reason"


def _matches(route: str, path: str) -> bool:
    pattern = "".join(
        "[^/]+" if part.startswith("<") else re.escape(part)
        for part in re.split(r"(<[^>]+>)", route)
    )
    return re.fullmatch(pattern, path) is not None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("surface", "case"), CASES, ids=[f"{surface}:{case.name}" for surface, case in CASES]
)
def test_permission_matrix(world, role, surface, case):
    client = _api_client(role, world) if surface == "api" else _web_client(role, world)
    target = _url(case.url, world)
    kwargs = {}
    if case.body is not None:
        kwargs = {"data": _body(case.body, world)}
        if surface == "api":
            kwargs["format"] = case.format

    response = getattr(client, case.method)(target, **kwargs)

    expected = case.expected[role]
    assert response.status_code == expected, (
        f"{role} {case.method.upper()} {target}: {response.status_code}, expected "
        f"{expected}: {response.content[:300]!r}"
    )
    if surface == "api" and response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
        assert SECRET not in error["message"] and OTHER_SECRET not in error["message"]
    if surface == "web" and response.status_code == LOGIN and role not in POSTERS - MODERATORS:
        location = response["Location"]
        if "post link" in case.name:
            assert location.startswith("/t/"), location  # to the post
        elif case.name in ("signup page", "login page"):
            assert location == "/", location  # signed in already: home
        elif target.startswith("/admin/") and role not in MODERATORS:
            assert "/admin/login/" in location, location
        elif case.method == "get" and not target.startswith("/admin/"):
            assert "/login/" in location, location
    if response.status_code != 200 or not case.checks:
        return
    shown = response.json() if surface == "api" else response.content.decode()
    for shows, who in case.checks:
        assert shows(shown, world) == (role in who), (
            f"{role} at {target}: {getattr(shows, '__name__', shows)} should be {role in who}"
        )
