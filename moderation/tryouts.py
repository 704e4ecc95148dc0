"""Try before enabling: a rule's behaviour (its kind and parameters) is switched on only
by a moderator who has just seen what it would catch.

Trying a draft (`backtest.rule_try`) hands back a signed try-out token naming the kind,
a hash of the canonical parameters, the moderator who tried it and when. Saving a rule
that enables it, or that changes what an enabled rule does, needs a token for exactly
that kind and those parameters, from the moderator who saves, less than a day old; or an
emergency override with a reason, which the moderation log keeps. `services.rule_save`
asks this module, so the admin, the API and the shell are held to the same policy.

A token is personal: the moderator who switches a rule on answers for having looked at
its hits, so a colleague's try-out does not count (trying again takes a minute).
"""

import datetime as dt
import hashlib
import json
from typing import Any, Final

from django.core import signing

from forum.core.errors import ValidationFailed
from moderation.models import Rule
from moderation.rules import InvalidRuleParams, UnknownRuleKind, get_kind

__all__ = (
    "TRYOUT_VALID_FOR",
    "behaviour_hash",
    "needs_tryout",
    "tryout_token",
    "tryout_token_check",
)

TRYOUT_VALID_FOR: Final = dt.timedelta(days=1)
_SALT: Final = "moderation.tryouts.rule"


def behaviour_hash(kind: str, params: dict[str, Any]) -> str:
    """Names what a rule does: its kind and (validated) parameters, key order aside."""
    text = json.dumps([kind, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def tryout_token(*, actor, kind: str, params: dict[str, Any]) -> str:
    """A signed, timestamped statement that `actor` tried `kind` with `params` (as
    `validate_params` returned them) just now."""
    claims = {"kind": kind, "params": behaviour_hash(kind, params), "by": actor.pk}
    return signing.dumps(claims, salt=_SALT, compress=False)


def _refused(message: str, code: str) -> ValidationFailed:
    return ValidationFailed.for_field("enabled", message, code=code)


def tryout_token_check(*, token: str, actor, kind: str, params: dict[str, Any]) -> None:
    """Return if `token` is `actor`'s try-out of exactly `kind` and `params`, less than
    TRYOUT_VALID_FOR old; otherwise raise ValidationFailed on "enabled" saying why."""
    if not token:
        raise _refused(
            "Try this rule against recent posts before enabling it (“Try this rule” shows "
            "what it would catch), or give a reason to enable it untried.",
            "untried_rule",
        )
    try:
        claims = signing.loads(token, salt=_SALT, max_age=TRYOUT_VALID_FOR)
    except signing.SignatureExpired:
        raise _refused(
            "The try-out of these parameters is more than a day old; try them again.",
            "tryout_expired",
        ) from None
    except signing.BadSignature:
        raise _refused(
            "The try-out token is not valid; try the rule again.", "tryout_invalid"
        ) from None
    if not isinstance(claims, dict) or claims.get("by") != actor.pk:
        raise _refused(
            "These parameters were tried by another moderator; try them yourself before "
            "enabling the rule.",
            "tryout_not_yours",
        )
    if claims.get("kind") != kind or claims.get("params") != behaviour_hash(kind, params):
        raise _refused(
            "These parameters are not the ones that were tried; try them before enabling the rule.",
            "tryout_mismatch",
        )


def _behaviour_of(rule: Rule) -> str | None:
    """The behaviour hash of a stored rule, its parameters normalised as a save would;
    None when they no longer validate (the rule counts as changed by any save)."""
    try:
        return behaviour_hash(rule.kind, get_kind(rule.kind).validate_params(rule.params))
    except (UnknownRuleKind, InvalidRuleParams):
        return None


def needs_tryout(current: Rule | None, *, kind: str, params: dict[str, Any], enabled: bool) -> bool:
    """Whether saving `kind` and `params` (validated) with `enabled` over `current` (the
    rule as stored, None for a new one) switches on a behaviour nobody has tried: a new
    enabled rule, enabling a disabled one, or changing what an enabled one does.
    Disabling, and editing a disabled rule, need no try-out; neither do edits of an
    enabled rule that leave its kind and parameters alone (its name, action, categories).
    """
    if not enabled:
        return False
    if current is None or not current.enabled:
        return True
    return _behaviour_of(current) != behaviour_hash(kind, params)
