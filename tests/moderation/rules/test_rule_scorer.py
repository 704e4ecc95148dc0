"""Scorer rules: the built-in heuristics, and any scorer registered later."""

import pytest

from moderation.content import Paragraph
from moderation.rules import InvalidRuleParams, get_kind
from moderation.rules.scorer import SCORERS, HeuristicScorer, register_scorer

KIND = get_kind("scorer")
HEURISTIC = HeuristicScorer()

SPAM = (
    "BUY NOW!!!! CLICK HERE for a 100% free gift: https://a.example https://b.example "
    "https://c.example or write to deals@spam.example"
)
PROSE = (
    "The statement came after weeks of denials, and analysts note that the wording was "
    "chosen with care; see https://www.reuters.com/world for the original report."
)


def test_spam_scores_high_and_names_what_drove_it():
    score, ranges = HEURISTIC.score(SPAM)

    assert score >= 0.8
    driven_by = {SPAM[start:end] for start, end in ranges}
    assert {"BUY NOW!!!! CLICK HERE", "!!!!", "CLICK HERE", "https://a.example"} <= driven_by
    assert "deals@spam.example" in driven_by


def test_ordinary_prose_scores_low():
    assert HEURISTIC.score(PROSE)[0] < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "THIS IS SO ANNOYING, WHY WOULD ANYONE DO THAT",
        "sooooo good!!!",
        "click here for details",
        "links: https://a.example https://b.example",
    ],
)
def test_one_signal_alone_stays_under_the_usual_threshold(text):
    score, ranges = HEURISTIC.score(text)

    assert 0 < score < 0.7
    assert ranges


def test_the_rule_hits_at_the_threshold_with_spans_into_the_paragraph():
    rule = KIND.compile({"scorer": "heuristic", "threshold": 0.7})

    (hit,) = rule.check_paragraph(Paragraph(index=4, text=SPAM))

    assert hit.score >= 0.8
    assert hit.detail.startswith('scorer "heuristic" gave')
    for span in hit.spans:
        assert span.paragraph == 4
        assert SPAM[span.start : span.end] == span.text
    assert rule.check_paragraph(Paragraph(index=0, text=PROSE)) == []


class KeywordClassifier:
    """Stands in for a trained model: anything that provides name and score(text)."""

    name = "test-classifier"

    def score(self, text):
        position = text.find("bad")
        if position < 0:
            return 0.1, ()
        return 0.95, ((position, position + 3),)


def test_a_registered_scorer_is_used_through_the_rule_without_other_changes():
    register_scorer(KeywordClassifier())
    try:
        rule = KIND.compile({"scorer": "test-classifier", "threshold": 0.9})

        (hit,) = rule.check_paragraph(Paragraph(index=1, text="a bad idea"))
        assert hit.score == 0.95
        assert [(span.start, span.end, span.text) for span in hit.spans] == [(2, 5, "bad")]
        assert rule.check_paragraph(Paragraph(index=1, text="a good idea")) == []
    finally:
        SCORERS.pop("test-classifier", None)


def test_something_that_is_not_a_scorer_cannot_be_registered():
    with pytest.raises(TypeError):
        register_scorer(object())


def test_invalid_params_are_refused_naming_the_key():
    with pytest.raises(InvalidRuleParams, match=r"unknown scorer 'nope' \(known: .*heuristic"):
        KIND.validate_params({"scorer": "nope"})
    with pytest.raises(InvalidRuleParams, match='"threshold" must be a number'):
        KIND.validate_params({"threshold": "high"})
