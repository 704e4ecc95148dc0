"""The permission matrix: every role against every API write endpoint, every read of
pending, hidden, removed and deleted content (details, lists, counts, search, revisions,
profiles, embedded parents), the web pages and the admin screens, with the exact status.

Rules the matrix pins down:
- 401 when signing in could help (no or bad credentials); a suspended member's token is
  refused outright, and their session stops working (so pages treat them as anonymous).
- 403 when the caller is known and may see the thing but not do this (`code` says why).
- 404 for content the caller may not see: hidden, pending, removed and deleted content is
  never a 403, so a refusal never reveals that it exists.
- Web pages send anonymous visitors to the login page (302) where signing in is needed;
  the admin sends anyone but staff moderators to its login page.

Each row of CASES is (name, method, url, body, expected, leak); `expected` maps every
role to a status, and `leak`, for reads that answer 200, says whether the response shows
content only its author and moderators may see, which must be so for exactly them."""

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from forum.accounts.models import Sanction
from forum.accounts.services import token_create
from forum.notifications.models import Notification
from forum.threads.models import PostState
from forum.threads.services import post_delete, post_edit, post_set_state, thread_set_state
from moderation.models import ReviewItem
from moderation.services import review_item_open, sanction_impose
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "tl0", "trusted", "author", "moderator", "admin", "suspended", "silenced")
PRIVILEGED = frozenset({"author", "moderator", "admin"})  # who may see the author's hidden
STAFF = frozenset({"moderator", "admin"})
SECRET = "zanzibar"  # a word only in content some roles may not see (and one visible post)


def by_role(default: int, **overrides: int) -> dict[str, int]:
    unknown = set(overrides) - set(ROLES)
    assert not unknown, unknown
    return {role: overrides.get(role, default) for role in ROLES}


def api_read(**overrides: int) -> dict[str, int]:
    """A read anyone may make: a suspended member's token is refused."""
    return by_role(200, suspended=401, **overrides)


def api_hidden_read() -> dict[str, int]:
    """A read of the author's hidden content: theirs and moderators' only."""
    return by_role(404, author=200, moderator=200, admin=200, suspended=401)


def api_member_write(status: int, **overrides: int) -> dict[str, int]:
    """A write any signed-in member may make (silenced members may not post)."""
    return by_role(status, anonymous=401, suspended=401, **overrides)


def api_moderator_only(status: int = 200) -> dict[str, int]:
    return by_role(403, anonymous=401, suspended=401, moderator=status, admin=status)


# --- what a response shows --------------------------------------------------------------


def _ids(body) -> set[int]:
    return {row["id"] for row in body["results"]}


def _threads_leak(body, w) -> bool:
    return bool(_ids(body) & {w["pending_thread"].pk, w["hidden_thread"].pk})


def _posts_leak(body, w) -> bool:
    hidden = {w["pending"].pk, w["hidden"].pk, w["removed"].pk, w["deleted"].pk}
    shown = {row["id"]: row for row in body["results"]}
    return any(pk in shown and shown[pk]["body_html"] for pk in hidden) or (
        w["pending"].pk in shown
    )


def _search_leak(body, w) -> bool:
    hidden = {w["pending"].pk, w["hidden"].pk, w["removed"].pk}
    hidden |= {w["pending_thread"].opening_post_id, w["hidden_thread"].opening_post_id}
    found = {hit["post_id"] for hit in body["results"]}
    assert w["visible_secret"].pk in found  # the search itself works for everyone
    return bool(found & hidden)


def _profile_leak(body, w) -> None:
    # The same for every viewer: no e-mail, and a count of public posts only (the opening
    # post, the visible reply and the visible one with the word).
    assert "email" not in body
    assert body["post_count"] == 3


def _embedded_parent_leak(body, w) -> None:
    # A visible reply to a hidden post names its parent's id, never its text, to anyone.
    assert body["parent_id"] == w["hidden"].pk
    assert w["hidden"].body_source not in str(body)


# --- the world --------------------------------------------------------------------------


def _build_world() -> dict:
    # No moderation rules: flood limits would refuse the world's quick writes, and states
    # are set directly below.
    category = CategoryFactory(slug="general", name="General")
    users = {
        "tl0": UserFactory(username="newbie", trust_level=0),
        "trusted": UserFactory(username="trusted", trust_level=2),
        "author": UserFactory(username="author", trust_level=2),
        "moderator": ModeratorFactory(username="mod"),
        "admin": UserFactory(
            username="root", role="admin", is_staff=True, is_superuser=True, trust_level=4
        ),
        "suspended": UserFactory(username="suspended", trust_level=2),
        "silenced": UserFactory(username="silenced", trust_level=2),
    }
    UserFactory(username="bystander")
    author, moderator = users["author"], users["moderator"]
    tokens = {role: token_create(user=user, name="matrix") for role, user in users.items()}

    thread = make_thread(author=author, category=category, title="An open thread")
    reply = make_reply(thread=thread, author=author, body="A visible reply.")
    post_edit(editor=author, post=reply, body="A visible reply, edited.")
    visible_secret = make_reply(thread=thread, author=author, body=f"Visible {SECRET} post.")
    pending = make_reply(thread=thread, author=author, body=f"Pending {SECRET} text.")
    hidden = make_reply(thread=thread, author=author, body=f"Hidden {SECRET} text.")
    removed = make_reply(thread=thread, author=author, body=f"Removed {SECRET} text.")
    deleted = make_reply(thread=thread, author=author, body=f"Deleted {SECRET} text.")
    child_of_hidden = make_reply(
        thread=thread, author=users["trusted"], parent=hidden, body="Replying to hidden."
    )
    post_set_state(post=pending, state=PostState.PENDING)
    post_set_state(post=hidden, state=PostState.HIDDEN, reason="Under review")
    post_set_state(post=removed, state=PostState.REMOVED, reason="Off-topic")
    post_delete(actor=author, post=deleted)
    pending_thread = make_thread(author=author, category=category, title=f"Pending {SECRET}")
    thread_set_state(thread=pending_thread, state=PostState.PENDING)
    hidden_thread = make_thread(author=author, category=category, title=f"Hidden {SECRET}")
    thread_set_state(thread=hidden_thread, state=PostState.HIDDEN)
    item = review_item_open(post=hidden, reason=ReviewItem.Reason.REPORTS)
    sanction_impose(actor=moderator, user=users["suspended"], kind="suspend", reason="Spam")
    silence = sanction_impose(actor=moderator, user=users["silenced"], kind="silence", reason="x")
    Notification.objects.create(recipient=author, kind="reply", thread=thread, collapse_key="k")
    for model in (thread, pending_thread, hidden_thread):
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
        "child_of_hidden": child_of_hidden,
        "pending_thread": pending_thread,
        "hidden_thread": hidden_thread,
        "item": item,
        "silence": Sanction.objects.get(pk=silence.pk),
    }


@pytest.fixture(scope="module")
def world_rows(django_db_setup, django_db_blocker):
    """The world is built once for the module's 700-odd cases and committed; each case
    runs in a transaction that is rolled back, so a write in one never reaches another.
    The tables are emptied at the end, as after any transactional test."""
    with django_db_blocker.unblock():
        rows = _build_world()
    yield rows
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(world_rows, db):
    return world_rows


def _url(template: str, w) -> str:
    values = {
        "thread": w["thread"].pk,
        "slug": w["thread"].slug,
        "opening": w["opening"].pk,
        "reply": w["reply"].pk,
        "pending": w["pending"].pk,
        "hidden": w["hidden"].pk,
        "removed": w["removed"].pk,
        "deleted": w["deleted"].pk,
        "child_of_hidden": w["child_of_hidden"].pk,
        "pending_thread": w["pending_thread"].pk,
        "pending_slug": w["pending_thread"].slug,
        "hidden_thread": w["hidden_thread"].pk,
        "hidden_slug": w["hidden_thread"].slug,
        "item": w["item"].pk,
        "silence": w["silence"].pk,
        "author_token": w["token_ids"]["author"],
        "secret": SECRET,
    }
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

API_CASES = [
    # Reads of lists, counts, search and profiles: everyone, showing hidden content only to
    # its author and moderators.
    ("threads list", "get", f"{A}/threads/", None, api_read(), _threads_leak),
    ("threads by state", "get", f"{A}/threads/?state=hidden", None, api_read(), _threads_leak),
    ("categories", "get", f"{A}/categories/", None, api_read(), None),
    ("thread", "get", f"{A}/threads/{{thread}}/", None, api_read(), None),
    ("thread posts", "get", f"{A}/threads/{{thread}}/posts/", None, api_read(), _posts_leak),
    ("pending thread", "get", f"{A}/threads/{{pending_thread}}/", None, api_hidden_read(), None),
    ("hidden thread", "get", f"{A}/threads/{{hidden_thread}}/", None, api_hidden_read(), None),
    (
        "hidden thread posts",
        "get",
        f"{A}/threads/{{hidden_thread}}/posts/",
        None,
        api_hidden_read(),
        None,
    ),
    ("search", "get", f"{A}/search/?q={{secret}}", None, api_read(), _search_leak),
    ("profile", "get", f"{A}/users/author/", None, api_read(), _profile_leak),
    ("profile of nobody", "get", f"{A}/users/nobody/", None, by_role(404, suspended=401), None),
    ("visible post", "get", f"{A}/posts/{{reply}}/", None, api_read(), None),
    (
        "reply to a hidden post",
        "get",
        f"{A}/posts/{{child_of_hidden}}/",
        None,
        api_read(),
        _embedded_parent_leak,
    ),
    ("pending post", "get", f"{A}/posts/{{pending}}/", None, api_hidden_read(), None),
    ("hidden post", "get", f"{A}/posts/{{hidden}}/", None, api_hidden_read(), None),
    ("removed post", "get", f"{A}/posts/{{removed}}/", None, api_hidden_read(), None),
    (
        "deleted post",
        "get",
        f"{A}/posts/{{deleted}}/",
        None,
        by_role(404, moderator=200, admin=200, suspended=401),
        None,
    ),
    # A post's history is its author's and moderators': earlier text may be what a
    # moderator edited out, so to anyone else it does not exist.
    ("revisions", "get", f"{A}/posts/{{reply}}/revisions/", None, api_hidden_read(), None),
    ("diff", "get", f"{A}/posts/{{reply}}/diff/", None, api_hidden_read(), None),
    ("hidden revisions", "get", f"{A}/posts/{{hidden}}/revisions/", None, api_hidden_read(), None),
    ("hidden diff", "get", f"{A}/posts/{{hidden}}/diff/", None, api_hidden_read(), None),
    (
        "deleted revisions",
        "get",
        f"{A}/posts/{{deleted}}/revisions/",
        None,
        by_role(404, moderator=200, admin=200, suspended=401),
        None,
    ),
    # The member's own things.
    ("me", "get", f"{A}/me/", None, api_member_write(200), None),
    ("notifications", "get", f"{A}/notifications/", None, api_member_write(200), None),
    ("unread count", "get", f"{A}/notifications/unread-count/", None, api_member_write(200), None),
    ("tokens", "get", f"{A}/me/tokens/", None, api_member_write(200), None),
    ("mutes", "get", f"{A}/me/mutes/", None, api_member_write(200), None),
    ("webhooks", "get", f"{A}/webhooks/", None, api_member_write(200), None),
    # Writes.
    (
        "start thread",
        "post",
        f"{A}/threads/",
        NEW_THREAD,
        api_member_write(201, silenced=403),
        None,
    ),
    (
        "reply",
        "post",
        f"{A}/threads/{{thread}}/posts/",
        REPLY,
        api_member_write(201, silenced=403),
        None,
    ),
    (
        "reply in a hidden thread",
        "post",
        f"{A}/threads/{{hidden_thread}}/posts/",
        REPLY,
        api_member_write(404, author=201, moderator=201, admin=201),
        None,
    ),
    (
        "reply with a hidden parent",
        "post",
        f"{A}/threads/{{thread}}/posts/",
        lambda w: {"body": "x", "parent": w["hidden"].pk},
        api_member_write(400, author=201, moderator=201, admin=201, silenced=403),
        None,
    ),
    (
        "edit own visible post",
        "patch",
        f"{A}/posts/{{reply}}/",
        EDIT,
        api_member_write(403, author=200, moderator=200, admin=200),
        None,
    ),
    (
        "edit hidden post",
        "patch",
        f"{A}/posts/{{hidden}}/",
        EDIT,
        api_member_write(404, author=200, moderator=200, admin=200),
        None,
    ),
    (
        "edit removed post",
        "patch",
        f"{A}/posts/{{removed}}/",
        EDIT,
        api_member_write(404, author=403, moderator=200, admin=200),
        None,
    ),
    (
        "delete visible post",
        "delete",
        f"{A}/posts/{{reply}}/",
        None,
        api_member_write(403, author=204, moderator=204, admin=204),
        None,
    ),
    (
        "delete hidden post",
        "delete",
        f"{A}/posts/{{hidden}}/",
        None,
        api_member_write(404, author=204, moderator=204, admin=204),
        None,
    ),
    (
        "watch",
        "put",
        f"{A}/threads/{{thread}}/watch/",
        {"level": "watching"},
        api_member_write(200),
        None,
    ),
    (
        "watch hidden thread",
        "put",
        f"{A}/threads/{{hidden_thread}}/watch/",
        {"level": "watching"},
        api_member_write(404, author=200, moderator=200, admin=200),
        None,
    ),
    ("mark read", "post", f"{A}/notifications/read/", {}, api_member_write(200), None),
    ("create token", "post", f"{A}/me/tokens/", {"name": "cli"}, api_member_write(201), None),
    (
        "revoke the author's token",
        "delete",
        f"{A}/me/tokens/{{author_token}}/",
        None,
        api_member_write(404, author=204),
        None,
    ),
    # What others read about a member is published text: not while silenced.
    (
        "update me",
        "patch",
        f"{A}/me/",
        {"bio": "Hello"},
        api_member_write(200, silenced=403),
        None,
    ),
    ("mute", "put", f"{A}/me/mutes/bystander/", None, api_member_write(200), None),
    ("unmute", "delete", f"{A}/me/mutes/bystander/", None, api_member_write(204), None),
    (
        "report a visible post",
        "post",
        f"{A}/posts/{{reply}}/reports/",
        {"reason": "spam"},
        api_member_write(201, author=403, silenced=403),
        None,
    ),
    (
        "report a hidden post",
        "post",
        f"{A}/posts/{{hidden}}/reports/",
        {"reason": "spam"},
        api_member_write(404),
        None,
    ),
    (
        "appeal a removed post",
        "post",
        f"{A}/posts/{{removed}}/appeal/",
        {"message": "Please look again."},
        api_member_write(404, author=201),
        None,
    ),
    (
        "appeal a visible post",
        "post",
        f"{A}/posts/{{reply}}/appeal/",
        {"message": "Please look again."},
        api_member_write(404, author=403),
        None,
    ),
    (
        "register webhook",
        "post",
        f"{A}/webhooks/",
        {"url": "https://hooks.example.com/x", "events": ["post.created"]},
        api_member_write(201, silenced=403),
        None,
    ),
    # Moderators' endpoints: 401 anonymous, 403 members, even for things that exist.
    ("queue", "get", f"{A}/moderation/queue/", None, api_moderator_only(), None),
    ("queue item", "get", f"{A}/moderation/queue/{{item}}/", None, api_moderator_only(), None),
    ("reports", "get", f"{A}/moderation/reports/", None, api_moderator_only(), None),
    ("sanctions", "get", f"{A}/moderation/sanctions/", None, api_moderator_only(), None),
    ("log", "get", f"{A}/moderation/log/", None, api_moderator_only(), None),
    ("actions", "get", f"{A}/moderation/actions/", None, api_moderator_only(), None),
    (
        "claim",
        "post",
        f"{A}/moderation/queue/{{item}}/claim/",
        None,
        api_moderator_only(),
        None,
    ),
    (
        "decide",
        "post",
        f"{A}/moderation/queue/{{item}}/decide/",
        {"decision": "approve"},
        api_moderator_only(),
        None,
    ),
    (
        "hide action",
        "post",
        f"{A}/moderation/actions/",
        lambda w: {"action": "hide", "target_id": w["reply"].pk, "reason": "Checking"},
        api_moderator_only(),
        None,
    ),
    (
        "lift sanction",
        "post",
        f"{A}/moderation/sanctions/{{silence}}/lift/",
        None,
        api_moderator_only(),
        None,
    ),
]


def _api_client(role: str, w) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {w['tokens'][role]}")
    return client


# --- web pages and admin screens (session sign-in) ----------------------------------------

LOGIN = 302  # sent to the login page


def web_public(status: int = 200, **overrides) -> dict[str, int]:
    return by_role(status, **overrides)


def web_signed_in(status: int = 200, **overrides) -> dict[str, int]:
    """A page for signed-in members; a suspended member's session no longer works."""
    return by_role(status, anonymous=LOGIN, suspended=LOGIN, **overrides)


def web_hidden() -> dict[str, int]:
    """A page of the author's hidden content: others (and the signed-out) get a 404."""
    return by_role(404, author=200, moderator=200, admin=200)


def admin_screen() -> dict[str, int]:
    return by_role(LOGIN, moderator=200, admin=200)


def _page_leak(html: str, w) -> bool:
    """Whether a page shows the text of the author's hidden or removed replies."""
    return any(w[name].body_source in html for name in ("hidden", "removed"))


WEB_CASES = [
    ("home", "get", "/", None, web_public(), None),
    ("category page", "get", "/c/general/", None, web_public(), None),
    ("thread page", "get", "/t/{thread}/{slug}/", None, web_public(), _page_leak),
    ("thread short link", "get", "/t/{thread}/", None, web_public(301), None),
    ("pending thread page", "get", "/t/{pending_thread}/{pending_slug}/", None, web_hidden(), None),
    (
        "hidden thread page",
        "get",
        "/t/{hidden_thread}/{hidden_slug}/",
        None,
        web_hidden(),
        None,
    ),
    ("branch below a hidden post", "get", "/p/{hidden}/thread/", None, web_public(), _page_leak),
    (
        "signup page",
        "get",
        "/accounts/signup/",
        None,
        by_role(302, anonymous=200, suspended=200),
        None,
    ),
    (
        "login page",
        "get",
        "/accounts/login/",
        None,
        by_role(302, anonymous=200, suspended=200),
        None,
    ),
    ("password change", "get", "/accounts/password/", None, web_signed_in(), None),
    ("password reset", "get", "/accounts/password/reset/", None, web_public(), None),
    ("bad unsubscribe link", "get", "/notifications/unsubscribe/bad/", None, web_public(400), None),
    (
        "moderate thread",
        "get",
        "/t/{thread}/{slug}/moderate/",
        None,
        web_signed_in(403, moderator=200, admin=200),
        None,
    ),
    ("watch by GET", "get", "/t/{thread}/{slug}/watch/", None, web_signed_in(405), None),
    ("profile page", "get", "/u/author/", None, web_public(), None),
    ("visible post link", "get", "/p/{reply}/", None, web_public(302), None),
    (
        "hidden post link",
        "get",
        "/p/{hidden}/",
        None,
        by_role(404, author=302, moderator=302, admin=302),
        None,
    ),
    ("history", "get", "/p/{reply}/history/", None, web_hidden(), None),
    ("hidden history", "get", "/p/{hidden}/history/", None, web_hidden(), None),
    ("new thread form", "get", "/new/", None, web_signed_in(silenced=403), None),
    (
        "edit form",
        "get",
        "/p/{reply}/edit/",
        None,
        web_signed_in(403, author=200, moderator=200, admin=200),
        None,
    ),
    (
        "edit hidden",
        "get",
        "/p/{hidden}/edit/",
        None,
        web_signed_in(404, author=200, moderator=200, admin=200),
        None,
    ),
    (
        "report form",
        "get",
        "/p/{reply}/report/",
        None,
        web_signed_in(200, author=403, silenced=403),
        None,
    ),
    (
        "report hidden",
        "get",
        "/p/{hidden}/report/",
        None,
        web_signed_in(404),
        None,
    ),
    (
        "moderate post",
        "get",
        "/p/{reply}/moderate/",
        None,
        web_signed_in(403, moderator=200, admin=200),
        None,
    ),
    ("notifications page", "get", "/notifications/", None, web_signed_in(), None),
    ("settings page", "get", "/accounts/settings/", None, web_signed_in(), None),
    ("admin index", "get", "/admin/", None, admin_screen(), None),
    (
        "admin queue",
        "get",
        "/admin/moderation/reviewitem/?state__exact=pending",
        None,
        admin_screen(),
        None,
    ),
    (
        "admin queue item",
        "get",
        "/admin/moderation/reviewitem/{item}/change/",
        None,
        admin_screen(),
        None,
    ),
    ("admin log", "get", "/admin/moderation/moderationlogentry/", None, admin_screen(), None),
    ("admin reports", "get", "/admin/moderation/report/", None, admin_screen(), None),
    ("admin sanctions", "get", "/admin/accounts/sanction/", None, admin_screen(), None),
    ("admin rules", "get", "/admin/moderation/rule/", None, admin_screen(), None),
    ("admin appeals", "get", "/admin/moderation/appeal/", None, admin_screen(), None),
    ("admin verdicts", "get", "/admin/moderation/verdict/", None, admin_screen(), None),
    (
        "admin users",
        "get",
        "/admin/accounts/user/",
        None,
        # Moderators see members (trust, sanctions, everything they posted); only
        # administrators change them.
        by_role(302, moderator=200, admin=200),
        None,
    ),
    (
        "admin posts",
        "get",
        "/admin/threads/post/",
        None,
        by_role(302, moderator=403, admin=200),
        None,
    ),
    (
        "admin threads",
        "get",
        "/admin/threads/thread/",
        None,
        by_role(302, moderator=403, admin=200),
        None,
    ),
]


def _web_client(role: str, w) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(w["users"][role])
    return client


CASES = [("api", *case) for case in API_CASES] + [("web", *case) for case in WEB_CASES]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("surface", "name", "method", "url", "body", "expected", "leak"),
    CASES,
    ids=[f"{case[0]}:{case[1]}" for case in CASES],
)
def test_permission_matrix(world, role, surface, name, method, url, body, expected, leak):
    client = _api_client(role, world) if surface == "api" else _web_client(role, world)
    target = _url(url, world)
    kwargs = {}
    if body is not None:
        kwargs = {"data": _body(body, world)}
        if surface == "api":
            kwargs["format"] = "json"

    response = getattr(client, method)(target, **kwargs)

    assert response.status_code == expected[role], (
        f"{role} {method.upper()} {target}: {response.status_code}, expected "
        f"{expected[role]}: {response.content[:300]!r}"
    )
    if surface == "api" and response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
        assert SECRET not in error["message"]
    if surface == "web" and response.status_code == LOGIN:
        location = response["Location"]
        if name.startswith(("visible post", "hidden post")):
            assert location.startswith(f"/t/{world['thread'].pk}/"), location  # to the post
        elif name in ("signup page", "login page"):
            assert location == "/", location  # signed in already: home
        else:
            assert "/login/" in location, location
    shows_hidden = None
    if leak is not None and response.status_code == 200:
        shown = response.json() if surface == "api" else response.content.decode()
        shows_hidden = leak(shown, world)
    if shows_hidden is not None:
        assert shows_hidden == (role in PRIVILEGED), (
            f"{role} sees {'no ' if role in PRIVILEGED else ''}hidden content at {target}"
        )
