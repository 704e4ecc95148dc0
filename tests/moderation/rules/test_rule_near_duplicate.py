"""Near-duplicates: a lightly edited copy of a recent post is caught, unrelated text is
not, and signatures are stable enough to store."""

import datetime as dt
import random

import pytest

from moderation.content import content_from_html
from moderation.rules import CheckContext, InvalidRuleParams, get_kind
from moderation.rules.near_duplicate import (
    content_signature,
    estimated_similarity,
    lsh_band_keys,
    minhash_signature,
)

KIND = get_kind("near_duplicate")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

ORIGINAL = (
    "Interestingly, Russian media is corroborating the report that the president has "
    "described the satellite images of foreign troops as a serious matter. The statement "
    "came after weeks of denials, and analysts note that the wording was chosen with care "
    "to avoid confirming anything while also not ruling anything out. What follows is an "
    "attempt to read the signals in order, starting with the domestic audience and then "
    "the international one, because the two were addressed very differently."
)
EDITED = (
    ORIGINAL.replace("Interestingly", "Notably")
    .replace("weeks of denials", "weeks of firm denials")
    .upper()
)
UNRELATED = (
    "My sourdough starter finally doubled overnight after I moved it next to the oven. "
    "The trick seems to be a stable temperature and feeding it twice a day with equal "
    "weights of flour and water; rye flour made it far more lively than plain white."
)


def as_content(text):
    return content_from_html(f"<p>{text}</p>")


def check(text, candidates, params=None):
    rule = KIND.compile(params or {"threshold": 0.5, "min_words": 30})
    return rule.check_post(as_content(text), CheckContext(now=NOW, similar_candidates=candidates))


def test_a_lightly_edited_copy_is_a_near_duplicate_of_the_original_post():
    candidates = ((41, minhash_signature(UNRELATED)), (42, minhash_signature(ORIGINAL)))

    (hit,) = check(EDITED, candidates)

    assert hit.score >= 0.5
    assert "near-duplicate of post 42" in hit.detail
    assert hit.spans == ()


def test_unrelated_text_is_not_a_near_duplicate():
    assert check(UNRELATED, ((42, minhash_signature(ORIGINAL)),)) == []


def test_short_posts_are_not_compared():
    assert check("too short to judge", ((42, minhash_signature("too short to judge")),)) == []


def test_estimated_similarity_tracks_jaccard_similarity():
    rng = random.Random(5)
    words = [f"w{rng.randrange(5000)}" for _ in range(2000)]
    edited = list(words)
    for position in range(0, len(edited), 25):
        edited[position] = "changed"
    shingles = {tuple(words[i : i + 5]) for i in range(len(words) - 4)}
    edited_shingles = {tuple(edited[i : i + 5]) for i in range(len(edited) - 4)}
    jaccard = len(shingles & edited_shingles) / len(shingles | edited_shingles)

    estimate = estimated_similarity(
        minhash_signature(" ".join(words)), minhash_signature(" ".join(edited))
    )

    assert abs(estimate - jaccard) < 0.2
    assert (
        estimated_similarity(minhash_signature(" ".join(words)), minhash_signature(" ".join(words)))
        == 1.0
    )


def test_signatures_are_deterministic_small_and_identical_from_text_or_content():
    signature = minhash_signature(ORIGINAL)

    assert signature == minhash_signature(ORIGINAL)
    assert len(signature) == 64
    assert all(0 <= value < 2**30 for value in signature)
    assert content_signature(as_content(ORIGINAL)) == signature
    assert minhash_signature("") == ()
    assert len(minhash_signature("three words only", num_perm=32)) == 32


def test_band_keys_are_shared_by_near_duplicates_and_fit_a_short_column():
    original, edited = (
        lsh_band_keys(minhash_signature(ORIGINAL)),
        lsh_band_keys(minhash_signature(EDITED)),
    )
    unrelated = lsh_band_keys(minhash_signature(UNRELATED))

    assert len(original) == 16
    assert all(len(key) <= 40 for key in original)
    assert set(original) & set(edited)
    assert not set(original) & set(unrelated)
    assert lsh_band_keys(()) == ()
    with pytest.raises(ValueError):
        lsh_band_keys(minhash_signature(ORIGINAL), bands=5)


def test_invalid_params_are_refused_naming_the_key():
    with pytest.raises(InvalidRuleParams, match=r'"threshold" must be a number from 0\.05 to 1\.0'):
        KIND.validate_params({"threshold": 2})
    with pytest.raises(InvalidRuleParams, match='"min_words"'):
        KIND.validate_params({"min_words": 0})
