"""What a check does not have to redo: rules a paragraph cannot trigger are not asked,
and their findings are exactly those of asking every rule."""

import pytest

from moderation import pipeline
from moderation.content import content_from_html
from moderation.models import Rule
from moderation.rules import get_kind

pytestmark = pytest.mark.django_db


def _active(pk: int, kind: str, params: dict) -> pipeline.ActiveRule:
    rule = Rule(pk=pk, name=f"rule {pk}", kind=kind, params=params, action="flag", version=1)
    return pipeline.ActiveRule(
        rule=rule,
        compiled=get_kind(kind).compile(params),
        scope=get_kind(kind).scope,
        category_ids=frozenset(),
    )


class _Asked:
    """Wraps a compiled paragraph rule and records the paragraphs it was asked about."""

    def __init__(self, compiled) -> None:
        self.compiled = compiled
        self.trigger_words = getattr(compiled, "trigger_words", None)
        self.asked: list[int] = []

    def check_paragraph(self, paragraph):
        self.asked.append(paragraph.index)
        return self.compiled.check_paragraph(paragraph)


RULES = [
    (1, "watched_words", {"words": ["zebra", "buy now"]}),
    (2, "watched_words", {"words": ["Ünicorn", "fr33 money"]}),
    (3, "watched_words", {"words": ["quokka"], "patterns": [r"sell\s+now"]}),
    (4, "watched_words", {"words": ["$$$"]}),
    (5, "scorer", {"scorer": "heuristic", "threshold": 0.3}),
]
HTML = (
    "<p>Nothing to see here.</p>\n<p>A ZEBRA and a zebra, buy\nnow.</p>\n"
    "<p>Free money: FREE m0ney and an unicorn.</p>\n<ul>\n<li>sell   now $$$ quokka</li>\n"
    "<li>plain item</li>\n</ul>\n<p>BUY NOW!!! CLICK HERE!!!!</p>\n"
)


def _findings(rules):
    findings, checked, reused = pipeline.run_rules(rules, content_from_html(HTML), None)
    return [(f.rule.pk, f.hit) for f in findings], checked, reused


def test_rules_without_a_trigger_word_in_a_paragraph_are_not_asked_about_it():
    asked = {pk: _Asked(get_kind(kind).compile(params)) for pk, kind, params in RULES}
    rules = [
        pipeline.ActiveRule(
            rule=Rule(pk=pk, name=f"rule {pk}", kind=kind, params=params, action="flag"),
            compiled=asked[pk],
            scope=get_kind(kind).scope,
            category_ids=frozenset(),
        )
        for pk, kind, params in RULES
    ]

    _, checked, _ = _findings(rules)

    # Every (paragraph, rule) pair counts as checked, asked or not.
    assert checked == 6 * len(RULES)
    assert asked[1].asked == [1, 5]  # zebra, buy now
    assert asked[2].asked == [2]  # fr33 money spelt "FREE m0ney", unicorn without the accent
    # A pattern, or a word that starts with a non-word character, can hit any paragraph.
    assert asked[3].asked == asked[4].asked == asked[5].asked == [0, 1, 2, 3, 4, 5]


def test_skipping_rules_finds_exactly_what_asking_every_rule_finds():
    rules = [_active(pk, kind, params) for pk, kind, params in RULES]
    content = content_from_html(HTML)
    every = [
        (active.rule.pk, hit)
        for paragraph in content.paragraphs
        for active in rules
        for hit in active.compiled.check_paragraph(paragraph)
    ]

    findings, _, _ = _findings(rules)

    assert findings == every
    assert {pk for pk, _ in findings} == {1, 2, 3, 4, 5}
