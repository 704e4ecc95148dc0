"""Who moderates which categories is part of a moderator's role: taking a moderator's
last category away makes them a moderator of the whole forum (sanctions, rules, every
category's hidden posts), and giving one narrows them. So it is changed as a role is:
by administrators only, never their own, through a service that has the moderation log
record who changed what, whichever admin screen (the member's page or the category
moderators' list, one row or a bulk action) it is made from. Deactivating an account,
stronger than a ban, is the same kind of decision."""

import pytest

from forum.accounts import services as account_services
from forum.accounts.models import CategoryModerator
from forum.core import permissions
from forum.core.errors import PermissionDenied
from moderation.models import ModerationLogEntry
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(db) -> tuple:
    """A moderator limited to one category, "games", and that category."""
    games = CategoryFactory(slug="games", name="Games")
    row = CategoryModerator.objects.create(
        moderator=ModeratorFactory(username="gamesmod"), category=games
    )
    return row.moderator, games


def _entries(member, action: str) -> list[tuple]:
    """Who changed what about `member` with `action`, as the moderation log has it."""
    entries = ModerationLogEntry.objects.filter(
        target_type="user", target_id=member.pk, action=action
    ).order_by("pk")
    return [(e.actor_id, e.details["from"], e.details["to"]) for e in entries]


def _scope_entries(moderator) -> list[tuple]:
    return _entries(moderator, "set_moderation_scope")


def _without_their_only_category(moderator, category) -> dict:
    """The member form for `moderator` with the one category row they have deleted."""
    row = CategoryModerator.objects.get(moderator=moderator)
    deleted = {"id": str(row.pk), "moderator": str(moderator.pk), "category": str(category.pk)}
    return _member_form(moderator, initial=1, rows=[deleted | {"DELETE": "on"}])


def test_setting_a_moderators_categories_is_for_administrators_and_logged(boss, scoped):
    games_moderator, games = scoped
    music = CategoryFactory(slug="music", name="Music")
    peer = ModeratorFactory(username="peer")

    changed = account_services.moderator_set_scope(
        actor=boss, moderator=games_moderator, category_ids=[games.pk, music.pk]
    )
    unchanged = account_services.moderator_set_scope(
        actor=boss, moderator=games_moderator, category_ids=[music.pk, games.pk]
    )
    with pytest.raises(PermissionDenied):
        account_services.moderator_set_scope(actor=peer, moderator=games_moderator, category_ids=[])
    with pytest.raises(PermissionDenied):
        account_services.moderator_set_scope(actor=boss, moderator=boss, category_ids=[games.pk])

    assert (changed, unchanged) == (True, False)
    assert _scope_entries(games_moderator) == [(boss.pk, [games.pk], sorted([games.pk, music.pk]))]
    assert permissions.moderated_category_ids(games_moderator) == {games.pk, music.pk}


def _member_form(member, **scope_rows) -> dict:
    """What the administrator's member form posts back, with the rows of the moderated
    categories' inline as given (`initial` rows already stored, `rows` sent)."""
    data = {
        "username": member.username,
        "email": member.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": member.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": member.date_joined.strftime("%H:%M:%S"),
        "display_name": member.display_name,
        "bio": member.bio,
        "role": member.role,
        "trust_level": str(member.trust_level),
        "sanctions-TOTAL_FORMS": "0",
        "sanctions-INITIAL_FORMS": "0",
    }
    rows = scope_rows["rows"]
    data["moderated_categories-TOTAL_FORMS"] = str(len(rows))
    data["moderated_categories-INITIAL_FORMS"] = str(scope_rows["initial"])
    for n, row in enumerate(rows):
        for name, value in row.items():
            data[f"moderated_categories-{n}-{name}"] = value
    return data


def test_taking_a_moderators_last_category_away_on_their_page_is_logged(boss, scoped, signed_in):
    """Deleting the one inline row makes a category moderator a moderator of the whole
    forum: a promotion, recorded as one."""
    games_moderator, games = scoped
    form = _without_their_only_category(games_moderator, games)

    response = signed_in(boss).post(f"/admin/accounts/user/{games_moderator.pk}/change/", form)

    assert response.status_code == 302
    assert permissions.moderated_category_ids(games_moderator) is None
    assert _scope_entries(games_moderator) == [(boss.pk, [games.pk], [])]


def test_giving_a_moderator_a_category_on_their_page_is_logged(boss, signed_in):
    music = CategoryFactory(slug="music", name="Music")
    moderator = ModeratorFactory(username="wholeforum")
    form = _member_form(
        moderator,
        initial=0,
        rows=[{"moderator": str(moderator.pk), "category": str(music.pk)}],
    )

    response = signed_in(boss).post(f"/admin/accounts/user/{moderator.pk}/change/", form)

    assert response.status_code == 302
    assert permissions.moderated_category_ids(moderator) == {music.pk}
    assert _scope_entries(moderator) == [(boss.pk, [], [music.pk])]


def test_the_category_moderators_list_changes_nothing_unrecorded(boss, scoped, signed_in):
    """The list of category moderators shows who moderates what; adding, editing and
    deleting rows there (one, or in bulk) would change a role unrecorded, so it is
    refused, and the member's page is where scopes change."""
    games_moderator, games = scoped
    row = CategoryModerator.objects.get(moderator=games_moderator)
    client = signed_in(boss)

    listed = client.get("/admin/accounts/categorymoderator/")
    added = client.post(
        "/admin/accounts/categorymoderator/add/",
        {"moderator": str(games_moderator.pk), "category": str(CategoryFactory().pk)},
    )
    edited = client.post(
        f"/admin/accounts/categorymoderator/{row.pk}/change/",
        {"moderator": str(games_moderator.pk), "category": str(CategoryFactory().pk)},
    )
    deleted = client.post(f"/admin/accounts/categorymoderator/{row.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/accounts/categorymoderator/",
        {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"},
    )

    assert listed.status_code == 200 and "gamesmod" in listed.text
    assert (added.status_code, edited.status_code, deleted.status_code) == (403, 403, 403)
    assert bulk.status_code in (200, 302)
    assert list(CategoryModerator.objects.values_list("moderator_id", "category_id")) == [
        (games_moderator.pk, games.pk)
    ]
    assert _scope_entries(games_moderator) == []


def test_a_moderator_cannot_change_a_scope_on_any_admin_screen(scoped, signed_in):
    games_moderator, games = scoped
    peer = ModeratorFactory(username="peer")
    row = CategoryModerator.objects.get(moderator=games_moderator)
    form = _without_their_only_category(games_moderator, games)
    client = signed_in(peer)

    on_page = client.post(f"/admin/accounts/user/{games_moderator.pk}/change/", form)
    on_list = client.post(f"/admin/accounts/categorymoderator/{row.pk}/delete/", {"post": "yes"})

    assert (on_page.status_code, on_list.status_code) == (403, 403)
    assert CategoryModerator.objects.filter(pk=row.pk).exists()


def test_deactivating_an_account_on_its_page_is_an_administrators_logged_decision(boss, signed_in):
    """Deactivating an account is stronger than a ban, so it is recorded as a change of
    standing is; and no administrator deactivates themselves by unticking a box."""
    member = UserFactory(username="leaving")
    client = signed_in(boss)
    form = _member_form(member, initial=0, rows=[])
    del form["is_active"]

    response = client.post(f"/admin/accounts/user/{member.pk}/change/", form)
    own_form = _member_form(boss, initial=0, rows=[])
    del own_form["is_active"]
    own = client.post(f"/admin/accounts/user/{boss.pk}/change/", own_form, follow=True)

    assert response.status_code == 302
    member.refresh_from_db()
    boss.refresh_from_db()
    assert (member.is_active, boss.is_active) == (False, True)
    assert _entries(member, "set_active") == [(boss.pk, True, False)]
    assert _entries(boss, "set_active") == []
    assert "You cannot change your own account&#x27;s activation." in own.text


def test_deactivation_is_for_administrators_only(boss, scoped):
    games_moderator, _ = scoped
    member = UserFactory(username="target")

    with pytest.raises(PermissionDenied):
        account_services.user_set_active(actor=games_moderator, user=member, active=False)
    with pytest.raises(PermissionDenied):
        account_services.user_set_active(actor=boss, user=boss, active=False)
    assert account_services.user_set_active(actor=boss, user=member, active=False) is True
    assert account_services.user_set_active(actor=boss, user=member, active=False) is False


def test_an_administrator_deletes_other_accounts_but_never_their_own(boss, signed_in):
    """The admin's delete page and its bulk action ask the same rule: one's own account
    in a selection refuses the whole deletion, and a moderator deletes no account."""
    idle = UserFactory(username="idle")
    also_idle = UserFactory(username="alsoidle")
    admin_client = signed_in(boss)

    own_page = admin_client.get(f"/admin/accounts/user/{boss.pk}/delete/")
    bulk_with_own = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [boss.pk, idle.pk], "post": "yes"},
    )
    after_refusal = set(type(boss).objects.values_list("username", flat=True))
    moderators_page = signed_in(ModeratorFactory()).get(f"/admin/accounts/user/{idle.pk}/delete/")
    others = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [idle.pk, also_idle.pk], "post": "yes"},
    )

    assert own_page.status_code == 403
    assert bulk_with_own.status_code == 403 and {"boss", "idle"} <= after_refusal
    assert moderators_page.status_code == 403
    assert others.status_code == 302
    remaining = set(type(boss).objects.values_list("username", flat=True))
    assert "boss" in remaining and not {"idle", "alsoidle"} & remaining
