"""The folded text offers the words an evasion writes in pieces, and the keys of
stretched words, without mistaking ordinary prose for either."""

import pytest

from forum.core.lookalikes import normalize_for_matching, stretched_key


def joined(text):
    normalized = normalize_for_matching(text)
    return [
        (form.key, normalized.text[form.start : form.end], form.opens, form.closes)
        for form in normalized.joined_words
    ]


@pytest.mark.parametrize(
    ("text", "key", "written"),
    [
        ("v i a g r a", "viagra", "v i a g r a"),
        ("v.i.a.g.r.a.", "viagra", "v.i.a.g.r.a"),
        ("v_i_a_g_r_a", "viagra", "v_i_a_g_r_a"),
        ("v - i - a", "via", "v - i - a"),
        ("v 1 a", "via", "v 1 a"),  # a digit among letters reads as leetspeak
        ("via🔥gra", "viagra", "via🔥gra"),
        ("sp*m", "spm", "sp*m"),
    ],
)
def test_a_word_written_in_pieces_is_joined(text, key, written):
    assert (key, written, True, True) in joined(text)


def test_wider_gaps_inside_a_spelled_out_run_separate_its_words():
    assert [(key, written) for key, written, *_ in joined("s o  m u c h")] == [
        ("so", "s o"),
        ("somuch", "s o  m u c h"),
        ("much", "m u c h"),
    ]


def test_a_one_letter_word_at_either_end_of_a_run_is_also_left_out():
    assert joined("a b c d i") == [
        ("abcd", "a b c d", True, False),
        ("abcdi", "a b c d i", True, True),
        ("bcd", "b c d", False, False),
        ("bcdi", "b c d i", False, True),
    ]
    # A run of three keeps its letters.
    assert joined("a s s") == [("ass", "a s s", True, True)]


@pytest.mark.parametrize(
    "text",
    [
        "An ordinary sentence, with commas; and a colon: here.",
        "e.g. this",
        "it's a b",
        "x\ny\nz",
        "and/or, R&D, 50%",
        "well-known, long-term, mother-in-law",
        "user_id and is_visible",
    ],
)
def test_ordinary_prose_has_no_joined_words(text):
    assert joined(text) == []


def test_the_word_set_holds_plain_keys_pieces_joined_keys_and_stretched_keys():
    normalized = normalize_for_matching("Hello buy_cheap v i a g r a viiagra")

    assert {"heiio", "buy_cheap", "buy", "cheap", "viagra"} <= normalized.word_set
    assert stretched_key("viiagra") == stretched_key("viagra") == "~viagra"
    assert "~viagra" in normalized.word_set
    assert normalized.stretched_words["~viagra"] == ["viiagra"]
    # "viagr" is the run without its last letter, which could be the word "a"; "hello"
    # has a stretched key because l and i are one letter in a match key.
    assert normalized.variant_keys == {"viagra", "viagr", "~viagra", "~heio"}
    assert normalized.stretched_words["~heio"] == ["heiio"]


def test_stretched_keys_come_from_repeated_letters_only():
    normalized = normalize_for_matching("A plain sentence with no repeats")

    assert not any(key.startswith("~") for key in normalized.word_set)
