"""Existence oracles: every web page and API operation that takes a post's id answers a
post the caller may not see (another member's pending post, a hidden, removed or deleted
one, one in a thread taken down) exactly as it answers an id that was never used: the
same status and the same body, whatever else the request gets wrong and whoever asks
(anonymous, a member, a silenced member, a moderator of another category)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from forum.accounts.models import CategoryModerator
from forum.threads.models import PostState
from forum.threads.services import post_delete, post_set_state, thread_set_state
from moderation.services import sanction_impose
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

SECRET = "zanzibar"
NEVER_USED = 987654321

# (method, path, form data). Data a request could get wrong on its own (no reaction
# named, no reason) is sent as it is, so that a check of it made before the post is
# looked up would show.
WEB_ACTS = [
    ("get", "/p/{}/edit/", None),
    ("post", "/p/{}/edit/", {"body": "x"}),
    ("get", "/p/{}/delete/", None),
    ("post", "/p/{}/delete/", {"confirm": "yes"}),
    ("post", "/p/{}/react/", {}),
    ("post", "/p/{}/react/", {"do": "add", "kind": "like"}),
    ("post", "/p/{}/react/", {"do": "sideways", "kind": "nonsense"}),
    ("get", "/p/{}/reactions/", None),
    ("get", "/p/{}/history/", None),
    ("get", "/p/{}/report/", None),
    ("post", "/p/{}/report/", {}),
    ("get", "/p/{}/appeal/", None),
    ("post", "/p/{}/appeal/", {"message": "Please look again."}),
    ("get", "/p/{}/moderate/", None),
    ("post", "/p/{}/moderate/", {"action": "hide", "reason": "x"}),
    ("get", "/p/{}/bookmark/", None),
    ("post", "/p/{}/bookmark/", {"note": "x" * 1000}),
]
# A hidden, removed or deleted post keeps its place in a readable thread as a
# placeholder, so only these are missing from the reading pages as well.
WEB_READS = [("get", "/p/{}/", None), ("get", "/p/{}/thread/", None)]
API_CALLS = [
    ("get", "/api/v1/posts/{}/", None),
    ("patch", "/api/v1/posts/{}/", {"body": "x"}),
    ("delete", "/api/v1/posts/{}/", None),
    ("get", "/api/v1/posts/{}/revisions/", None),
    ("get", "/api/v1/posts/{}/diff/?from=1&to=2", None),
    ("get", "/api/v1/posts/{}/reactions/", None),
    ("put", "/api/v1/posts/{}/reactions/like/", None),
    ("put", "/api/v1/posts/{}/reactions/nonsense/", None),
    ("delete", "/api/v1/posts/{}/reactions/like/", None),
    ("post", "/api/v1/posts/{}/reports/", {}),
    ("post", "/api/v1/posts/{}/reports/", {"reason": "spam"}),
    ("get", "/api/v1/posts/{}/appeal/", None),
    ("post", "/api/v1/posts/{}/appeal/", {"message": "Please look again."}),
    ("put", "/api/v1/posts/{}/bookmark/", {"note": "Read again."}),
    ("put", "/api/v1/posts/{}/bookmark/", {"note": 12}),
    ("put", "/api/v1/posts/{}/bookmark/", {"note": "x" * 1000}),
    ("put", "/api/v1/posts/{}/bookmark/", {"nonsense": True}),
    ("delete", "/api/v1/posts/{}/bookmark/", None),
]
# The same, for a thread's id: taken down, or never made.
THREAD_API_CALLS = [
    ("get", "/api/v1/threads/{}/", None),
    ("put", "/api/v1/threads/{}/bookmark/", {"note": "Read again."}),
    ("put", "/api/v1/threads/{}/bookmark/", {"note": 12}),
    ("put", "/api/v1/threads/{}/bookmark/", {"note": "x" * 1000}),
    ("put", "/api/v1/threads/{}/bookmark/", {"nonsense": True}),
    ("delete", "/api/v1/threads/{}/bookmark/", None),
    ("get", "/api/v1/drafts/thread/{}/", None),
    ("put", "/api/v1/drafts/thread/{}/", {"body": "Half a thought."}),
    ("put", "/api/v1/drafts/thread/{}/", {"body": ""}),
    ("put", "/api/v1/drafts/thread/{}/", {"body": "x", "nonsense": True}),
    ("delete", "/api/v1/drafts/thread/{}/", None),
    ("get", "/api/v1/threads/{}/posts/", None),
    ("post", "/api/v1/threads/{}/posts/", {"body": ""}),
    ("put", "/api/v1/threads/{}/watch/", {"level": "sideways"}),
    ("post", "/api/v1/threads/{}/read/", {"post_id": "first"}),
]

CALLERS = ("anonymous", "member", "silenced", "other_category_moderator")


@pytest.fixture
def world(db):
    general = CategoryFactory(slug="general", name="General")
    other = CategoryFactory(slug="other", name="Other")
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    author = UserFactory(username="writer")
    thread = make_thread(author=author, category=general, body="An open question.")
    posts = {}
    for state in (PostState.PENDING, PostState.HIDDEN, PostState.REMOVED):
        posts[state] = make_reply(thread=thread, author=author, body=f"{state} {SECRET}")
        post_set_state(post=posts[state], state=state)
    posts["deleted"] = make_reply(thread=thread, author=author, body=f"deleted {SECRET}")
    post_delete(actor=author, post=posts["deleted"])
    taken_down = make_thread(author=author, category=general, body=f"opening {SECRET}")
    posts["in_hidden_thread"] = make_reply(thread=taken_down, author=author, body=SECRET)
    posts["hidden_thread_opening"] = taken_down.opening_post
    thread_set_state(thread=taken_down, state=PostState.HIDDEN)

    silenced = UserFactory(username="quiet")
    sanction_impose(actor=admin, user=silenced, kind="silence", reason="Flooding")
    other_mod = ModeratorFactory(username="othermod")
    CategoryModerator.objects.create(moderator=other_mod, category=other)
    callers = {
        "anonymous": None,
        "member": UserFactory(username="reader"),
        "silenced": silenced,
        "other_category_moderator": other_mod,
    }
    return {"posts": posts, "callers": callers, "thread": thread, "taken_down": taken_down}


def _web(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def _answer(client, method, path, data, *, json: bool):
    call = getattr(client, method)
    if data is None:
        response = call(path)
    elif json:
        response = call(path, data, format="json")
    else:
        response = call(path, data)
    body = response.content.decode()
    # A page's CSRF token is new for every response, and so is a silenced member's
    # signed link to appeal.
    body = re.sub(r'value="[A-Za-z0-9]{64}"', 'value=""', body)
    body = re.sub(r"/standing/appeal/[^/]+/", "/standing/appeal/…/", body)
    return response.status_code, response.get("Location", ""), body


def _unseen(world, *, reads: bool):
    posts = world["posts"]
    names = ["pending", "in_hidden_thread", "hidden_thread_opening"]
    if not reads:
        names += ["hidden", "removed", "deleted"]
    return [(name, posts.get(name) or posts[PostState(name)]) for name in names]


def _compare(client, calls, unseen, *, json: bool) -> list[str]:
    differences = []
    for method, path, data in calls:
        missing = _answer(client, method, path.format(NEVER_USED), data, json=json)
        for name, post in unseen:
            answer = _answer(client, method, path.format(post.pk), data, json=json)
            answer = (answer[0], answer[1].replace(str(post.pk), str(NEVER_USED)), answer[2])
            if answer != missing or SECRET in answer[2]:
                differences.append(
                    f"{method.upper()} {path} ({name}): {answer[0]} {answer[2][:120]!r} "
                    f"but {missing[0]} {missing[2][:120]!r} for an id never used"
                )
    return differences


@pytest.mark.parametrize("caller", CALLERS)
def test_web_pages_answer_a_post_the_caller_may_not_see_as_one_never_made(world, caller):
    client = _web(world["callers"][caller])

    differences = _compare(client, WEB_ACTS, _unseen(world, reads=False), json=False)
    differences += _compare(client, WEB_READS, _unseen(world, reads=True), json=False)

    assert differences == []


@pytest.mark.parametrize("caller", CALLERS)
def test_api_answers_a_post_the_caller_may_not_see_as_one_never_made(world, caller):
    client = _api(world["callers"][caller])

    differences = _compare(client, API_CALLS, _unseen(world, reads=False), json=True)

    assert differences == []


@pytest.mark.parametrize("caller", CALLERS)
def test_api_answers_a_thread_the_caller_may_not_see_as_one_never_made(world, caller):
    client = _api(world["callers"][caller])

    differences = _compare(
        client, THREAD_API_CALLS, [("taken_down", world["taken_down"])], json=True
    )

    assert differences == []


# Requests that name a post of a readable thread in their body: (method, path, the body
# for a post id, JSON or a form). Whatever else the body gets wrong, a post the caller may
# not see there is answered as one never made.
NAMING_A_POST = [
    ("put", "/api/v1/drafts/thread/{}/", lambda pk, text: {"body": text, "parent_id": pk}, True),
    ("post", "/api/v1/threads/{}/posts/", lambda pk, text: {"body": text, "parent_id": pk}, True),
    ("post", "/api/v1/threads/{}/read/", lambda pk, text: {"post_id": pk}, True),
    ("get", "/t/{}/-/?reply_to=", None, False),
    ("post", "/t/{}/-/?reply_to=", lambda pk, text: {"body": text}, False),
]


def _naming(client, method, path, body, pk, text, *, json: bool):
    """The answer to a request naming post `pk`: in its address (`path` ends with "=")
    or in its body."""
    target = f"{path}{pk}" if path.endswith("=") else path
    data = None if body is None else body(pk, text)
    return _answer(client, method, target, data, json=json)


@pytest.mark.parametrize("caller", CALLERS)
def test_a_request_naming_a_post_the_caller_may_not_see_is_refused_as_one_never_made(world, caller):
    """A reply, its draft and a read mark name a post of the thread: with or without
    text, too much of it, a post the caller may not see there is answered as one never
    made."""
    user = world["callers"][caller]
    thread = world["thread"]
    unseen = [
        (name, post) for name, post in _unseen(world, reads=False) if post.thread_id == thread.pk
    ]

    differences = []
    for method, path, body, json in NAMING_A_POST:
        client = _api(user) if json else _web(user)
        path = path.format(thread.pk).replace("/-/", f"/{thread.slug}/")
        for text in ("Half a thought.", "", "x" * 200_000):
            missing = _naming(client, method, path, body, NEVER_USED, text, json=json)
            for name, post in unseen:
                answer = _naming(client, method, path, body, post.pk, text, json=json)
                # The page's own address (a link to log in and come back) names the id.
                echoed = re.compile(rf"(%3D|=){post.pk}\b")
                answer = (
                    answer[0],
                    echoed.sub(rf"\g<1>{NEVER_USED}", answer[1]),
                    echoed.sub(rf"\g<1>{NEVER_USED}", answer[2]),
                )
                if answer != missing or SECRET in answer[2]:
                    differences.append(
                        f"{method.upper()} {path} {name}, text {text[:10]!r}: "
                        f"{answer[0]} {answer[2][:160]!r} but {missing[0]} {missing[2][:160]!r}"
                    )

    assert differences == []


def test_a_reaction_asked_for_as_json_on_an_unseen_post_is_the_missing_posts_answer(world):
    """reactions.js asks for JSON: the refusal is the API's error body, the same for a
    post the member may not read as for one never made."""
    client = _web(world["callers"]["member"])
    headers = {"Accept": "application/json"}
    data = {"do": "add", "kind": "like"}

    hidden = client.post(f"/p/{world['posts'][PostState.HIDDEN].pk}/react/", data, headers=headers)
    missing = client.post(f"/p/{NEVER_USED}/react/", data, headers=headers)

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert missing.json()["error"]["code"] == "not_found"


# --- moderator actions -------------------------------------------------------------------


def _act(client, *, action, target_id, params):
    response = client.post(
        "/api/v1/moderation/actions/",
        {"action": action, "target_id": target_id, "params": params, "reason": "Tidying up"},
        format="json",
    )
    return response.status_code, response.json()


def test_a_moderator_action_on_a_thread_out_of_sight_is_refused_as_a_missing_one(world):
    """Whatever the action's parameters, its target is looked up as the moderator may see
    it first: a moderator of another category learns nothing of a thread taken down."""
    client = _api(world["callers"]["other_category_moderator"])
    taken_down = world["posts"]["in_hidden_thread"].thread_id

    for params in ({"into": NEVER_USED}, {"into": "not an id"}, {}):
        unseen = _act(client, action="merge", target_id=taken_down, params=params)
        missing = _act(client, action="merge", target_id=NEVER_USED, params=params)

        assert unseen == missing
        assert missing[0] == 404


def test_a_thread_out_of_sight_named_as_a_parameter_is_refused_as_a_missing_one(world):
    """Merging a thread the moderator moderates into one they may not see (taken down in
    another category) is refused as merging into no thread at all, not as "not your
    category"."""
    other = CategoryFactory(slug="other")
    theirs = make_thread(category=other, body="Their own category's thread.")
    client = _api(world["callers"]["other_category_moderator"])
    taken_down = world["posts"]["in_hidden_thread"].thread_id

    unseen = _act(client, action="merge", target_id=theirs.pk, params={"into": taken_down})
    missing = _act(client, action="merge", target_id=theirs.pk, params={"into": NEVER_USED})

    assert unseen == missing
    assert missing[0] == 400
    assert list(missing[1]["error"]["fields"]) == ["params.into"]
