"""Every rule kind is registered, documents its params with an example that validates,
and normalises params to plain JSON."""

import json
import re

import pytest

from moderation.rules import RULE_KINDS, RuleKind, UnknownRuleKind, get_kind, register
from moderation.rules.base import ParagraphRule, PostRule

KINDS = ["watched_words", "links", "flood", "near_duplicate", "premoderation", "scorer"]


def test_all_kinds_are_registered():
    assert sorted(RULE_KINDS) == sorted(KINDS)


def test_an_unknown_kind_lists_the_known_ones():
    with pytest.raises(UnknownRuleKind, match="known: flood, links"):
        get_kind("nope")


def test_a_second_kind_cannot_take_a_name():
    class Impostor(RuleKind):
        name = "links"
        label = "x"
        scope = "post"
        params_schema_help = "x"

        def validate_params(self, params):
            return {}

        def _compile(self, params):
            return None

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor())


@pytest.mark.parametrize("name", KINDS)
def test_the_help_example_validates_and_normalises_to_json(name):
    kind = get_kind(name)
    example = json.loads(re.search(r"e\.g\. (\{.*\})$", kind.params_schema_help).group(1))

    params = kind.validate_params(example)

    assert json.loads(json.dumps(params)) == params
    assert kind.validate_params(params) == params
    compiled = kind.compile(params)
    expected = ParagraphRule if kind.scope == "paragraph" else PostRule
    assert isinstance(compiled, expected)
    assert kind.label
