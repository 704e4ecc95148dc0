"""Reactions on the web: a form per kind under each post gives or takes back one and
comes back to the post (or, asked by reactions.js for JSON, answers the post's counts),
and a small page lists who reacted."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from forum.core.errors import ForumError, NotFound, ValidationFailed
from forum.threads import selectors
from forum.threads import services as thread_services
from forum.threads.models import ReactionKind
from forum.web.views.pages import post_location, refused_as_asked, wants_json
from forum.web.views.reading import ListPage

REACTIONS_PER_PAGE = 50

_CHANGES = {"add": thread_services.reaction_add, "remove": thread_services.reaction_remove}


@require_POST
def post_react(request: HttpRequest, pk: int) -> HttpResponse:
    """Give (`do=add`) or take back (`do=remove`) the reaction `kind` on the post."""
    change = _CHANGES.get(request.POST.get("do", ""))
    try:
        # Looked up as the reader may see it before anything they sent is checked: a post
        # they may not read is refused as a missing one is, whatever else is wrong.
        post = selectors.post_get(user=request.user, pk=pk)
        if change is None:
            raise ValidationFailed.for_field("do", "Choose add or remove.", code="invalid_choice")
        change(user=request.user, post=post, kind=request.POST.get("kind", ""))
    except ForumError as exc:
        return refused_as_asked(request, exc)
    if wants_json(request):
        return JsonResponse(selectors.reaction_summary(user=request.user, post=post))
    return redirect(post_location(post))


@require_safe
def post_reactions(request: HttpRequest, pk: int) -> HttpResponse:
    """Who gave the post its reactions (of `?kind=`, or of every kind), the latest first."""
    try:
        post = selectors.post_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    kind = request.GET.get("kind") or None
    if kind is not None and kind not in ReactionKind.values:
        raise Http404("No such reaction.")
    page = ListPage(
        selectors.reaction_list(post=post, kind=kind),
        request.GET.get("page"),
        per_page=REACTIONS_PER_PAGE,
    )
    context = {
        "post": post,
        "kind": kind,
        "kind_label": ReactionKind(kind).label if kind else "",
        "page": page,
    }
    return render(request, "web/post_reactions.html", context)
