"""Trying a rule against stored posts before it is switched on: nothing is written."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from forum.core import permissions
from forum.core.errors import ValidationFailed
from forum.threads.models import Post
from moderation import services, tryouts
from moderation.content import content_from_html
from moderation.models import Rule
from moderation.pipeline import build_context, compile_rule, run_rules
from moderation.rules.near_duplicate import content_signature


@dataclass(frozen=True)
class BacktestHit:
    post_id: int
    thread_title: str
    author: str
    score: float
    detail: str
    evidence: tuple[str, ...]
    # Where the evidence is: (paragraph, text before, the match, text after) per span.
    marks: tuple[tuple[int, str, str, str], ...] = ()


@dataclass
class BacktestResult:
    posts_checked: int = 0
    posts_hit: int = 0
    hits: int = 0
    examples: list[BacktestHit] = field(default_factory=list)

    def top(self, count: int) -> list[BacktestHit]:
        return sorted(self.examples, key=lambda hit: -hit.score)[:count]


@dataclass(frozen=True)
class RuleTryout:
    """What a draft rule would have caught, and the token that lets the moderator who
    tried it enable exactly these parameters (see `moderation.tryouts`)."""

    kind: str
    params: dict
    result: BacktestResult
    token: str


DEFAULT_TRYOUT_POSTS = 200
MAX_TRYOUT_POSTS = 5000


def rule_try(
    *,
    actor,
    kind: str,
    params: object,
    action: str = Rule.Action.FLAG,
    categories=(),
    posts: int = DEFAULT_TRYOUT_POSTS,
) -> RuleTryout:
    """Run a draft rule in dry-run over the `posts` most recent posts (of `categories`,
    when given) as `actor`, who must be allowed to manage rules. Nothing is written."""
    permissions.check_can_manage_rules(actor)
    params = services.rule_params_validate(kind=kind, params=params)
    if not 1 <= posts <= MAX_TRYOUT_POSTS:
        raise ValidationFailed.for_field(
            "posts", f"Try a rule on 1 to {MAX_TRYOUT_POSTS} posts.", code="invalid"
        )
    draft = Rule(pk=None, name="", kind=kind, params=params, action=action)
    result = rule_backtest(
        draft, recent_posts(posts, category_ids=[category.pk for category in categories])
    )
    token = tryouts.tryout_token(actor=actor, kind=kind, params=params)
    return RuleTryout(kind=kind, params=params, result=result, token=token)


def recent_posts(limit: int, *, category_ids=None) -> Iterator[Post]:
    """The most recent posts (in `category_ids`, when given, as a rule limited to those
    categories would see them), newest first, with the current revision's HTML, before
    any censoring."""
    posts = Post.objects.select_related("author", "thread__category", "current_revision")
    if category_ids:
        posts = posts.filter(thread__category_id__in=category_ids)
    return posts.order_by("-created_at")[:limit].iterator(chunk_size=200)


def rule_backtest(
    rule: Rule, posts, *, progress: Callable[[int], None] | None = None
) -> BacktestResult:
    """Run `rule` (enabled or not, saved or not) over `posts` in dry-run."""
    active = compile_rule(rule)
    result = BacktestResult()
    now = timezone.now()
    for index, post in enumerate(posts, start=1):
        html = post.current_revision.body_html if post.current_revision else post.body_html
        content = content_from_html(html)
        context = None
        if active.scope == "post":
            context = build_context(
                author=post.author,
                category=post.thread.category,
                exclude_post_id=post.pk,
                now=now,
                signature=content_signature(content) if rule.kind == "near_duplicate" else (),
                kinds=frozenset({rule.kind}),
            )
        findings, _, _ = run_rules([active], content, context)
        result.posts_checked += 1
        if findings:
            result.posts_hit += 1
            result.hits += len(findings)
            best = max(findings, key=lambda f: f.hit.score)
            result.examples.append(
                BacktestHit(
                    post_id=post.pk,
                    thread_title=post.thread.title,
                    author=post.author.username,
                    score=best.hit.score,
                    detail=best.hit.detail,
                    evidence=tuple(span.text for span in best.hit.spans[:5]),
                    marks=tuple(_mark(content, span) for span in best.hit.spans[:5]),
                )
            )
        if progress is not None:
            progress(index)
    return result


def _mark(content, span, around: int = 80) -> tuple[int, str, str, str]:
    """`span` in its paragraph, with up to `around` characters either side."""
    paragraphs = content.paragraphs
    text = paragraphs[span.paragraph].text if 0 <= span.paragraph < len(paragraphs) else ""
    return (
        span.paragraph,
        text[max(0, span.start - around) : span.start],
        text[span.start : span.end] or span.text,
        text[span.end : span.end + around],
    )
