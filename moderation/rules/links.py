"""Link rules: domains that may not be linked, domains that alone may be, and how many
links a new member may post.

A domain on a list covers its subdomains ("spam.example" covers "www.spam.example").
Relative links (mentions, quotes of other posts) point at the forum itself: they are
never denied and never count towards a new member's limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from moderation.content import Link, Paragraph, PostContent
from moderation.rules.base import (
    MAX_SPANS_PER_HIT,
    TRUST_LEVELS,
    CheckContext,
    Hit,
    InvalidRuleParams,
    RuleKind,
    Span,
    register,
)
from moderation.rules.params import DomainList, Integer

__all__ = ("CompiledLinks", "Links", "domain_in")

MAX_DOMAINS: Final = 10_000


def domain_in(domain: str, domains: frozenset[str]) -> bool:
    """Whether `domain` is one of `domains` or a subdomain of one."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False


def _external_links(content: PostContent) -> list[tuple[Paragraph, Link]]:
    return [
        (paragraph, link)
        for paragraph in content.paragraphs
        for link in paragraph.links
        if link.domain
    ]


def _spans_of(links: Iterable[tuple[Paragraph, Link]]) -> tuple[Span, ...]:
    spans = [
        Span(paragraph.index, link.start, link.end, paragraph.text[link.start : link.end])
        for paragraph, link in links
    ]
    return tuple(spans[:MAX_SPANS_PER_HIT])


def _listed(domains: Iterable[str]) -> str:
    unique = list(dict.fromkeys(domains))
    shown = ", ".join(unique[:5])
    return shown + (f" and {len(unique) - 5} more" if len(unique) > 5 else "")


class CompiledLinks:
    """A compiled links rule (post scope)."""

    def __init__(
        self,
        *,
        max_links_new_member: int | None,
        new_member_below_trust_level: int,
        deny_domains: Iterable[str],
        allow_domains: Iterable[str],
    ) -> None:
        self._cap = max_links_new_member
        self._new_below = new_member_below_trust_level
        self._deny = frozenset(deny_domains)
        self._allow = frozenset(allow_domains)

    def check_post(self, content: PostContent, context: CheckContext) -> list[Hit]:
        """Up to three hits: links to denied domains, links off the allow list, and a
        new member's links past the cap (spans on the links beyond it)."""
        external = content.cached("links.external", lambda: _external_links(content))
        # Each domain is looked up once per rule, however many links point at it.
        domains = content.cached("links.domains", lambda: {link.domain for _, link in external})
        hits = []
        if self._deny:
            denied_domains = {domain for domain in domains if domain_in(domain, self._deny)}
            denied = [(p, link) for p, link in external if link.domain in denied_domains]
            if denied:
                hits.append(
                    Hit(
                        score=1.0,
                        spans=_spans_of(denied),
                        detail="links to denied domains: "
                        + _listed(link.domain for _, link in denied),
                    )
                )
        if self._allow:
            outside_domains = {domain for domain in domains if not domain_in(domain, self._allow)}
            outside = [(p, link) for p, link in external if link.domain in outside_domains]
            if outside:
                hits.append(
                    Hit(
                        score=1.0,
                        spans=_spans_of(outside),
                        detail="links to domains not on the allow list: "
                        + _listed(link.domain for _, link in outside),
                    )
                )
        is_new = context.author_trust_level < self._new_below
        if self._cap is not None and is_new and len(external) > self._cap:
            hits.append(
                Hit(
                    score=1.0,
                    spans=_spans_of(external[self._cap :]),
                    detail=f"{len(external)} links from a member below trust level "
                    f"{self._new_below}; the limit is {self._cap}",
                )
            )
        return hits


class Links(RuleKind):
    name = "links"
    label = "Links: domain lists and new members' limit"
    told_as = "links"
    scope = "post"
    params_schema_help = (
        "max_links_new_member: links allowed to members below new_member_below_trust_level "
        "(null: no limit); deny_domains / allow_domains: domains (subdomains included); e.g. "
        '{"max_links_new_member": 2, "new_member_below_trust_level": 1, '
        '"deny_domains": ["spam.example"], "allow_domains": []}'
    )

    parameters = (
        Integer(
            "max_links_new_member",
            "New members' link limit",
            help="How many links a new member may put in one post; empty for no limit.",
            default=None,
            minimum=0,
            maximum=1000,
            allow_none=True,
        ),
        Integer(
            "new_member_below_trust_level",
            "New member: below trust level",
            default=1,
            minimum=TRUST_LEVELS.start,
            maximum=TRUST_LEVELS.stop,
        ),
        DomainList(
            "deny_domains",
            "Denied domains",
            help="One per line; a domain covers its subdomains.",
            max_items=MAX_DOMAINS,
        ),
        DomainList(
            "allow_domains",
            "Allowed domains",
            help="One per line; when any are listed, links elsewhere are hits.",
            max_items=MAX_DOMAINS,
        ),
    )

    def check_params(self, values: dict[str, Any]) -> dict[str, Any]:
        if (
            values["max_links_new_member"] is None
            and not values["deny_domains"]
            and not values["allow_domains"]
        ):
            raise InvalidRuleParams(
                'this rule would never fire: set "max_links_new_member", "deny_domains" '
                'or "allow_domains"'
            )
        return values

    def _compile(self, params: dict[str, Any]) -> CompiledLinks:
        return CompiledLinks(**params)


register(Links())
