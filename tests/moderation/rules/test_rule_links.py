"""Link rules: denied domains and their subdomains, allow lists, and new members' caps."""

import datetime as dt

import pytest

from moderation.content import content_from_html
from moderation.rules import CheckContext, InvalidRuleParams, get_kind

KIND = get_kind("links")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

HTML = (
    '<p>Read <a href="https://www.Spam.Example/x">this deal</a> and '
    '<a href="https://docs.example.org/a">the docs</a>.</p>'
    '<ul><li><a href="/u/alice/">@alice</a> sent <a href="mailto:x@spam.example">mail</a></li>'
    '<li><a href="https://news.example.com/">news</a></li></ul>'
)


def run(params, *, trust_level=2, html=HTML):
    content = content_from_html(html)
    hits = KIND.compile(params).check_post(
        content, CheckContext(now=NOW, author_trust_level=trust_level)
    )
    return content, hits


def assert_spans_are_the_link_texts(content, hit):
    for span in hit.spans:
        assert content.paragraphs[span.paragraph].text[span.start : span.end] == span.text


def test_denied_domains_and_their_subdomains_hit_with_the_link_text_as_evidence():
    content, hits = run({"deny_domains": ["spam.example"]})

    (hit,) = hits
    assert [span.text for span in hit.spans] == ["this deal", "mail"]
    assert hit.detail == "links to denied domains: www.spam.example, spam.example"
    assert_spans_are_the_link_texts(content, hit)


def test_a_domain_that_only_ends_with_the_same_letters_is_not_a_subdomain():
    _, hits = run(
        {"deny_domains": ["example.com"]}, html='<p><a href="https://notexample.com/">x</a></p>'
    )

    assert hits == []


def test_an_allow_list_hits_every_other_external_link_but_never_relative_ones():
    content, hits = run({"allow_domains": ["example.org", "example.com"]})

    (hit,) = hits
    assert [span.text for span in hit.spans] == ["this deal", "mail"]
    assert "not on the allow list" in hit.detail
    assert_spans_are_the_link_texts(content, hit)


def test_new_members_over_the_cap_get_one_hit_on_the_links_past_it():
    params = {"max_links_new_member": 2, "new_member_below_trust_level": 1}
    content, hits = run(params, trust_level=0)

    (hit,) = hits
    assert [span.text for span in hit.spans] == ["mail", "news"]
    assert hit.detail == "4 links from a member below trust level 1; the limit is 2"
    assert_spans_are_the_link_texts(content, hit)


def test_members_at_the_trust_level_are_not_capped():
    _, hits = run({"max_links_new_member": 2, "new_member_below_trust_level": 1}, trust_level=1)

    assert hits == []


def test_domain_lists_are_normalised():
    params = KIND.validate_params(
        {
            "deny_domains": [
                "https://WWW.Spam.Example/path",
                "*.evil.example",
                "xn--bcher-kva.example",
            ]
        }
    )

    assert params["deny_domains"] == ["www.spam.example", "evil.example", "bücher.example"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "would never fire"),
        (
            {"deny_domains": ["not a domain!"]},
            "\"deny_domains[0]\" ('not a domain!') is not a domain",
        ),
        ({"deny_domains": "spam.example"}, '"deny_domains" must be a list of strings'),
        ({"max_links_new_member": -1}, '"max_links_new_member" must be a whole number from 0'),
        (
            {"max_links_new_member": 2, "new_member_below_trust_level": 9},
            '"new_member_below_trust_level"',
        ),
        ({"max_links_new_member": True}, '"max_links_new_member"'),
    ],
)
def test_invalid_params_are_refused_naming_the_key(params, message):
    with pytest.raises(InvalidRuleParams) as refused:
        KIND.validate_params(params)

    assert message in str(refused.value)
