"""The substring prefilter in front of user patterns never skips a paragraph the
pattern would have matched."""

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.core.lookalikes import normalize_for_matching
from moderation.rules.patterns import compile_user_pattern, pattern_problem, required_literals

PATTERNS = [
    r"bit\.ly/\w+", r"(?:whats ?app|telegram)\s*[:@+]", r"Casino\s+BONUS", r"x|y\d",
    r"(?:ab)+cd", r"[a]bc", r"a(?=xyz)", r"(?x) a b c", r"(?i:FREE)\s*money",
    r"\b\d{3}[-.]\d{4}\b", r"[[:alpha:]]x", r"\p{L}+ab", r"(?:ab)?c", r"colou?r",
]  # fmt: skip


def test_required_literals_come_from_the_mandatory_part():
    assert required_literals(r"bit\.ly/\w+") == {"bit.ly/"}
    assert required_literals(r"(?:whats ?app|telegram)\s*[:@+]") == {"whats", "telegram"}
    assert required_literals(r"Casino\s+BONUS") == {"casino"}
    assert required_literals(r"(?:ab)?c") == {"c"}
    assert required_literals(r"\b\d{3}[-.]\d{4}\b") is None


def test_syntax_the_standard_parser_reads_differently_gets_no_prefilter():
    assert required_literals(r"[[:alpha:]]x") is None
    assert required_literals(r"\p{L}+ab") is None


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from(PATTERNS),
    text=st.text(
        alphabet=st.sampled_from(list("abcdxyzr0123 -.:@+/ouBITLYWHATSPFREMONY")), max_size=40
    ),
)
def test_the_prefilter_only_skips_texts_the_pattern_cannot_match(source, text):
    pattern = compile_user_pattern(source, key="patterns[0]")
    folded = normalize_for_matching(text).text

    if pattern.compiled.search(folded):
        assert pattern.could_match(folded)


@pytest.mark.parametrize(
    "source", [r"foo(bar)+", r"x(?:ab|cd)?", r"\d{3}-\d{4}", r"\((a+)\)+", r"[(a+)]+"]
)
def test_ordinary_patterns_pass_the_analysis(source):
    assert pattern_problem(source) is None
    assert isinstance(compile_user_pattern(source, key="p").compiled, regex.Pattern)
