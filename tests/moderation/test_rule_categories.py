"""A rule limited to some categories never widens to the whole forum unless someone who
may manage rules says so, in the log: deleting a category a rule names is refused on
every path (the admin's page, its bulk action, a queryset's delete) until the rule is
changed through its service."""

import pytest
from django.db.models import ProtectedError
from django.test import Client

from forum.core.errors import PermissionDenied
from forum.threads.models import Category
from moderation import pipeline, services
from moderation.models import ModerationLogEntry, Rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    boss = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    return client


def limited_rule(moderator, categories, *, name="Games only", enabled=False) -> Rule:
    return services.rule_save(
        actor=moderator,
        name=name,
        kind="watched_words",
        params={"words": ["cheap pills"]},
        action="flag",
        enabled=enabled,
        categories=categories,
        override_reason="an emergency" if enabled else "",
    )


def rescoped(actor, rule: Rule, categories) -> Rule:
    """`rule` saved by `actor` as it is, disabled, limited to `categories`."""
    return services.rule_save(
        actor=actor,
        rule=rule,
        name=rule.name,
        kind=rule.kind,
        params=rule.params,
        action=rule.action,
        enabled=False,
        categories=categories,
    )


def categories_of(rule: Rule) -> set[int]:
    return set(Rule.objects.get(pk=rule.pk).categories.values_list("pk", flat=True))


def test_deleting_a_rules_only_category_is_refused_on_the_admin_page(
    admin_client, moderator, games, politics
):
    rule = limited_rule(moderator, [games], enabled=True)
    delete_page = f"/admin/threads/category/{games.pk}/delete/"

    shown = admin_client.get(delete_page)
    assert shown.status_code == 200
    assert "protected related objects" in shown.text
    assert "Rule “Games only” is limited to Games" in shown.text
    refused = admin_client.post(delete_page, {"post": "yes"})

    assert refused.status_code == 200
    assert Category.objects.filter(pk=games.pk).exists()
    assert categories_of(rule) == {games.pk}
    # Still checking Games only, not the whole forum.
    assert rule.pk not in {
        active.rule.pk for active in pipeline.active_rules(category_id=politics.pk)
    }
    assert rule.pk in {active.rule.pk for active in pipeline.active_rules(category_id=games.pk)}


def test_the_bulk_delete_action_and_a_queryset_delete_are_refused_too(
    admin_client, moderator, games, politics
):
    rule = limited_rule(moderator, [games])
    bulk = admin_client.post(
        "/admin/threads/category/",
        {"action": "delete_selected", "_selected_action": [games.pk, politics.pk], "post": "yes"},
    )

    assert bulk.status_code == 200
    assert "Rule “Games only” is limited to Games" in bulk.text
    with pytest.raises(ProtectedError):
        Category.objects.filter(pk=games.pk).delete()
    with pytest.raises(ProtectedError):
        games.delete()
    assert set(Category.objects.values_list("pk", flat=True)) >= {games.pk, politics.pk}
    assert categories_of(rule) == {games.pk}


def test_a_category_is_protected_by_a_rule_that_names_others_as_well(moderator, games, politics):
    """Taking one of several categories away narrows a rule: a decision about what the
    rule checks, so it is the rule's editor's, not a side effect of tidying categories."""
    rule = limited_rule(moderator, [games, politics])

    with pytest.raises(ProtectedError):
        games.delete()
    assert categories_of(rule) == {games.pk, politics.pk}


def test_once_the_rule_is_changed_through_its_service_the_category_goes(
    admin_client, moderator, games, politics
):
    rule = limited_rule(moderator, [games])
    rescoped(moderator, rule, [politics])

    deleted = admin_client.post(f"/admin/threads/category/{games.pk}/delete/", {"post": "yes"})

    assert deleted.status_code == 302
    assert not Category.objects.filter(pk=games.pk).exists()
    assert categories_of(rule) == {politics.pk}
    edit = ModerationLogEntry.objects.get(action="rule_edit", target_id=rule.pk)
    assert edit.details["categories"] == [politics.pk]


def test_widening_a_rule_to_every_category_is_logged_with_its_categories(moderator, games):
    rule = limited_rule(moderator, [games])
    rescoped(moderator, rule, [])

    entries = ModerationLogEntry.objects.filter(target_type="rule", target_id=rule.pk)
    created, edited = entries.get(action="rule_create"), entries.get(action="rule_edit")
    assert created.details["categories"] == [games.pk]
    assert edited.details["categories"] == []
    assert edited.actor == moderator
    assert categories_of(rule) == set()


def test_a_category_moderator_cannot_widen_or_rescope_a_rule(moderator, games, politics, games_mod):
    """Rules are for moderators of the whole forum (forum.core.permissions): a moderator of
    Games may not empty a Games rule's categories, which would make it everyone's."""
    rule = limited_rule(moderator, [games])
    client = Client()
    client.force_login(games_mod)

    widened = client.post(
        f"/admin/moderation/rule/{rule.pk}/change/",
        {
            "name": rule.name,
            "kind": rule.kind,
            "action": rule.action,
            "param_words": "cheap pills",
            "param_pattern_timeout_ms": "25",
        },
    )
    assert widened.status_code == 403
    for categories in ([], [politics], [games, politics]):
        with pytest.raises(PermissionDenied):
            rescoped(games_mod, rule, categories)
    assert categories_of(rule) == {games.pk}
    assert Rule.objects.get(pk=rule.pk).version == 1


def test_the_change_form_shows_and_keeps_a_rules_categories(moderator, games, politics):
    rule = limited_rule(moderator, [games])
    client = Client()
    client.force_login(moderator)
    page = client.get(f"/admin/moderation/rule/{rule.pk}/change/").text
    assert f'<option value="{games.pk}" selected>Games</option>' in page
    assert f'<option value="{politics.pk}">Politics</option>' in page

    saved = client.post(
        f"/admin/moderation/rule/{rule.pk}/change/",
        {
            "name": "Renamed",
            "kind": rule.kind,
            "action": rule.action,
            "param_words": "cheap pills",
            "param_pattern_timeout_ms": "25",
            "categories": [games.pk, politics.pk],
        },
    )

    assert saved.status_code == 302
    assert categories_of(rule) == {games.pk, politics.pk}
    assert Rule.objects.get(pk=rule.pk).name == "Renamed"
