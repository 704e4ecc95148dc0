"""Moderation rule kinds and their registry.

Importing this package registers every built-in kind in `RULE_KINDS`; `get_kind(name)`
is how the pipeline finds one. See `base` for the contract, and each module for a kind.
"""

from moderation.rules import (  # noqa: F401  (imported to register their kinds)
    flood,
    links,
    near_duplicate,
    premoderation,
    scorer,
    watched_words,
)
from moderation.rules.base import (
    RULE_KINDS,
    CheckContext,
    CompiledRule,
    Hit,
    InvalidRuleParams,
    ParagraphRule,
    PostRule,
    RuleKind,
    Span,
    UnknownRuleKind,
    get_kind,
    register,
)
from moderation.rules.censor import censor_html

__all__ = (
    "RULE_KINDS",
    "CheckContext",
    "CompiledRule",
    "Hit",
    "InvalidRuleParams",
    "ParagraphRule",
    "PostRule",
    "RuleKind",
    "Span",
    "UnknownRuleKind",
    "censor_html",
    "get_kind",
    "register",
)
