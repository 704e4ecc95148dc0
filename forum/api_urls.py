from django.urls import path, re_path

from forum.accounts import api as accounts_api
from forum.core.api import endpoint_not_found
from forum.notifications import api as notifications_api
from forum.notifications import mutes_api
from forum.threads import api as threads_api
from forum.threads import bookmarks_api, profiles_api, reactions_api
from forum.threads.drafts import api as drafts_api
from forum.threads.images import api as images_api
from forum.threads.unread import api as unread_api
from forum.webhooks import api as webhooks_api
from moderation import api as moderation_api

app_name = "api"

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("me/tokens/", accounts_api.TokenListView.as_view(), name="token-list"),
    path("me/tokens/<int:pk>/", accounts_api.TokenDetailView.as_view(), name="token-detail"),
    path("me/mutes/", mutes_api.MuteListView.as_view(), name="mute-list"),
    path("me/mutes/<str:username>/", mutes_api.MuteDetailView.as_view(), name="mute-detail"),
    path("bookmarks/", bookmarks_api.BookmarkListView.as_view(), name="bookmark-list"),
    path("users/<str:username>/", profiles_api.ProfileView.as_view(), name="profile"),
    path(
        "users/<str:username>/posts/", profiles_api.MemberPostsView.as_view(), name="member-posts"
    ),
    path("search/", threads_api.SearchView.as_view(), name="search"),
    path("categories/", threads_api.CategoryListView.as_view(), name="category-list"),
    path("threads/", threads_api.ThreadListCreateView.as_view(), name="thread-list"),
    path("threads/<int:pk>/", threads_api.ThreadDetailView.as_view(), name="thread-detail"),
    path("threads/<int:pk>/posts/", threads_api.ThreadPostsView.as_view(), name="thread-posts"),
    path("threads/<int:pk>/read/", unread_api.ThreadReadView.as_view(), name="thread-read"),
    path(
        "threads/<int:pk>/watch/", notifications_api.ThreadWatchView.as_view(), name="thread-watch"
    ),
    path(
        "threads/<int:pk>/bookmark/",
        bookmarks_api.ThreadBookmarkView.as_view(),
        name="thread-bookmark",
    ),
    path("notifications/", notifications_api.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/unread-count/",
        notifications_api.UnreadCountView.as_view(),
        name="notifications-unread",
    ),
    path(
        "notifications/read/", notifications_api.MarkReadView.as_view(), name="notifications-read"
    ),
    path("drafts/", drafts_api.DraftListView.as_view(), name="draft-list"),
    path("drafts/new-thread/", drafts_api.NewThreadDraftView.as_view(), name="draft-new-thread"),
    path(
        "drafts/thread/<int:thread_id>/",
        drafts_api.ThreadDraftView.as_view(),
        name="draft-thread",
    ),
    path("images/", images_api.ImageUploadView.as_view(), name="image-upload"),
    path("images/<int:pk>/", images_api.ImageDetailView.as_view(), name="image-detail"),
    path("posts/<int:pk>/", threads_api.PostDetailView.as_view(), name="post-detail"),
    path(
        "posts/<int:pk>/revisions/",
        threads_api.PostRevisionListView.as_view(),
        name="post-revisions",
    ),
    path(
        "posts/<int:pk>/reactions/",
        reactions_api.PostReactionListView.as_view(),
        name="post-reactions",
    ),
    path(
        "posts/<int:pk>/reactions/<str:kind>/",
        reactions_api.PostReactionView.as_view(),
        name="post-reaction",
    ),
    path(
        "posts/<int:pk>/bookmark/", bookmarks_api.PostBookmarkView.as_view(), name="post-bookmark"
    ),
    path("posts/<int:pk>/diff/", threads_api.PostDiffView.as_view(), name="post-diff"),
    path("posts/<int:pk>/reports/", moderation_api.PostReportView.as_view(), name="post-report"),
    path("posts/<int:pk>/appeal/", moderation_api.PostAppealView.as_view(), name="post-appeal"),
    path(
        "sanctions/<int:pk>/appeal/",
        moderation_api.SanctionAppealView.as_view(),
        name="sanction-appeal",
    ),
    path("moderation/queue/", moderation_api.QueueView.as_view(), name="mod-queue"),
    path("moderation/queue/<int:pk>/", moderation_api.QueueItemView.as_view(), name="mod-item"),
    path(
        "moderation/queue/<int:pk>/claim/",
        moderation_api.QueueClaimView.as_view(),
        name="mod-item-claim",
    ),
    path(
        "moderation/queue/<int:pk>/decide/",
        moderation_api.QueueDecideView.as_view(),
        name="mod-item-decide",
    ),
    path("moderation/actions/", moderation_api.ActionView.as_view(), name="mod-actions"),
    path("moderation/reports/", moderation_api.ReportListView.as_view(), name="mod-reports"),
    path("moderation/sanctions/", moderation_api.SanctionListView.as_view(), name="mod-sanctions"),
    path(
        "moderation/sanctions/<int:pk>/lift/",
        moderation_api.SanctionLiftView.as_view(),
        name="mod-sanction-lift",
    ),
    path("moderation/log/", moderation_api.LogView.as_view(), name="mod-log"),
    path("webhooks/", webhooks_api.WebhookListCreateView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhooks_api.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/",
        webhooks_api.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path("webhooks/<int:pk>/ping/", webhooks_api.WebhookPingView.as_view(), name="webhook-ping"),
    # Last: any other path under /api/v1/ is a 404 in the API's error body, not an HTML
    # page (only paths ending in a slash, so a missing slash still redirects).
    re_path(r"^[\s\S]*/$", endpoint_not_found, name="not-found"),
]
