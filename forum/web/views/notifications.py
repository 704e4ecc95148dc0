"""Notifications: the inbox, following one, marking read, e-mail unsubscribe links, and
watching a thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from forum.notifications import selectors as notification_selectors
from forum.notifications import services as notification_services
from forum.notifications.models import WatchLevel
from forum.web import forms
from forum.web.views.pages import (
    thread_or_404,
)


@login_required
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_selectors.inbox(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    items = [
        (
            n,
            notification_selectors.describe(n),
            notification_selectors.excerpt(n, user=request.user),
        )
        for n in page.object_list
    ]
    return render(request, "web/notifications.html", {"page": page, "items": items})


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: mark it read and go to its post (or to the inbox when it
    has none, or its post can no longer be seen). Another member's notification, or
    one the inbox no longer shows, is not found."""
    notification = get_object_or_404(notification_selectors.inbox(user=request.user), pk=pk)
    notification_services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if not notification_selectors.leads_to_post(notification, user=request.user):
        return redirect("web:notifications")
    return redirect("web:post", pk=notification.post_id)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    marked = notification_services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'' if marked == 1 else 's'} read.")
    return redirect("web:notifications")


@csrf_exempt  # the signed token authenticates; mail clients POST it with no session (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    from forum.notifications import email

    member = email.user_for_unsubscribe_token(token)
    if member is None:
        return render(request, "web/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        email.email_unsubscribe(user=member)
        done = True
    return render(request, "web/unsubscribe.html", {"member": member, "done": done})


@login_required
@require_POST
def thread_watch(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    thread = thread_or_404(request, pk)
    form = forms.WatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the notification levels.")
    else:
        notification_services.watch_set(
            user=request.user, thread=thread, level=form.cleaned_data["level"]
        )
        label = WatchLevel(form.cleaned_data["level"]).label
        messages.success(request, f"Notifications for this thread: {label}.")
    return redirect(thread.get_absolute_url())
