"""Watched words hit whole words however they are disguised, point at the exact text,
and user patterns can neither hang a worker nor be saved when they could."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.content import Paragraph
from moderation.rules import InvalidRuleParams, get_kind

KIND = get_kind("watched_words")


def check(params, text, index=0):
    return KIND.compile(params).check_paragraph(Paragraph(index=index, text=text))


def evidence(hits):
    return [(hit.detail, [span.text for span in hit.spans]) for hit in hits]


WORDS = {"words": ["free", "hacker", "spam", "viagra", "ass", "buy now"]}


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Get it fr33 today", "fr33"),
        ("Get it ｆｒｅｅ today", "ｆｒｅｅ"),
        ("Get it frее today", "frее"),  # Cyrillic e
        ("Get it f\u200bree today", "f\u200bree"),
        ("Get it FRÉE today", "FRÉE"),
        ("Get it Fre\u0301e today", "Fre\u0301e"),
    ],
)
def test_disguised_spellings_of_a_watched_word_hit_and_point_at_what_was_written(text, written):
    (hit,) = check(WORDS, text, index=3)

    assert hit.detail == 'watched word "free"'
    assert hit.score == 1.0
    (span,) = hit.spans
    assert (span.paragraph, span.text) == (3, written)
    assert text[span.start : span.end] == written


@pytest.mark.parametrize(
    ("text", "word"), [("h4ck3r", "hacker"), ("sp@m", "spam"), ("v1agra", "viagra")]
)
def test_leetspeak_hits(text, word):
    assert evidence(check(WORDS, f"this is {text}, honestly")) == [
        (f'watched word "{word}"', [text])
    ]


@pytest.mark.parametrize(
    "text", ["a class of its own", "passive income", "freedom", "spammy", "2024"]
)
def test_words_only_hit_as_whole_words(text):
    assert check(WORDS, text) == []


def test_a_phrase_matches_across_any_whitespace_and_case():
    assert evidence(check(WORDS, "Please BUY\n  now!")) == [
        ('watched word "buy now"', ["BUY\n  now"])
    ]


def test_every_occurrence_is_a_span_of_one_hit_per_word():
    hits = check(WORDS, "spam, SPAM and free spam")

    assert evidence(hits) == [
        ('watched word "free"', ["free"]),
        ('watched word "spam"', ["spam", "SPAM", "spam"]),
    ]


def test_punctuation_after_a_word_does_not_hide_it():
    assert evidence(check(WORDS, "spam!!! free? (viagra)")) != []
    assert len(check(WORDS, "spam!!! free? (viagra)")) == 3


def test_a_watched_word_written_in_leetspeak_is_folded_too():
    assert evidence(check({"words": ["Fr33"]}, "totally free")) == [
        ('watched word "Fr33"', ["free"])
    ]


def test_words_that_start_with_a_symbol_still_match():
    hits = check({"words": ["$$$", "c++"]}, "make $$$ with c++ now")

    assert sorted(span.text for hit in hits for span in hit.spans) == ["$$$", "c++"]


def test_patterns_match_the_folded_text_and_map_back():
    hits = check({"patterns": [r"bit\.ly/\w+"]}, "see BIT.ly/Abc now")

    assert evidence(hits) == [('watched pattern "bit\\.ly/\\w+"', ["BIT.ly/Abc"])]


def test_a_pattern_that_runs_out_of_time_is_reported_not_waited_for():
    compiled = KIND.compile({"patterns": [r"a.*b.*c.*d.*e.*z"], "pattern_timeout_ms": 5})
    paragraph = Paragraph(index=0, text="abcde" * 2000)

    started = time.perf_counter()
    hits = compiled.check_paragraph(paragraph)

    assert time.perf_counter() - started < 2
    assert len(hits) == 1
    assert hits[0].score == 0.0
    assert hits[0].detail.startswith("pattern timed out")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a+)+$", "contains a repetition"),
        (r"(x*)*y", "contains a repetition"),
        (r"(a|aa)+$", "contains alternatives"),
        (r"(.*)*", "contains a repetition"),
        (r"(a|a)*", "contains alternatives"),
        (r"(a)\1", "backreference"),
        (r"(?P<x>a)(?P=x)", "backreference"),
        (r"(a)(?1)", "recursion"),
        (r"(?:ab){e<=1}", "fuzzy"),
    ],
)
def test_catastrophic_patterns_are_refused_with_the_reason(pattern, reason):
    with pytest.raises(InvalidRuleParams) as refused:
        KIND.validate_params({"patterns": ["fine", pattern]})

    message = str(refused.value)
    assert '"patterns[1]"' in message
    assert reason in message
    assert "exponential" in message


def test_long_invalid_and_empty_matching_patterns_are_refused():
    with pytest.raises(InvalidRuleParams, match="limited to 500"):
        KIND.validate_params({"patterns": ["a" * 501]})
    with pytest.raises(InvalidRuleParams, match="not a valid regular expression"):
        KIND.validate_params({"patterns": ["(unclosed"]})
    with pytest.raises(InvalidRuleParams, match="empty string"):
        KIND.validate_params({"patterns": ["x*"]})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, 'at least one entry in "words" or "patterns"'),
        ({"words": "spam"}, '"words" must be a list of strings'),
        ({"words": ["ok", 3]}, '"words"[1] must be a non-empty string'),
        ({"words": ["\u200b"]}, "no visible characters"),
        ({"words": ["x"], "colour": "red"}, 'unknown key "colour"'),
        ({"words": ["x"], "pattern_timeout_ms": 0}, '"pattern_timeout_ms" must be a whole number'),
        ({"words": ["x"], "one_letter_off": "yes"}, '"one_letter_off" must be true or false'),
        ({"words": ["x"], "transposed_letters": 1}, '"transposed_letters" must be true or false'),
        ([], "params must be an object"),
    ],
)
def test_invalid_params_are_refused_naming_the_key(params, message):
    with pytest.raises(InvalidRuleParams, match=None) as refused:
        KIND.validate_params(params)

    assert message in str(refused.value)


def test_validation_fills_defaults_and_drops_repeats():
    assert KIND.validate_params({"words": [" spam ", "spam", "eggs"]}) == {
        "words": ["spam", "eggs"],
        "patterns": [],
        "pattern_timeout_ms": 25,
        "transposed_letters": True,
        "one_letter_off": False,
    }


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from([*"freeFRE3ｆｒｅ spam@SP4M \u200b\u0301 .,!-é", "е", "ß"]),
        max_size=80,
    ),
    index=st.integers(min_value=0, max_value=50),
)
def test_spans_always_point_at_non_empty_text_inside_the_paragraph(text, index):
    for hit in check({"words": ["free", "spam", "free spam", "ss"]}, text, index=index):
        for span in hit.spans:
            assert span.paragraph == index
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text != ""
