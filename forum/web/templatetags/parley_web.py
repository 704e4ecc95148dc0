"""Template helpers for the web UI's pages."""

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode

from forum.threads import selectors
from forum.threads.models import ReactionKind
from forum.web import slots
from forum.web.drafts import draft_owner_value
from forum.web.quoting import quote_opener as _quote_opener

register = template.Library()
# The signed field by which a form names the member its page was made for.
register.filter("draft_owner", draft_owner_value)


@register.filter
def quote_opener(post) -> str:
    """The `[quote="…"]` line attributing a quote to `post` (its author must be loaded),
    or "" when its author's name cannot be attributed."""
    return _quote_opener(username=post.author.username, post_id=post.pk)


@functools.lru_cache(maxsize=64)
def _id_url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    marker = "918273645"
    head, tail = reverse(name, args=[int(marker)]).split(marker)
    return head, tail


@register.simple_tag
def id_url(name: str, pk) -> str:
    """`{% url name pk %}` for a URL whose one argument is an object's id, without
    resolving the pattern again: a page of fifty posts names a few hundred such URLs,
    and `reverse` costs tens of microseconds each."""
    head, tail = _id_url_parts(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


@register.simple_tag(takes_context=True)
def reply_url(context, post) -> str:
    """The thread page with the reply form under `post`, staying on the page being read
    (its `after` cursor) unless this is a branch page, whose replies are answered on the
    thread page."""
    query = {}
    if context.get("after") and not context.get("branch_page"):
        query["after"] = context["after"]
    query["reply_to"] = post.pk
    # Asked for every post: a page that names its thread's URL saves working it out.
    thread_url = context.get("thread_url") or context["thread"].get_absolute_url()
    return f"{thread_url}?{urlencode(query)}"


@register.filter
def review_item_for(review_items, post_id):
    """The id of `post_id`'s pending review item among the page's, or None."""
    return (review_items or {}).get(post_id)


@register.filter
def reply_form_slot(place):
    """Where the reader's reply form may go: under post `place`, or at the "end"."""
    return slots.reply_form_slot(place)


@register.filter
def unread_slot(post_id):
    """Where the "new since your last visit" marker may go: before post `post_id`."""
    return slots.unread_slot(post_id)


@register.filter
def reaction_slot(post_id, kind: str):
    """Where the state of the reader's `kind` reaction button on post `post_id` goes."""
    return slots.reaction_slot(post_id, kind)


@register.filter
def muted_slot(author_id, end: str):
    """Where a post by `author_id` is folded, for a reader who muted them: `end` is
    "open" (before its content) or "close" (after it)."""
    return slots.muted_slot(author_id, end)


@register.filter
def reactions_of(post) -> list[tuple[str, str, int]]:
    """(kind, label, count) of every reaction kind on `post`, in the kinds' order."""
    counts = selectors.reaction_counts(post)
    return [(kind, label, counts[kind]) for kind, label in ReactionKind.choices]
