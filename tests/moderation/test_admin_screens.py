"""The moderation admin screens: bulk and one-click decisions through the action
registry, the read-only log, the dashboard's figures and the members screen (rules have
their own module, test_admin_rules)."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.accounts.models import Sanction
from forum.threads.models import PostState
from moderation import actions, selectors, services
from moderation.dashboard import decisions_chart_svg
from moderation.models import ModerationLogEntry, Report, ReviewItem, Rule, Verdict
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import RULE_FORM, checked_reply, flag_cheap_pills

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/reviewitem/"


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def registry_calls(monkeypatch):
    """Every call the admin makes to the action registry, passed on to the real one."""
    calls = []
    real = actions.perform

    def spy(name, **kwargs):
        calls.append((name, kwargs["target"].pk, kwargs.get("reason", "")))
        return real(name, **kwargs)

    monkeypatch.setattr(actions, "perform", spy)
    return calls


def _queued_posts(member, count, reason="rule"):
    thread = make_thread(author=member)
    posts = [make_reply(thread=thread, author=member, body=f"Reply {i}") for i in range(count)]
    items = [services.review_item_open(post=p, reason=reason, severity=0.4) for p in posts]
    return posts, items


# --- decisions go through the registry ----------------------------------------------------


def test_bulk_remove_asks_for_one_reason_then_logs_each_item(
    mod_client, member, moderator, registry_calls
):
    posts, items = _queued_posts(member, 3)
    selected = {"action": "remove_items", "_selected_action": [i.pk for i in items]}

    asked = mod_client.post("/admin/moderation/reviewitem/?state__exact=pending", selected)
    assert asked.status_code == 200 and "Remove all of them" in asked.content.decode()
    assert registry_calls == [] and not ModerationLogEntry.objects.exists()

    done = mod_client.post(
        "/admin/moderation/reviewitem/?state__exact=pending",
        {**selected, "reason": "Advertising"},
    )

    assert done.status_code == 302
    assert sorted(registry_calls) == sorted(("remove", p.pk, "Advertising") for p in posts)
    entries = ModerationLogEntry.objects.filter(action="remove", actor=moderator)
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(p.pk for p in posts)
    assert set(entries.values_list("reason", flat=True)) == {"Advertising"}
    assert set(
        ReviewItem.objects.filter(pk__in=[i.pk for i in items]).values_list("state", flat=True)
    ) == {"rejected"}


def test_bulk_approve_takes_the_reason_typed_in_the_action_bar(mod_client, member, registry_calls):
    posts, items = _queued_posts(member, 2)

    mod_client.post(
        "/admin/moderation/reviewitem/?state__exact=pending",
        {
            "action": "approve_items",
            "_selected_action": [i.pk for i in items],
            "reason": "Fine after all",
        },
    )

    assert sorted(registry_calls) == sorted(("approve", p.pk, "Fine after all") for p in posts)
    assert ModerationLogEntry.objects.filter(action="approve", reason="Fine after all").count() == 2


def test_the_item_buttons_hide_restore_and_sanction_through_the_registry(
    mod_client, member, moderator, registry_calls
):
    (post,), (item,) = _queued_posts(member, 1)
    url = f"/admin/moderation/reviewitem/{item.pk}/decide/"

    mod_client.post(url, {"action": "hide", "reason": "Checking"})
    mod_client.post(url, {"action": "restore", "reason": "Checked"})
    ends = (timezone.localtime() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    mod_client.post(
        url,
        {"action": "suspend", "reason": "Spam run", "ends_at": ends.strftime("%Y-%m-%dT%H:%M")},
    )

    assert [c[0] for c in registry_calls] == ["hide", "restore", "suspend"]
    assert registry_calls[2][1] == member.pk
    post.refresh_from_db()
    assert post.state == PostState.VISIBLE
    sanction = Sanction.objects.get(user=member)
    assert sanction.kind == "suspend" and sanction.ends_at == ends
    assert list(ModerationLogEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "restore",
        "suspend",
    ]


def test_the_item_page_marks_the_evidence_in_place(mod_client, member, moderator):
    flag_cheap_pills(moderator)
    post = checked_reply(
        thread=make_thread(author=member),
        author=member,
        body="First paragraph.\n\nBuy cheap pills today, cheap pills!",
    )
    item = ReviewItem.objects.get(post=post)

    text = mod_client.get(f"/admin/moderation/reviewitem/{item.pk}/change/").content.decode()

    def marked(number: int) -> str:
        return (
            f'<mark class="parley-hit parley-tone-0" id="evidence-{number}" '
            f'data-hit="evidence-{number}" '
            'title="No spam v1: watched word &quot;cheap pills&quot;">cheap pills</mark>'
        )

    assert f"<p>Buy {marked(1)} today, {marked(2)}!</p>" in text
    assert 'href="#evidence-1"' in text and 'href="#evidence-2"' in text
    assert "Everything member posted, hidden posts included" in text
    assert 'name="_save"' not in text  # the item is decided with buttons, not saved


# --- the log is read-only for everyone ----------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "boss"])
def test_nobody_adds_changes_or_deletes_log_entries_in_the_admin(request, who, member):
    user = request.getfixturevalue(who)
    post = make_reply(thread=make_thread(author=member), author=member)
    actions.perform("hide", actor=user, target=post, reason="Noise")
    entry = ModerationLogEntry.objects.get()
    client = Client()
    client.force_login(user)
    base = "/admin/moderation/moderationlogentry/"

    listing = client.get(base)
    assert listing.status_code == 200
    assert f"{base}add/" not in listing.content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {"action": "x"}).status_code == 403
    view = client.get(f"{base}{entry.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"reason": "rewritten"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert (ModerationLogEntry.objects.count(), entry.reason) == (1, "Noise")


def test_the_log_filters_by_actor_action_target_and_date(mod_client, moderator, member):
    first = make_reply(thread=make_thread(author=member), author=member)
    second = make_reply(thread=first.thread, author=member)
    actions.perform("hide", actor=moderator, target=first, reason="first-reason")
    actions.perform("remove", actor=moderator, target=second, reason="second-reason")
    ModerationLogEntry.objects.create(
        actor=None,
        action="hold",
        target_type="post",
        target_id=second.pk,
        reason="old-automatic",
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    base = "/admin/moderation/moderationlogentry/"

    def shown(query):
        text = mod_client.get(base + query).content.decode()
        return {r for r in ("first-reason", "second-reason", "old-automatic") if r in text}

    assert shown("") == {"first-reason", "second-reason", "old-automatic"}
    assert shown(f"?actor={moderator.pk}") == {"first-reason", "second-reason"}
    assert shown("?actor=automatic") == {"old-automatic"}
    assert shown("?action_name=remove") == {"second-reason"}
    assert shown(f"?target_type=post&target_id={second.pk}") == {"second-reason", "old-automatic"}
    # The day the decisions were logged, not the day now: the two differ past midnight.
    logged_on = timezone.localdate(ModerationLogEntry.objects.get(reason="first-reason").created_at)
    day = f"?created_at__year={logged_on.year}&created_at__month={logged_on.month}"
    day += f"&created_at__day={logged_on.day}"
    assert shown(day) == {
        "first-reason",
        "second-reason",
    }


# --- the dashboard -------------------------------------------------------------------------


@pytest.fixture
def known_history(member, moderator):
    """A month of moderation with figures worked out by hand, around a fixed noon."""
    now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))
    hour = dt.timedelta(hours=1)
    thread = make_thread(author=member)
    posts = [make_reply(thread=thread, author=member, body=f"Post {i}") for i in range(8)]
    for post in posts[:3]:
        ReviewItem.objects.create(post=post, reasons=["rule"], created_at=now - 5 * hour)
    # Decided after 1, 2 and 4 hours: the median is 2 hours. One decided long ago.
    for post, wait in zip(posts[3:6], (1, 2, 4), strict=True):
        ReviewItem.objects.create(
            post=post,
            state="approved",
            reasons=["reports"],
            created_at=now - 6 * hour,
            decided_at=now - 6 * hour + wait * hour,
            decided_by=moderator,
        )
    ReviewItem.objects.create(
        post=posts[6],
        state="rejected",
        created_at=now - dt.timedelta(days=60),
        decided_at=now - dt.timedelta(days=59),
    )

    def log(action, when, actor=moderator):
        ModerationLogEntry.objects.create(
            actor=actor, action=action, target_type="post", target_id=posts[0].pk, created_at=when
        )

    log("approve", now - hour)
    log("approve", now - 2 * hour)
    log("remove", now - dt.timedelta(days=1))
    log("hide", now - hour, actor=None)  # automatic: not a moderator's decision
    log("rule_edit", now - hour)  # not a decision on content
    log("remove", now - dt.timedelta(days=45))  # outside the window
    reporters = [UserFactory(username=f"reporter{i}") for i in range(4)]
    report_times = (
        now - hour,
        now - 2 * hour,
        now - dt.timedelta(days=3),
        now - dt.timedelta(days=90),
    )
    for reporter, when in zip(reporters, report_times, strict=True):
        Report.objects.create(post=posts[7], reporter=reporter, reason="spam", created_at=when)
    loud = Rule.objects.create(name="Loud", kind="watched_words", params={"words": ["a"]})
    quiet = Rule.objects.create(name="Quiet", kind="watched_words", params={"words": ["b"]})
    for rule, count in ((loud, 3), (quiet, 1)):
        for _ in range(count):
            Verdict.objects.create(
                revision_id=posts[0].current_revision_id,
                post=posts[0],
                rule=rule,
                rule_version=1,
                action="flag",
                score=1.0,
                detail="hit",
                created_at=now - hour,
            )
    return {"now": now, "loud": loud, "quiet": quiet}


def test_dashboard_figures_match_known_data(known_history):
    now = known_history["now"]
    today, yesterday = timezone.localdate(now), timezone.localdate(now) - dt.timedelta(days=1)

    with CaptureQueriesContext(connection) as queries:
        figures = selectors.moderation_dashboard(now=now)

    assert len(queries) == 5  # aggregate queries, whatever the volume
    assert figures.queue_size == 3
    assert figures.decided == 3 and figures.median_decision_seconds == pytest.approx(7200)
    assert figures.decisions_by_action == {"approve": {today: 2}, "remove": {yesterday: 1}}
    assert figures.decisions_total == 3
    assert figures.reports_by_day == {today: 2, today - dt.timedelta(days=3): 1}
    assert figures.top_rules == [
        (known_history["loud"].pk, "Loud", 3),
        (known_history["quiet"].pk, "Quiet", 1),
    ]
    assert len(figures.days) == 30 and figures.days[-1] == today

    svg = decisions_chart_svg(figures)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 2 + 2  # two bars (today, yesterday) and two legend keys
    assert "<script" not in svg and "style=" not in svg
    assert f"{today.isoformat()}: 2 approve" in svg


def test_the_dashboard_query_count_does_not_grow_with_the_data(known_history, member, moderator):
    with CaptureQueriesContext(connection) as before:
        selectors.moderation_dashboard(now=known_history["now"])
    _queued_posts(member, 5)
    for i in range(20):
        ModerationLogEntry.objects.create(
            actor=moderator, action="approve", target_type="post", target_id=i + 1
        )
    with CaptureQueriesContext(connection) as after:
        selectors.moderation_dashboard(now=known_history["now"])
    assert len(after) == len(before)


def test_the_dashboard_page_shows_the_figures_and_an_inline_svg_chart(mod_client, known_history):
    page = mod_client.get("/admin/moderation/reviewitem/dashboard/")
    text = page.content.decode()

    assert page.status_code == 200
    queue_link = '<a href="/admin/moderation/reviewitem/?state__exact=pending">3</a>'
    assert f'<td id="figure-queue-size">{queue_link}' in text
    assert "2.0 h over 3 decided items" in text
    assert "<svg" in text and "Loud" in text
    assert "<script" not in text.split('id="content"')[1].split("</svg>")[0]


# --- members -------------------------------------------------------------------------------


def test_moderators_see_a_members_trust_sanctions_and_every_post(mod_client, moderator, member):
    thread = make_thread(author=member, title="Member's thread")
    kept = make_reply(thread=thread, author=member, body="Visible words")
    hidden = make_reply(thread=thread, author=member, body="Hidden words")
    removed = make_reply(thread=thread, author=member, body="Removed words")
    actions.perform("hide", actor=moderator, target=hidden, reason="x")
    actions.perform("remove", actor=moderator, target=removed, reason="x")
    ends = timezone.now() + dt.timedelta(days=2)
    actions.perform("silence", actor=moderator, target=member, reason="Cool off", ends_at=ends)

    listing = mod_client.get("/admin/accounts/user/?sanctioned=yes").content.decode()
    assert f"/admin/accounts/user/{member.pk}/change/" in listing
    assert f"/admin/accounts/user/{moderator.pk}/change/" not in listing
    page = mod_client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert "trust level 2" in page and "Cool off" in page
    assert timezone.localtime(ends).strftime("%Y-%m-%d %H:%M") in page
    assert 'name="_save"' not in page and "Superuser status" not in page
    changed = mod_client.post(
        f"/admin/accounts/user/{member.pk}/change/", _user_form(member, role="admin")
    )
    assert changed.status_code == 403
    posts = mod_client.get(f"/admin/accounts/user/{member.pk}/posts/").content.decode()
    for words in ("Visible words", "Hidden words", "Removed words"):
        assert words in posts
    only_hidden = mod_client.get(f"/admin/accounts/user/{member.pk}/posts/?state=hidden")
    assert "Hidden words" in only_hidden.content.decode()
    assert "Visible words" not in only_hidden.content.decode()
    assert kept.state == PostState.VISIBLE


def test_sanctions_are_imposed_and_lifted_from_the_member_page(mod_client, moderator, member):
    base = f"/admin/accounts/user/{member.pk}"
    ends = (timezone.localtime() + dt.timedelta(days=7)).replace(second=0, microsecond=0)

    mod_client.post(
        f"{base}/sanction/",
        {"action": "ban", "reason": "Repeated spam", "ends_at": ends.strftime("%Y-%m-%dT%H:%M")},
    )
    sanction = Sanction.objects.get(user=member)
    assert (sanction.kind, sanction.ends_at) == ("ban", ends)
    mod_client.post(f"{base}/sanctions/{sanction.pk}/lift/", {"reason": "Appeal upheld"})
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert list(
        ModerationLogEntry.objects.filter(target_type="user", target_id=member.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["ban", "lift_sanction"]
    # A reason is required, and the refusal is shown.
    refused = mod_client.post(f"{base}/sanction/", {"action": "silence", "reason": ""}, follow=True)
    assert "Say why" in refused.content.decode()


def test_moderators_see_moderation_screens_only(mod_client, boss):
    home = mod_client.get("/admin/").content.decode()
    # The queue comes first, before the list of screens.
    assert home.index('id="review-queue-summary"') < home.index("app-moderation")
    for path in (
        "/admin/moderation/reviewitem/?state__exact=pending",
        "/admin/moderation/moderationlogentry/",
        "/admin/moderation/rule/",
        "/admin/moderation/reviewitem/dashboard/",
        "/admin/accounts/user/",
    ):
        assert mod_client.get(path).status_code == 200, path
    for path in (
        "/admin/threads/category/",
        "/admin/threads/post/",
        "/admin/auth/group/",
        "/admin/accounts/user/add/",
        "/admin/accounts/categorymoderator/",
        f"/admin/accounts/user/{boss.pk}/password/",
    ):
        assert mod_client.get(path).status_code == 403, path
    assert "/admin/threads/" not in home
    admin_client = Client()
    admin_client.force_login(boss)
    for path in ("/admin/threads/category/", "/admin/accounts/categorymoderator/"):
        assert admin_client.get(path).status_code == 200, path


def _user_form(user, **changes) -> dict:
    """What the administrator's user form posts back, with `changes`."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "display_name": user.display_name,
        "bio": user.bio,
        "role": user.role,
        "trust_level": str(user.trust_level),
    }
    for prefix in ("sanctions", "moderated_categories"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_an_administrator_changes_a_role_and_trust_level_in_step_and_logged(boss, member):
    client = Client()
    client.force_login(boss)
    url = f"/admin/accounts/user/{member.pk}/change/"

    response = client.post(url, _user_form(member, role="moderator", trust_level="3"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    # Staff follows the role, though the form's staff box was left empty.
    assert (member.role, member.is_staff, member.is_superuser) == ("moderator", True, False)
    assert member.trust_level == 3
    entries = ModerationLogEntry.objects.filter(target_type="user", target_id=member.pk)
    assert sorted((e.action, e.details["from"], e.details["to"]) for e in entries) == [
        ("set_role", "member", "moderator"),
        ("set_trust_level", 2, 3),
    ]


def test_the_queue_sorts_by_severity_or_age_and_filters_by_reporters(mod_client, member):
    thread = make_thread(author=member)
    posts = [make_reply(thread=thread, author=member, body=f"Reply {i}") for i in range(3)]
    for post, severity in zip(posts, (0.2, 0.9, 0.5), strict=True):
        services.review_item_open(post=post, reason="rule", severity=severity)
    # Reporters at trust level 0 do not raise the severity, so the order stays as set.
    for reporter in (
        UserFactory(username="r1", trust_level=0),
        UserFactory(username="r2", trust_level=0),
    ):
        services.report_file(reporter=reporter, post=posts[0], reason="spam")

    def order(text):
        return sorted(posts, key=lambda p: text.index(f"Post {p.pk} in"))

    page = mod_client.get(f"{QUEUE}?state__exact=pending").content.decode()
    assert order(page) == posts  # oldest first
    links = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="(\?[^"]*o=[^"]*)">([^<]+)</a>', page)
    }
    severe = mod_client.get(QUEUE + links["Most severe first"]).content.decode()
    assert order(severe) == [posts[1], posts[2], posts[0]]
    newest = mod_client.get(QUEUE + links["Newest first"]).content.decode()
    assert order(newest) == posts[::-1]
    reported = mod_client.get(f"{QUEUE}?state__exact=pending&reporters=2").content.decode()
    assert f"Post {posts[0].pk} in" in reported and f"Post {posts[1].pk} in" not in reported


@pytest.mark.parametrize("path", ["queue", "home"])
def test_the_queue_pages_cost_the_same_queries_for_5_or_25_items(mod_client, member, path):
    url = {"queue": f"{QUEUE}?state__exact=pending", "home": "/admin/"}[path]

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert mod_client.get(url).status_code == 200
        return len(captured)

    _queued_posts(member, 5)
    few = queries_for_page()
    _queued_posts(UserFactory(username="busy"), 20)
    assert queries_for_page() == few


def test_bulk_decisions_leave_items_another_moderator_is_reviewing(mod_client, member, moderator):
    posts, items = _queued_posts(member, 2)
    other = UserFactory(username="othermod", role="moderator", is_staff=True)
    services.review_item_claim(moderator=other, item=items[0])

    response = mod_client.post(
        f"{QUEUE}?state__exact=pending",
        {"action": "approve_items", "_selected_action": [i.pk for i in items]},
        follow=True,
    )

    assert "othermod is reviewing this item." in response.content.decode()
    states = [ReviewItem.objects.get(pk=i.pk).state for i in items]
    assert states == ["pending", "approved"]
    assert list(ModerationLogEntry.objects.values_list("target_id", flat=True)) == [posts[1].pk]


@pytest.mark.parametrize(
    "url",
    [
        f"{QUEUE}?state__exact=pending&_facets=True",
        f"{QUEUE}?state__exact=pending&reason=rule&reporters=1&age=1d&_facets=True",
        "/admin/moderation/moderationlogentry/?_facets=True&actor=automatic",
        "/admin/accounts/user/?_facets=True&sanctioned=yes",
        # Our own filters ignore a value they do not know.
        f"{QUEUE}?state__exact=pending&category=abc&rule=x&reporters=9",
    ],
)
def test_filters_with_counts_or_unknown_values_show_the_list(mod_client, member, url):
    _queued_posts(member, 2)
    response = mod_client.get(url)
    assert response.status_code == 200


def test_a_field_lookup_with_a_value_of_the_wrong_type_goes_back_to_the_list(mod_client):
    """Django's answer to a lookup it cannot run: the unfiltered list, marked `?e=1`."""
    url = "/admin/moderation/moderationlogentry/"
    response = mod_client.get(f"{url}?target_type=post&target_id=abc")
    assert (response.status_code, response.get("Location")) == (302, f"{url}?e=1")


@pytest.mark.parametrize(
    ("ends_at", "message"),
    [
        ("2026-13-45T25:00", "Give the end as a date and time"),
        ("tomorrow", "Give the end as a date and time"),
        ("2001-01-01T10:00", "must be in the future"),
    ],
)
def test_a_bad_sanction_end_is_refused_with_a_message(mod_client, member, ends_at, message):
    (_post,), (item,) = _queued_posts(member, 1)
    for url in (f"{QUEUE}{item.pk}/decide/", f"/admin/accounts/user/{member.pk}/sanction/"):
        response = mod_client.post(
            url, {"action": "silence", "reason": "Spam", "ends_at": ends_at}, follow=True
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Sanction.objects.exists()


def test_unknown_actions_and_bad_tryout_sizes_are_refused_not_failed(mod_client, member):
    (_post,), (item,) = _queued_posts(member, 1)
    unknown = mod_client.post(f"{QUEUE}{item.pk}/decide/", {"action": "explode"}, follow=True)
    assert unknown.status_code == 200 and "Unknown action" in unknown.content.decode()
    for size in ("0", "-3", "999999", "many"):
        tried = mod_client.post("/admin/moderation/rule/try/", {**RULE_FORM, "posts": size})
        assert tried.status_code == 400
    assert (
        mod_client.get(f"/admin/accounts/user/{member.pk}/posts/?page=zz&state=odd").status_code
        == 200
    )
    assert mod_client.get("/admin/accounts/user/999999/posts/").status_code == 404
    assert mod_client.get("/admin/moderation/rule/999999/try/").status_code == 404


def test_the_post_admin_shows_posts_and_changes_none(boss, member):
    """A post changes through the moderation actions only: a raw edit of its row would
    skip the rendered body, the counters, the log and the fan-out."""
    thread = make_thread(author=member, body="Seen, not edited, here.")
    post = thread.opening_post
    client = Client()
    client.force_login(boss)
    url = f"/admin/threads/post/{post.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Seen, not edited, here." in page.content.decode()
    assert 'name="state"' not in page.content.decode()

    refused = client.post(url, {"state": PostState.REMOVED, "body_source": "Rewritten."})
    assert refused.status_code == 403
    assert client.get("/admin/threads/post/add/").status_code == 403
    assert client.post(f"/admin/threads/post/{post.pk}/delete/", {"post": "yes"}).status_code == 403
    post.refresh_from_db()
    assert (post.state, post.body_source) == (PostState.VISIBLE, "Seen, not edited, here.")


def test_an_administrator_cannot_give_a_member_another_members_name(boss, member):
    UserFactory(username="sentinel", role="moderator", is_staff=True)
    client = Client()
    client.force_login(boss)
    url = f"/admin/accounts/user/{member.pk}/change/"

    borrowed = client.post(url, _user_form(member, display_name="Sent1nel"))
    reserved = client.post(url, _user_form(member, display_name="Administrator"))
    own = client.post(url, _user_form(member, display_name="The Member"))

    assert borrowed.status_code == reserved.status_code == 200
    assert borrowed.context["adminform"].form.errors["display_name"] == [
        "This looks too much like another member's name; choose another."
    ]
    assert reserved.context["adminform"].form.errors["display_name"] == [
        "This name is reserved; choose another."
    ]
    assert own.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "The Member" and member.display_name_key == "themember"


def test_the_queue_shows_the_authors_username_beside_a_display_name(boss, member):
    member.display_name = "Jane Doe"
    member.save(update_fields=["display_name"])
    post = make_reply(thread=make_thread(author=member), author=member, body="Look at me.")
    item = services.review_item_open(post=post, reason=ReviewItem.Reason.REPORTS)
    client = Client()
    client.force_login(boss)

    listed = client.get("/admin/moderation/reviewitem/?state__exact=pending")
    shown = client.get(f"/admin/moderation/reviewitem/{item.pk}/change/")

    assert f"Jane Doe (@{member.username})" in listed.text
    assert f"The author: Jane Doe (@{member.username})" in shown.text


@pytest.mark.parametrize("raw", ["²", "①", "٣", "1" * 40, "-1"])
def test_filters_and_addresses_that_are_no_number_show_no_server_error(mod_client, raw):
    """An id in the address is ASCII digits; anything else Unicode calls a digit is no id
    (a filter then leaves the list whole, a change page is missing), never a 500."""
    for path, query in (
        ("/admin/moderation/moderationlogentry/", {"actor": raw}),
        ("/admin/moderation/reviewitem/", {"rule": raw}),
        ("/admin/moderation/reviewitem/", {"category": raw}),
    ):
        assert mod_client.get(path, query).status_code < 500, (path, query)
    page = mod_client.get(f"/admin/accounts/user/{raw}/change/")
    assert page.status_code < 500


@pytest.mark.parametrize("raw", ["abc", "²", "%00", "1" * 40])
def test_every_admin_page_of_an_object_takes_an_id_that_is_none(boss, raw):
    """Each registered model's change, history and delete pages, asked for an id that
    names no row of it, answer as for a missing object (a redirect to the list or a
    404), never a 500: screens that look the object up themselves do so as Django's own
    get_object does."""
    client = Client()
    client.force_login(boss)

    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{raw}"
        for page in ("change", "history", "delete"):
            response = client.get(f"{base}/{page}/")
            assert response.status_code in (302, 403, 404), (model.__name__, page)


def _filter_parameters(model_admin) -> list[str]:
    """The query parameters `model_admin`'s list filters read."""
    names = []
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            names += [entry, f"{entry}__exact"]
        elif isinstance(entry, tuple):
            names.append(entry[0])
        else:
            names.append(entry.parameter_name)
    return names


def test_a_nul_in_any_admin_lists_filter_or_search_is_a_400(boss):
    """No filter value or search holds a NUL (PostgreSQL refuses one in any string), so
    an address with one is refused as a bad request, not carried into a query."""
    client = Client()
    client.force_login(boss)

    for model, model_admin in admin.site._registry.items():
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for name in ("q", *_filter_parameters(model_admin)):
            response = client.get(changelist, {name: "open\x00"})
            assert response.status_code == 400, (model.__name__, name)
        assert client.get(changelist, {"q": "open"}).status_code in (200, 302), model.__name__


@pytest.mark.parametrize("raw", ["abc", "²", "\x00"])
def test_a_bulk_action_on_a_selection_that_names_no_row_is_a_400(boss, raw):
    """Every screen's bulk actions get the rows they name by id; a selection that is no
    id of the screen's model (a word, '²', a NUL) is refused as a bad request."""
    client = Client()
    client.force_login(boss)
    request = RequestFactory().get("/admin/")
    request.user = boss

    for model, model_admin in admin.site._registry.items():
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for action in model_admin.get_actions(request):
            response = client.post(
                changelist, {"action": action, "_selected_action": [raw], "index": "0"}
            )
            assert response.status_code == 400, (model.__name__, action)
