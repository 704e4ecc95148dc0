"""Censoring masks matched words in text nodes and leaves every tag as it was."""

from moderation.rules import censor_html, get_kind

WATCH = get_kind("watched_words").compile(
    {"words": ["spam", "free money"], "patterns": [r"bit\.ly/\w+"]}
)


def test_only_the_matched_words_are_masked():
    html = '<p>No <strong>spam</strong> here, "fr33 money" &amp; <a href="https://spam.example/">spam</a>.</p>'

    assert censor_html(html, [WATCH]) == (
        '<p>No <strong>████</strong> here, "████ █████" &amp; '
        '<a href="https://spam.example/">████</a>.</p>'
    )


def test_attributes_and_markup_are_never_touched():
    html = (
        '<h2 id="h-spam">Title</h2>\n<p><a href="https://x.example/spam" title="spam">link</a></p>'
    )

    assert censor_html(html, [WATCH]) == html


def test_a_word_split_by_inline_markup_is_still_masked_character_by_character():
    assert censor_html("<p>sp<em>am</em> and bit.ly/xyz</p>", [WATCH]) == (
        "<p>██<em>██</em> and ██████████</p>"
    )


def test_words_in_different_blocks_do_not_join_up():
    assert censor_html("<p>free</p><p>money</p>", [WATCH]) == "<p>free</p><p>money</p>"


def test_rules_that_cannot_censor_are_ignored():
    links = get_kind("links").compile({"deny_domains": ["spam.example"]})
    html = "<p>spam</p>"

    assert censor_html(html, [links]) == html
    assert censor_html(html, [links, WATCH]) == "<p>████</p>"
