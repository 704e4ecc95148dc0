"""Searching: the results page behind the header's search box. The search itself and
what a reader may find are forum.threads.search's; pages follow the API's cursors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from rest_framework.request import Request

from forum.core.errors import ForumError
from forum.core.pagination import encode_cursor
from forum.notifications import selectors as notification_selectors
from forum.threads import search, selectors
from forum.web import forms
from forum.web.views.pages import refused


@require_safe
def search_results(request: HttpRequest) -> HttpResponse:
    """`/search/?q=…` with the filters of forms.SearchForm: the best matches the reader
    may read, a page at a time, each linking to its post. Without words, the form alone."""
    form = forms.SearchForm(
        request.GET if "q" in request.GET else None, categories=selectors.category_list()
    )
    context = {"form": form, "hits": None}
    if not form.is_bound:
        return render(request, "web/search.html", context)
    if not form.is_valid():
        return render(request, "web/search.html", context, status=400)
    text, filters = form.cleaned_data["q"], form.filters()
    ranking = filters.ranking(text)
    # Cursors are read and written as the API does, through a DRF request.
    cursors = Request(request)
    try:
        offset = search.search_offset(cursors, ranking)
    except ForumError as exc:
        return refused(request, exc)
    hits, more = search.search_posts(
        user=request.user, text=text, filters=filters, offset=offset, limit=search.PAGE_SIZE
    )

    def link(start: int) -> str:
        query = request.GET.copy()
        query["cursor"] = encode_cursor(cursors, ranking, start, 0)
        return f"?{query.urlencode()}"

    context.update(
        hits=hits,
        # Hits by members the reader muted are folded, as their posts are on a thread.
        muted_ids=notification_selectors.muted_among(
            user=request.user, author_ids={hit["author"].pk for hit in hits}
        ),
        next_url=link(offset + search.PAGE_SIZE) if more else "",
        previous_url=link(max(offset - search.PAGE_SIZE, 0)) if offset else "",
    )
    return render(request, "web/search.html", context)
