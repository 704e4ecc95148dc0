"""Rules in the admin: a kind's parameters as form fields (and as JSON for experts), the
two-step add, and "try before enabling" from the try-out page and the change form."""

import html
import json
import re

import pytest
from django.utils.html import escape

from moderation import services
from moderation.admin.rule_forms import tryout_form_for
from moderation.models import ModerationLogEntry, Rule
from moderation.rules import RULE_KINDS, get_kind
from tests.factories import CategoryFactory, make_reply, make_thread
from tests.moderation.conftest import RULE_FORM, tried_rule_save

pytestmark = pytest.mark.django_db

TRY = "/admin/moderation/rule/try/"
ADD = "/admin/moderation/rule/add/"


@pytest.fixture
def history(member):
    thread = make_thread(author=member, body="Nothing to see.")
    make_reply(thread=thread, author=member, body="Fine words only.")
    return make_reply(thread=thread, author=member, body="Calm.\n\nGet cheap pills here.")


def stored_rule(moderator, *, kind="watched_words", params=None, enabled=False, **fields):
    """A rule saved through the service (disabled, so no try-out is needed)."""
    return services.rule_save(
        actor=moderator,
        name=fields.pop("name", "Pills"),
        kind=kind,
        params={"words": ["cheap pills"]} if params is None else params,
        action=fields.pop("action", "flag"),
        enabled=enabled,
        **fields,
    )


def token_in(response) -> str:
    """The try-out token the page hands to its form."""
    found = re.search(r'name="tryout_token" value="([^"]+)"', response.content.decode())
    assert found, "no try-out token in the form"
    return found.group(1)


def field_errors(response, field: str) -> str:
    """The text of the error list shown in `field`'s row of the page."""
    text = response.content.decode()
    row = re.search(rf'<div class="form-row[^"]*field-{field}[^"]*">(.*?)</div>', text, re.S)
    assert row, f"no row for {field}"
    errors = re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', row.group(1), re.S)
    return html.unescape(errors.group(1)) if errors else ""


def change_form(rule: Rule, **changes) -> dict:
    """The change form of `rule` as the browser would send it back, with `changes`."""
    data = {
        "name": rule.name,
        "kind": rule.kind,
        "action": rule.action,
        "params_json": json.dumps(rule.params),
        **{f"param_{key}": value for key, value in _form_values(rule).items()},
    }
    if rule.enabled:
        data["enabled"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _form_values(rule: Rule) -> dict:
    values = {}
    for key, value in rule.params.items():
        if isinstance(value, list):
            values[key] = "\n".join(value)
        elif isinstance(value, dict):
            values[key] = "\n".join(f"{level}: {limit}" for level, limit in value.items())
        else:
            values[key] = "" if value is None else str(value)
    return values


# --- fields per kind -------------------------------------------------------------------


def test_adding_a_rule_starts_by_choosing_its_kind(mod_client):
    chooser = mod_client.get(ADD).content.decode()
    for kind in RULE_KINDS.values():
        assert f'href="?kind={kind.name}"' in chooser and escape(kind.label) in chooser

    links = mod_client.get(ADD + "?kind=links").content.decode()
    assert 'name="param_deny_domains"' in links and "Denied domains" in links
    assert 'name="param_words"' not in links
    # Another kind is one link away, and shows its own fields.
    assert 'href="?kind=watched_words"' in links
    words = mod_client.get(ADD + "?kind=watched_words").content.decode()
    assert 'name="param_words"' in words and 'name="param_deny_domains"' not in words

    unknown = mod_client.get(ADD + "?kind=nope").content.decode()
    assert "There is no rule kind “nope”" in unknown and 'name="param_' not in unknown


def test_a_rule_is_added_from_its_fields(mod_client, moderator):
    response = mod_client.post(
        ADD + "?kind=flood",
        {
            "name": "Slow down",
            "kind": "flood",
            "action": "block",
            "param_per_minute": "0: 2\n1: 4\n3: none",
            "param_per_hour": "",
            "param_max_identical": "2",
        },
    )

    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.kind, rule.enabled, rule.updated_by) == ("flood", False, moderator)
    assert rule.params == {
        "per_minute": {"0": 2, "1": 4, "3": None},
        "per_hour": {},
        "max_identical": 2,
    }


@pytest.mark.parametrize(
    ("kind", "field", "value", "message"),
    [
        ("near_duplicate", "min_words", "0", '"min_words" must be a whole number from 1'),
        ("near_duplicate", "threshold", "2", '"threshold" must be a number from 0.05 to 1.0'),
        ("links", "deny_domains", "spam.example\nnot a domain!", "is not a domain name"),
        ("flood", "per_minute", "7: 2", "is not a trust level (0-4)"),
        ("flood", "per_minute", "²: 2", "is not a trust level (0-4)"),
        ("flood", "per_minute", "0: ①", "must be a whole number of at least 0"),
        ("flood", "per_hour", "lots", "Write one “level: count” per line"),
        ("watched_words", "patterns", "(a+)+$", "exponential time"),
    ],
)
def test_a_bad_parameter_is_shown_next_to_its_field(mod_client, kind, field, value, message):
    fields = {
        f"param_{param.name}": "" if param.default in (None, (), {}) else str(param.default)
        for param in get_kind(kind).parameters
    }
    fields["param_words"] = "spam"
    data = {"name": "Bad", "kind": kind, "action": "flag", **fields, f"param_{field}": value}

    # The admin's add form answers its errors as Django's admin does; the try-out says 400.
    for url, status in ((f"{ADD}?kind={kind}", 200), (TRY, 400)):
        response = mod_client.post(url, data)

        assert response.status_code == status
        assert message in field_errors(response, f"param_{field}")
    assert not Rule.objects.exists()


def test_a_rule_round_trips_through_its_fields_and_its_json_unchanged(mod_client, moderator):
    params = {
        "max_links_new_member": None,
        "new_member_below_trust_level": 2,
        "deny_domains": ["spam.example", "bücher.example"],
        "allow_domains": [],
    }
    rule = stored_rule(moderator, kind="links", params=params)
    page = mod_client.get(f"/admin/moderation/rule/{rule.pk}/change/").content.decode()
    assert "spam.example\nbücher.example</textarea>" in page
    shown_json = re.search(r'name="params_json"[^>]*>(.*?)</textarea>', page, re.S)[1]
    assert json.loads(html.unescape(shown_json)) == params

    # The fields as shown, saved back: the same parameters.
    mod_client.post(f"/admin/moderation/rule/{rule.pk}/change/", change_form(rule))
    rule.refresh_from_db()
    assert (rule.params, rule.version) == (params, 2)

    # The JSON wins only when asked to, and is saved as written.
    edited = {**params, "allow_domains": ["ok.example"]}
    sent = change_form(rule, params_json=json.dumps(edited))
    mod_client.post(f"/admin/moderation/rule/{rule.pk}/change/", sent)
    rule.refresh_from_db()
    assert rule.params == params
    mod_client.post(f"/admin/moderation/rule/{rule.pk}/change/", {**sent, "params_from_json": "on"})
    rule.refresh_from_db()
    assert rule.params == edited


def test_bad_json_is_shown_next_to_the_json(mod_client):
    data = {
        **RULE_FORM,
        "params_from_json": "on",
        "params_json": '{"words": ["x"], "colour": "red"}',
    }

    response = mod_client.post(f"{ADD}?kind=watched_words", data)

    assert 'unknown key "colour"' in field_errors(response, "params_json")
    response = mod_client.post(f"{ADD}?kind=watched_words", {**data, "params_json": "{oops"})
    assert "Enter a valid JSON" in field_errors(response, "params_json")
    assert not Rule.objects.exists()


def test_switching_an_existing_rules_kind_shows_the_new_kinds_fields(mod_client, moderator):
    rule = stored_rule(moderator)

    page = mod_client.get(f"/admin/moderation/rule/{rule.pk}/change/?kind=near_duplicate")

    text = page.content.decode()
    assert 'name="param_threshold"' in text and 'value="0.8"' in text
    assert 'name="param_words"' not in text


def test_an_existing_rule_switched_to_another_kind_saves_as_that_kind(mod_client, moderator):
    rule = stored_rule(moderator)
    url = f"/admin/moderation/rule/{rule.pk}/change/?kind=near_duplicate"

    page = mod_client.get(url).content.decode()
    saved = mod_client.post(
        url,
        {
            "name": rule.name,
            "kind": "near_duplicate",
            "action": rule.action,
            "param_threshold": "0.85",
            "param_min_words": "30",
        },
    )

    assert 'name="kind" value="near_duplicate"' in page
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert rule.kind == "near_duplicate"
    assert rule.params["threshold"] == 0.85


# --- try before enabling ---------------------------------------------------------------


def test_a_rule_is_tried_on_recent_posts_then_enabled(mod_client, moderator, history):
    assert mod_client.get(TRY + "?kind=watched_words").status_code == 200

    tried = mod_client.post(TRY, {**RULE_FORM, "try": "1"})
    text = tried.content.decode()

    assert tried.status_code == 200
    assert "Checked 3 posts: 1 would be caught, 1 hit." in text
    assert f"Post {history.pk}</a>" in text and "<mark>cheap pills</mark>" in text
    assert not Rule.objects.exists() and not ModerationLogEntry.objects.exists()

    saved = mod_client.post(
        TRY, {**RULE_FORM, "tryout_token": token_in(tried), "save_enabled": "1"}
    )

    rule = Rule.objects.get()
    assert saved.status_code == 302 and saved["Location"].endswith(f"/rule/{rule.pk}/change/")
    assert (rule.enabled, rule.params["words"], rule.updated_by) == (
        True,
        ["cheap pills"],
        moderator,
    )
    assert ModerationLogEntry.objects.filter(action="rule_create", target_id=rule.pk).exists()
    assert not ModerationLogEntry.objects.filter(action="rule_enable_untried").exists()


def test_the_change_form_sends_its_fields_to_the_try_out(mod_client, moderator, history):
    rule = stored_rule(moderator)
    page = mod_client.get(f"/admin/moderation/rule/{rule.pk}/change/").content.decode()
    assert f'formaction="/admin/moderation/rule/{rule.pk}/try/"' in page

    # What the change form posts when "Try these parameters" is pressed.
    tried = mod_client.post(
        f"/admin/moderation/rule/{rule.pk}/try/", {**change_form(rule), "try": "1"}
    )
    assert "1 would be caught" in tried.content.decode()
    mod_client.post(
        f"/admin/moderation/rule/{rule.pk}/try/",
        {**change_form(rule), "tryout_token": token_in(tried), "save_enabled": "1"},
    )
    rule.refresh_from_db()
    assert rule.enabled and rule.version == 2


def test_enabling_untried_parameters_is_refused(mod_client, moderator, history):
    tried = mod_client.post(TRY, {**RULE_FORM, "try": "1"})
    changed = {**RULE_FORM, "param_words": "other words"}

    refused = mod_client.post(
        TRY, {**changed, "tryout_token": token_in(tried), "save_enabled": "1"}
    )
    assert refused.status_code == 400
    assert "These parameters are not the ones that were tried" in refused.content.decode()
    forged = mod_client.post(TRY, {**RULE_FORM, "tryout_token": "forged", "save_enabled": "1"})
    assert "The try-out token is not valid" in forged.content.decode()

    # The ordinary form refuses the same, next to "Enabled"; saving disabled needs no try-out.
    form = {k: v for k, v in changed.items() if k != "posts"}
    add = mod_client.post(f"{ADD}?kind=watched_words", {**form, "enabled": "on"})
    assert add.status_code == 200
    assert "Try this rule against recent posts before enabling it" in field_errors(add, "enabled")
    assert not Rule.objects.exists()
    mod_client.post(f"{ADD}?kind=watched_words", form)
    rule = Rule.objects.get()
    assert not rule.enabled


def test_an_emergency_enables_untried_with_a_logged_reason(mod_client, moderator):
    rule = stored_rule(moderator, params={"words": ["raid spam"]}, action="block")

    response = mod_client.post(
        f"/admin/moderation/rule/{rule.pk}/change/",
        change_form(rule, enabled="on", override_reason="A spam raid is under way"),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.enabled
    entry = ModerationLogEntry.objects.get(action="rule_enable_untried")
    assert (entry.actor, entry.reason, entry.target_id) == (
        moderator,
        "A spam raid is under way",
        rule.pk,
    )


def test_renaming_or_disabling_an_enabled_rule_needs_no_try_out(mod_client, moderator):
    rule = tried_rule_save(
        actor=moderator,
        name="Pills",
        kind="watched_words",
        params={"words": ["cheap pills"]},
        action="flag",
        enabled=True,
    )
    url = f"/admin/moderation/rule/{rule.pk}/change/"

    assert mod_client.post(url, change_form(rule, name="No pills")).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.enabled) == ("No pills", True)
    # Changing what it matches while it stays enabled is a new behaviour.
    refused = mod_client.post(url, change_form(rule, param_words="cheap pills\npills"))
    assert "Try this rule" in field_errors(refused, "enabled")
    assert mod_client.post(url, change_form(rule, enabled=None)).status_code == 302
    rule.refresh_from_db()
    assert not rule.enabled and rule.params == {
        "words": ["cheap pills"],
        "patterns": [],
        "pattern_timeout_ms": 25,
        "transposed_letters": True,
        "one_letter_off": False,
    }


def test_a_rule_limited_to_categories_is_tried_on_their_posts_only(mod_client, member, history):
    other = CategoryFactory(slug="elsewhere", name="Elsewhere")
    make_reply(
        thread=make_thread(author=member, category=other), author=member, body="cheap pills!"
    )

    everywhere = mod_client.post(TRY, {**RULE_FORM, "try": "1"})
    only_there = mod_client.post(TRY, {**RULE_FORM, "categories": [other.pk], "try": "1"})

    assert "Checked 5 posts: 2 would be caught" in everywhere.content.decode()
    assert "Checked 2 posts: 1 would be caught" in only_there.content.decode()


@pytest.mark.parametrize("name", sorted(RULE_KINDS))
def test_each_kinds_fields_round_trip_its_parameters(name):
    kind = RULE_KINDS[name]
    example = json.loads(re.search(r"e\.g\. (\{.*\})$", kind.params_schema_help).group(1))
    stored = kind.validate_params(example)
    form_class = tryout_form_for(kind)

    shown = form_class(params=stored)
    sent = {"name": "Round trip", "kind": name, "action": "flag"}
    for field in shown.fields:
        value = shown[field].value()
        if field.startswith("param_") and value not in (None, False):
            sent[field] = "on" if value is True else str(value)
    bound = form_class(sent)

    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["params"] == stored
