"""Try before enabling, as the rule service enforces it for every caller (admin, API,
shell): a try-out's signed token vouches for one moderator's try of one kind and set of
parameters, for a day; an emergency override needs a reason and is logged."""

import time

import pytest
from django.core import signing

from forum.core.errors import PermissionDenied, ValidationFailed
from moderation import backtest, services, tryouts
from moderation.models import ModerationLogEntry, Rule
from tests.factories import ModeratorFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

WORDS = {"words": ["cheap pills"]}


def save(actor, *, rule=None, params=WORDS, enabled=True, **extra) -> Rule:
    return services.rule_save(
        actor=actor,
        rule=rule,
        name="Pills",
        kind="watched_words",
        params=params,
        action="flag",
        enabled=enabled,
        **extra,
    )


def tried(actor, params=WORDS, kind="watched_words") -> str:
    return backtest.rule_try(actor=actor, kind=kind, params=params).token


def refusal(exc_info) -> tuple[str, str]:
    return exc_info.value.code, exc_info.value.fields["enabled"][0]


def test_a_try_out_reports_what_the_rule_would_catch_and_writes_nothing(moderator, member):
    thread = make_thread(author=member, body="Hello.")
    caught = make_reply(thread=thread, author=member, body="Buy cheap pills.")

    tryout = backtest.rule_try(actor=moderator, kind="watched_words", params=WORDS, posts=10)

    assert (tryout.result.posts_checked, tryout.result.posts_hit) == (2, 1)
    assert tryout.result.examples[0].post_id == caught.pk
    assert tryout.params == {
        "words": ["cheap pills"],
        "patterns": [],
        "pattern_timeout_ms": 25,
        "transposed_letters": True,
        "one_letter_off": False,
    }
    assert not Rule.objects.exists() and not ModerationLogEntry.objects.exists()


def test_only_those_who_manage_rules_may_try_them(member):
    with pytest.raises(PermissionDenied):
        backtest.rule_try(actor=member, kind="watched_words", params=WORDS)


def test_a_tried_rule_is_enabled_with_its_token(moderator):
    rule = save(moderator, tryout_token=tried(moderator))

    assert rule.enabled
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.details["enabled"]) == ("rule_create", moderator, True)


def test_the_token_names_the_parameters_as_normalised_not_as_written(moderator):
    token = tried(moderator, {"words": [" cheap pills ", "cheap pills"], "pattern_timeout_ms": 25})

    assert save(moderator, tryout_token=token).enabled


def test_enabling_without_a_try_out_is_refused(moderator):
    with pytest.raises(ValidationFailed) as refused:
        save(moderator)

    code, message = refusal(refused)
    assert code == "untried_rule" and "Try this rule against recent posts" in message
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("watched_words", {"words": ["other words"]}),
        ("watched_words", {"words": ["cheap pills"], "pattern_timeout_ms": 30}),
        ("links", {"deny_domains": ["cheap.example"]}),
    ],
)
def test_a_token_for_other_parameters_or_another_kind_is_refused(moderator, kind, params):
    with pytest.raises(ValidationFailed) as refused:
        save(moderator, tryout_token=tried(moderator, params, kind=kind))

    assert refusal(refused)[0] == "tryout_mismatch"
    assert not Rule.objects.exists()


def test_an_expired_token_is_refused(moderator, monkeypatch):
    day_and_a_minute_ago = time.time() - tryouts.TRYOUT_VALID_FOR.total_seconds() - 60
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: day_and_a_minute_ago)
        token = tried(moderator)

    with pytest.raises(ValidationFailed) as refused:
        save(moderator, tryout_token=token)

    code, message = refusal(refused)
    assert code == "tryout_expired" and "more than a day old" in message


def test_a_token_a_little_under_a_day_old_still_counts(moderator, monkeypatch):
    hours_ago = time.time() - tryouts.TRYOUT_VALID_FOR.total_seconds() + 3600
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: hours_ago)
        token = tried(moderator)

    assert save(moderator, tryout_token=token).enabled


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][::-1], 1),
        lambda token: "not a token",
    ],
    ids=["signature", "payload", "garbage"],
)
def test_a_tampered_token_is_refused(moderator, tamper):
    with pytest.raises(ValidationFailed) as refused:
        save(moderator, tryout_token=tamper(tried(moderator)))

    assert refusal(refused)[0] == "tryout_invalid"


def test_a_token_signed_for_another_purpose_is_refused(moderator):
    other = signing.dumps(
        {"kind": "watched_words", "params": "x", "by": moderator.pk}, salt="another.purpose"
    )

    with pytest.raises(ValidationFailed) as refused:
        save(moderator, tryout_token=other)

    assert refusal(refused)[0] == "tryout_invalid"


def test_another_moderators_try_out_does_not_count(moderator):
    colleague = ModeratorFactory(username="colleague")

    with pytest.raises(ValidationFailed) as refused:
        save(moderator, tryout_token=tried(colleague))

    code, message = refusal(refused)
    assert code == "tryout_not_yours" and "tried by another moderator" in message


def test_an_emergency_override_enables_untried_and_is_logged_with_actor_and_reason(moderator):
    rule = save(moderator, override_reason="Spam raid in progress")

    assert rule.enabled
    override = ModerationLogEntry.objects.get(action="rule_enable_untried")
    assert (override.actor, override.reason, override.rule, override.target_id) == (
        moderator,
        "Spam raid in progress",
        rule,
        rule.pk,
    )
    assert override.details["params"]["words"] == ["cheap pills"]


def test_a_blank_override_reason_is_no_override(moderator):
    with pytest.raises(ValidationFailed):
        save(moderator, override_reason="   ")


def test_a_valid_token_needs_no_override_and_logs_none(moderator):
    save(moderator, tryout_token=tried(moderator), override_reason="just in case")

    assert not ModerationLogEntry.objects.filter(action="rule_enable_untried").exists()


def test_disabled_rules_and_disabling_need_no_try_out(moderator):
    rule = save(moderator, enabled=False)
    rule = save(moderator, rule=rule, params={"words": ["pills"]}, enabled=False)
    rule = save(moderator, rule=rule, params={"words": ["pills"]}, tryout_token=tried(
        moderator, {"words": ["pills"]}
    ))  # fmt: skip
    assert rule.enabled

    rule = save(moderator, rule=rule, params={"words": ["pills"]}, enabled=False)

    assert not rule.enabled and rule.version == 4


def test_an_enabled_rule_keeps_its_tried_behaviour_through_other_edits(moderator):
    rule = save(moderator, tryout_token=tried(moderator))

    # Same kind and parameters (written differently): no new behaviour, no try-out.
    renamed = services.rule_save(
        actor=moderator,
        rule=rule,
        name="Renamed",
        kind="watched_words",
        params={"words": ["cheap pills", " cheap pills"]},
        action="require_approval",
        enabled=True,
    )
    assert (renamed.name, renamed.action, renamed.version) == ("Renamed", "require_approval", 2)

    with pytest.raises(ValidationFailed) as refused:
        save(moderator, rule=rule, params={"words": ["pills"]})
    assert refusal(refused)[0] == "untried_rule"
    rule.refresh_from_db()
    assert rule.params["words"] == ["cheap pills"] and rule.version == 2


def test_enabling_a_disabled_rule_needs_a_try_out_even_unchanged(moderator):
    rule = save(moderator, enabled=False)

    with pytest.raises(ValidationFailed):
        save(moderator, rule=rule)

    assert save(moderator, rule=rule, tryout_token=tried(moderator)).enabled
