"""Folding defeats look-alike spellings, and every folded range maps back to exactly the
characters the author wrote."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.core.lookalikes import fold_term, match_key, normalize_for_matching


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("fr33", "free"),
        ("ｆｒｅｅ", "free"),
        ("frее", "free"),  # Cyrillic e
        ("f\u200bree", "free"),
        ("f\u00adr\u2060e\ufeffe", "free"),
        ("Frée", "free"),
        ("FRE\u0301E", "free"),  # a combining accent
        ("𝐟𝐫𝐞𝐞", "free"),
        ("h4ck3r", "hacker"),
        ("sp@m", "spam"),
        ("$pam", "spam"),
        ("v1agra", "viagra"),
        ("v!agra", "viagra"),
        ("ΗΑCK", "hack"),  # Greek capitals
        ("рауpаl", "paypal"),  # Cyrillic p, a, y
        ("ﬁne", "fine"),
        ("straße", "strasse"),
        ("it’s — ok", "it's - ok"),
    ],
)
def test_look_alike_spellings_fold_to_the_plain_word(written, folded):
    assert normalize_for_matching(written).text == folded


@pytest.mark.parametrize("kept", ["2024", "100%", "spam!", "@alice", "$100", "wow!!", "a | b"])
def test_numbers_and_punctuation_outside_words_are_kept(kept):
    assert normalize_for_matching(kept).text == kept.lower()


def test_one_and_pipe_may_stand_for_l_through_match_keys():
    assert match_key(fold_term("ki11")) == match_key(fold_term("kill"))
    assert match_key(fold_term("he||o")) == match_key(fold_term("hello"))
    assert normalize_for_matching("hello").text == "hello"


def test_words_are_match_keys_in_order():
    assert normalize_for_matching("Hello, W0rld! l33t_speak").words == (
        "heiio",
        "worid",
        "ieet_speak",
    )


def test_spans_map_back_across_dropped_and_expanded_characters():
    original = "x ﬁ\u200bne ß y"
    normalized = normalize_for_matching(original)
    start = normalized.text.index("fine")

    begin, end = normalized.original_span(start, start + 4)
    assert original[begin:end] == "ﬁ\u200bne"
    begin, end = normalized.original_span(
        normalized.text.index("ss"), normalized.text.index("ss") + 1
    )
    assert original[begin:end] == "ß"


def test_out_of_range_spans_are_refused():
    with pytest.raises(ValueError):
        normalize_for_matching("abc").original_span(2, 9)


@settings(deadline=None)
@given(st.text(max_size=60))
def test_every_folded_range_maps_inside_the_original(text):
    normalized = normalize_for_matching(text)
    length = len(normalized.text)
    for start in range(length):
        for end in range(start + 1, min(length, start + 4) + 1):
            begin, finish = normalized.original_span(start, end)
            assert 0 <= begin < finish <= len(text)


@settings(deadline=None)
@given(st.lists(st.text(max_size=30), max_size=5))
def test_folding_paragraphs_apart_or_together_gives_the_same_words(paragraphs):
    together = normalize_for_matching("\n\n".join(paragraphs)).words
    apart = tuple(word for text in paragraphs for word in normalize_for_matching(text).words)

    assert together == apart
