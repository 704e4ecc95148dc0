"""Flood limits by trust level, and repeated identical posts."""

import datetime as dt

import pytest

from moderation.content import content_from_html
from moderation.rules import CheckContext, InvalidRuleParams, get_kind
from moderation.rules.flood import limit_for_level, text_hash

KIND = get_kind("flood")
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
PARAMS = {
    "per_minute": {"0": 2, "1": 4, "2": 10},
    "per_hour": {"0": 10, "1": 30, "2": 120},
    "max_identical": 1,
}
CONTENT = content_from_html("<p>Hello there, friends.</p>")


def ago(**delta):
    return NOW - dt.timedelta(**delta)


def check(*, level=0, times=(), hashes=(), params=PARAMS, content=CONTENT):
    context = CheckContext(
        now=NOW,
        author_trust_level=level,
        author_recent_post_times=tuple(times),
        author_recent_text_hashes=tuple(hashes),
    )
    return [hit.detail for hit in KIND.compile(params).check_post(content, context)]


def test_a_new_member_may_post_twice_a_minute_but_not_three_times():
    assert check(times=[ago(seconds=20)]) == []
    assert check(times=[ago(seconds=20), ago(seconds=50)]) == [
        "3 posts in the last minute; trust level 0 allows 2"
    ]


def test_higher_levels_get_higher_limits():
    times = [ago(seconds=s) for s in (5, 10, 15)]

    assert check(level=0, times=times) != []
    assert check(level=1, times=times) == []


def test_posts_older_than_the_window_do_not_count_towards_it():
    assert check(times=[ago(minutes=2), ago(minutes=3)]) == []


def test_the_hourly_limit_is_separate():
    times = [ago(minutes=5 * n + 2) for n in range(10)]

    assert check(times=times) == ["11 posts in the last hour; trust level 0 allows 10"]


def test_unlisted_levels_take_the_next_lower_listed_limit_and_levels_3_and_4_are_free():
    limits = {0: 2, 2: 10}

    assert limit_for_level(limits, 1) == 2
    assert limit_for_level(limits, 2) == 10
    assert limit_for_level(limits, 3) is None
    assert limit_for_level({0: 2, 4: 50}, 4) == 50
    assert limit_for_level({2: 10}, 0) is None
    assert check(level=4, times=[ago(seconds=1)] * 50) == []


def test_the_same_text_again_is_an_identical_post_hit():
    earlier = text_hash(content_from_html("<p>HELLO   there,\nfriends.</p>"))

    assert check(hashes=[earlier]) == [
        "the same text was posted 1 time recently; 0 repeats allowed"
    ]
    assert check(hashes=[earlier], params={**PARAMS, "max_identical": 2}) == []
    assert check(hashes=["something else"]) == []


def test_text_hash_ignores_case_spacing_and_look_alikes_but_not_words():
    one = text_hash(content_from_html("<p>Free   money</p><p>now</p>"))

    assert one == text_hash(content_from_html("<p>fr33 money</p>\n<p>NOW</p>"))
    assert one != text_hash(content_from_html("<p>free money later</p>"))
    assert len(one) == 32


def test_normalised_params_use_json_keys():
    assert KIND.validate_params({"per_minute": {0: 2, "1": None}}) == {
        "per_minute": {"0": 2, "1": None},
        "per_hour": {},
        "max_identical": 0,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "would never fire"),
        ({"per_minute": {"5": 2}}, "\"per_minute\": '5' is not a trust level (0-4)"),
        ({"per_minute": {"x": 2}}, "is not a trust level"),
        ({"per_hour": {"0": -1}}, '"per_hour.0" must be a whole number of at least 0'),
        ({"per_hour": [1, 2]}, '"per_hour" must be an object from trust level to a count'),
        ({"max_identical": "one"}, '"max_identical" must be a whole number'),
    ],
)
def test_invalid_params_are_refused_naming_the_key(params, message):
    with pytest.raises(InvalidRuleParams) as refused:
        KIND.validate_params(params)

    assert message in str(refused.value)
