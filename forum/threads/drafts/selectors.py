"""Reading a member's drafts. Every query is filtered by the owner: no one else's draft
is ever read."""

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from forum.core import permissions
from forum.threads.models import Draft, Thread


def draft_key(thread: Thread | None) -> dict:
    """The fields naming a draft: of a reply in `thread`, or without one, of a new thread."""
    if thread is None:
        return {"kind": Draft.Kind.THREAD, "thread": None}
    return {"kind": Draft.Kind.REPLY, "thread": thread}


def draft_get(*, user, thread: Thread | None = None) -> Draft | None:
    """`user`'s draft of a reply in `thread`, or without one, of a new thread."""
    if not user.is_authenticated:
        return None
    return Draft.objects.select_related("category").filter(user=user, **draft_key(thread)).first()


def reply_draft_id_of(user) -> Subquery:
    """The id of `user`'s draft of a reply in the thread of the outer query (None: they
    have none), to read with the thread, so that the draft itself is asked for only when
    there is one."""
    drafts = Draft.objects.filter(user_id=user.pk, kind=Draft.Kind.REPLY, thread=OuterRef("pk"))
    return Subquery(drafts.values("pk")[:1], output_field=IntegerField())


def draft_list(*, user) -> QuerySet[Draft]:
    """`user`'s drafts, the latest saved first: replies only in threads they may still
    see (a draft does not keep a hidden thread's title in view)."""
    reachable = Q(thread__isnull=True) | permissions.visible_threads_q(user, prefix="thread__")
    return (
        Draft.objects.filter(reachable, user=user)
        .select_related("thread", "category")
        .order_by("-updated_at", "-pk")
    )
