"""Rule parameters declared once: the declarations read and check a rule's JSON with
messages that name the key, report every offending key, and describe every key a kind
stores."""

import json
import re

import pytest

from moderation.rules import RULE_KINDS, InvalidRuleParams, RuleKind
from moderation.rules.params import (
    REQUIRED,
    Boolean,
    Choice,
    DomainList,
    Integer,
    LevelLimits,
    Lines,
    Number,
    Text,
    read_params,
)

DECLARED = (
    Lines("words", "Words", max_items=3, max_length=10),
    DomainList("domains", "Domains", max_items=5),
    Integer("count", "Count", default=2, minimum=0, maximum=9),
    Integer("limit", "Limit", default=None, minimum=1, maximum=None, allow_none=True),
    Number("share", "Share", default=0.5, minimum=0.0, maximum=1.0),
    Boolean("fuzzy", "Fuzzy"),
    Choice("mode", "Mode", default="soft", choices=lambda: ["soft", "hard"]),
    Text("note", "Note", default="none", max_length=20),
    LevelLimits("per_day", "Per day", levels=range(5)),
)


def test_absent_parameters_take_their_defaults_in_declaration_order():
    values = read_params({}, DECLARED)

    assert values == {
        "words": [],
        "domains": [],
        "count": 2,
        "limit": None,
        "share": 0.5,
        "fuzzy": False,
        "mode": "soft",
        "note": "none",
        "per_day": {},
    }
    assert list(values) == [param.name for param in DECLARED]


def test_given_parameters_are_checked_and_normalised():
    values = read_params(
        {
            "words": [" Spam ", "Spam", "eggs"],
            "domains": ["https://www.Spam.example/x", "*.evil.example"],
            "count": 3.0,
            "fuzzy": True,
            "mode": "hard",
            "note": "  kept  ",
            "per_day": {0: 5, "4": None},
        },
        DECLARED,
    )

    assert values["words"] == ["Spam", "eggs"]
    assert values["domains"] == ["www.spam.example", "evil.example"]
    assert (values["count"], values["fuzzy"], values["mode"], values["note"]) == (
        3,
        True,
        "hard",
        "kept",
    )
    assert values["per_day"] == {"0": 5, "4": None}


def test_every_offending_key_is_reported_with_a_message_naming_it():
    with pytest.raises(InvalidRuleParams) as refused:
        read_params(
            {
                "words": ["ok", "far too long a word"],
                "domains": ["not a domain!"],
                "count": 10,
                "share": float("nan"),
                "fuzzy": "yes",
                "mode": "medium",
                "note": " ",
                "per_day": {"9": 1},
            },
            DECLARED,
        )

    errors = refused.value.errors
    assert set(errors) == {
        "words",
        "domains",
        "count",
        "share",
        "fuzzy",
        "mode",
        "note",
        "per_day",
    }
    assert errors["words"] == '"words"[1] is 19 characters long; the limit is 10'
    assert errors["domains"].startswith('"domains[0]"') and "not a domain name" in errors["domains"]
    assert errors["count"] == '"count" must be a whole number from 0 to 9, got 10'
    assert errors["fuzzy"] == "\"fuzzy\" must be true or false, got 'yes'"
    assert errors["mode"] == "\"mode\": unknown mode 'medium' (known: soft, hard)"
    assert "is not a trust level (0-4)" in errors["per_day"]
    # The exception's own message is the first problem, as before.
    assert str(refused.value) == errors["words"]


def test_unknown_keys_and_non_objects_are_refused_as_a_whole():
    with pytest.raises(InvalidRuleParams) as refused:
        read_params({"colour": "red"}, DECLARED)
    assert refused.value.errors == {
        None: 'unknown key "colour"; expected one of: words, domains, count, limit, share, '
        "fuzzy, mode, note, per_day"
    }
    with pytest.raises(InvalidRuleParams, match="params must be an object, got list"):
        read_params([], DECLARED)


def test_a_parameter_without_a_default_is_required():
    with pytest.raises(InvalidRuleParams) as refused:
        read_params({}, (Integer("size", "Size", minimum=1),))

    assert refused.value.errors == {"size": '"size" is required'}
    assert Integer("size", "Size").default is REQUIRED


def test_adding_a_parameter_to_a_kind_is_one_declaration():
    class Sized(RuleKind):
        name = "sized"
        label = "Sized"
        scope = "paragraph"
        params_schema_help = "x"
        parameters = (Integer("size", "Size", default=1, minimum=1, maximum=5),)

        def _compile(self, params):
            return None

    class SizedAndFuzzy(Sized):
        parameters = (*Sized.parameters, Boolean("fuzzy", "Fuzzy matching"))

    assert Sized().validate_params({"size": 3}) == {"size": 3}
    assert SizedAndFuzzy().validate_params({"size": 3, "fuzzy": True}) == {
        "size": 3,
        "fuzzy": True,
    }
    with pytest.raises(InvalidRuleParams, match='unknown key "fuzzy"'):
        Sized().validate_params({"fuzzy": True})


@pytest.mark.parametrize("name", sorted(RULE_KINDS))
def test_every_key_a_kind_stores_is_declared_with_a_label(name):
    kind = RULE_KINDS[name]
    example = json.loads(re.search(r"e\.g\. (\{.*\})$", kind.params_schema_help).group(1))

    stored = kind.validate_params(example)

    assert list(stored) == [param.name for param in kind.parameters]
    assert all(param.label for param in kind.parameters)
