"""Watched words are found however a post takes them apart (spelled out, broken by
symbols, stretched, swapped, one letter off where a rule asks for it), the evidence
points at exactly what was written, and ordinary prose that merely resembles a
disguise is left alone."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.content import Paragraph
from moderation.rules import get_kind
from moderation.rules.censor import MASK, censor_text

KIND = get_kind("watched_words")

WORDS = ["viagra", "casino bonus", "buy cheap pills", "ass", "abc"]


def found(text, *, words=WORDS, **options):
    """(term, [what was written]) for each hit, with the spans checked against the text."""
    paragraph = Paragraph(index=2, text=text)
    hits = KIND.compile({"words": words, **options}).check_paragraph(paragraph)
    for hit in hits:
        for span in hit.spans:
            assert span.paragraph == 2
            assert text[span.start : span.end] == span.text
    return [
        (hit.detail.removeprefix("watched word ").strip('"'), [s.text for s in hit.spans])
        for hit in hits
    ]


@pytest.mark.parametrize(
    "written",
    [
        "v i a g r a",
        "v.i.a.g.r.a",
        "v. i. a. g. r. a.",
        "v-i-a-g-r-a",
        "v_i_a_g_r_a",
        "v/i/a/g/r/a",
        "v*i*a*g*r*a",
        "V 1 A G R A",
        "ｖ ｉ ａ ｇ ｒ ａ",
    ],
)
def test_letters_spelled_out_with_separators_hit(written):
    # The evidence runs from the first letter to the last.
    assert found(f"Order your {written} today.") == [("viagra", [written.rstrip(".")])]


@pytest.mark.parametrize("written", ["via🔥gra", "vi★agra", "via#gra", "v\u200bia💊gra"])
def test_a_symbol_inside_a_word_does_not_break_it(written):
    assert found(f"Cheapest {written} online") == [("viagra", [written])]


@pytest.mark.parametrize("written", ["buy_cheap_pills", "buy-cheap-pills", "buy - cheap_pills"])
def test_a_phrase_joined_by_underscores_or_hyphens_hits(written):
    assert found(f"Visit {written} now") == [("buy cheap pills", [written])]


@pytest.mark.parametrize("written", ["viiagra", "viagraa", "vvviagra", "VIIIAAAGRA", "viagrrra"])
def test_repeated_letters_hit(written):
    assert found(f"best {written} deals") == [("viagra", [written])]


@pytest.mark.parametrize(
    ("text", "word"),
    [("a looser fit", "loser"), ("a good day", "god"), ("supper time", "super")],
)
def test_a_letter_english_often_doubles_stretches_a_word_from_three_on(text, word):
    assert found(text, words=[word]) == []
    stretched = text.replace("oo", "ooo").replace("pp", "ppp")
    assert [term for term, _ in found(stretched, words=[word])] == [word]


@pytest.mark.parametrize("written", ["viagar", "vaigra", "ivagra"])
def test_two_neighbouring_letters_swapped_in_a_long_word_hit(written):
    assert found(f"best {written} deals") == [("viagra", [written])]


@pytest.mark.parametrize(
    "written", ["c a s i n o  b o n u s", "casino b o n u s", "casiino bonus", "c-a-s-i-n-o bonus"]
)
def test_the_words_of_a_phrase_may_each_be_disguised(written):
    assert found(f"Claim your {written} here") == [("casino bonus", [written])]


def test_a_one_letter_word_next_to_a_spelled_out_word_stays_out_of_the_evidence():
    assert found("I want a v i a g r a now") == [("viagra", ["v i a g r a"])]
    # ... unless the watched word starts with it.
    assert found("what an a s s") == [("ass", ["a s s"])]


def test_every_disguise_in_a_paragraph_is_a_span_of_one_hit_in_order():
    text = "viagra, v i a g r a, via🔥gra and vaigra"

    assert found(text) == [("viagra", ["viagra", "v i a g r a", "via🔥gra", "vaigra"])]


def test_evidence_maps_back_through_characters_that_folding_expands_or_drops():
    # "ﬁ" folds to two letters and the zero-width space to none: offsets shift twice.
    text = "ﬁne print: v\u200b.i.a.g.r.a and buy_cheap_pılls"

    assert found(text) == [
        ("buy cheap pills", ["buy_cheap_pılls"]),
        ("viagra", ["v\u200b.i.a.g.r.a"]),
    ]


@pytest.mark.parametrize("text", ["via gra", "v ia gra", "vi agra", "via. gra"])
def test_a_word_split_into_words_is_not_joined(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a b", ["ab"]),  # two single letters are no run
        ("see U.S. law", ["us"]),
        ("e.g. this", ["eg"]),
        ("as sad as", ["ass"]),  # spaced-out letters only across word boundaries
        ("a class act", ["ass"]),
        ("it's a b", ["sab"]),  # an apostrophe joins, it does not separate
        ("Bob and Anna", ["boob"]),  # fewer repeats than the watched word is not a stretch
        ("all is well", ["ai"]),  # l is like i, but "ll" does not stretch an "i"
        ("as far as I know", ["ass"]),
        ("and/or", ["andor"]),  # a slash is prose punctuation between words
        ("R&D", ["rd"]),
        ("line one\nline two\nx\ny\nz", ["xyz"]),  # letters on separate lines
    ],
)
def test_ordinary_text_that_resembles_a_disguise_does_not_hit(text, words):
    assert found(text, words=words) == []


def test_only_runs_of_three_or_more_single_characters_are_joined():
    assert found("a b c", words=["abc"]) == [("abc", ["a b c"])]
    assert found("plans a b and c", words=["abc"]) == []
    assert found("U.S.A.", words=["usa"]) == [("usa", ["U.S.A"])]


def test_an_underscore_separates_words_as_a_hyphen_does():
    assert found("the spam_filter and the spam-filter", words=["spam"]) == [
        ("spam", ["spam", "spam"])
    ]


def test_swapped_letters_are_only_for_words_of_six_letters_or_more():
    assert found("free and fere", words=["free"]) == [("free", ["free"])]
    assert found("a causal link", words=["casual"]) == [("casual", ["causal"])]


def test_a_rule_may_turn_swapped_letters_off():
    assert found("a causal link", words=["casual"], transposed_letters=False) == []


@pytest.mark.parametrize("written", ["viagre", "vigra", "viagora", "viagras"])
def test_one_letter_off_is_off_unless_the_rule_turns_it_on(written):
    assert found(f"best {written} deals") == []
    assert found(f"best {written} deals", one_letter_off=True) == [("viagra", [written])]


def test_one_letter_off_applies_to_the_words_of_a_phrase_and_spares_short_words():
    assert found("crypto givaway", words=["crypto giveaway"], one_letter_off=True) == [
        ("crypto giveaway", ["crypto givaway"])
    ]
    assert found("casino bnus", words=["casino bonus"], one_letter_off=True) == []
    assert found("Niagara Falls", words=["viagra"], one_letter_off=True) == []


def test_one_letter_off_still_finds_a_near_word_among_words_it_has_seen_before():
    compiled = KIND.compile({"words": ["viagra"], "one_letter_off": True})
    ordinary = Paragraph(index=0, text="Ordinary words about vinegar and Niagara.")

    assert compiled.check_paragraph(ordinary) == compiled.check_paragraph(ordinary) == []
    hits = compiled.check_paragraph(Paragraph(index=1, text="Ordinary words about viagre."))

    assert [span.text for hit in hits for span in hit.spans] == ["viagre"]


def test_a_paragraph_without_a_trigger_word_is_never_hit():
    """The pipeline skips a rule for a paragraph whose word set holds none of its
    trigger words: every disguise must bring one along."""
    compiled = KIND.compile({"words": WORDS})
    texts = [
        "v i a g r a",
        "via🔥gra",
        "vvviagra",
        "vaigra",
        "buy_cheap_pills",
        "casino b o n u s",
        "c a s i n o bonus",
        "I want a v i a g r a",
    ]
    for text in texts:
        paragraph = Paragraph(index=0, text=text)
        assert compiled.check_paragraph(paragraph), text
        assert not compiled.trigger_words.isdisjoint(paragraph.normalized.word_set), text


def test_a_rule_with_one_letter_off_is_asked_about_every_paragraph():
    assert KIND.compile({"words": WORDS, "one_letter_off": True}).trigger_words is None


def test_censoring_masks_a_disguised_word_but_not_its_surroundings():
    compiled = KIND.compile({"words": WORDS})

    assert censor_text("buy v.i.a.g.r.a now", [compiled]) == f"buy {MASK * 11} now"
    assert censor_text("buy v i a g r a now", [compiled]) == "buy " + " ".join(MASK * 6) + " now"


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from([*"viagrVIA1 ._-/*\n'", "🔥", "\u200b", "ﬁ", "ı", "а"]),
        max_size=60,
    )
)
def test_spans_always_point_at_non_empty_text_inside_the_paragraph(text):
    for options in ({}, {"one_letter_off": True}):
        compiled = KIND.compile({"words": ["viagra", "via gra", "ia"], **options})
        for hit in compiled.check_paragraph(Paragraph(index=0, text=text)):
            for span in hit.spans:
                assert 0 <= span.start < span.end <= len(text)
                assert text[span.start : span.end] == span.text != ""
