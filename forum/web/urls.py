from django.urls import path

from forum.web.views import (
    accounts,
    moderation,
    notifications,
    reactions,
    reading,
    searching,
    writing,
)

app_name = "web"

urlpatterns = [
    path("", reading.home, name="home"),
    path("new/", writing.thread_new, name="thread-new"),
    path("drafts/discard/", writing.draft_discard, name="draft-discard"),
    path("search/", searching.search_results, name="search"),
    path("c/<slug:slug>/", reading.category_detail, name="category"),
    path("t/<int:pk>/", reading.thread_detail, name="thread-short"),
    path("t/<int:pk>/<slug:slug>/", reading.thread_detail, name="thread"),
    # Below the thread's own URL, so that no slug can shadow them.
    path("t/<int:pk>/<slug:slug>/watch/", notifications.thread_watch, name="thread-watch"),
    path("t/<int:pk>/<slug:slug>/moderate/", moderation.thread_moderate, name="thread-moderate"),
    path("p/<int:pk>/", reading.post_permalink, name="post"),
    path("p/<int:pk>/thread/", reading.post_branch, name="post-branch"),
    path("p/<int:pk>/edit/", writing.post_edit, name="post-edit"),
    path("p/<int:pk>/delete/", writing.post_delete, name="post-delete"),
    path("p/<int:pk>/history/", reading.post_history, name="post-history"),
    path("p/<int:pk>/react/", reactions.post_react, name="post-react"),
    path("p/<int:pk>/reactions/", reactions.post_reactions, name="post-reactions"),
    path("p/<int:pk>/report/", moderation.post_report, name="post-report"),
    path("p/<int:pk>/moderate/", moderation.post_moderate, name="post-moderate"),
    path("p/<int:pk>/appeal/", moderation.post_appeal, name="post-appeal"),
    path("standing/appeal/<str:token>/", moderation.sanction_appeal, name="sanction-appeal"),
    path("moderation/open-work/", moderation.open_work, name="open-work"),
    path("u/<str:username>/", reading.profile, name="profile"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification-open"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    # accounts
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/done/", accounts.signup_done, name="signup-done"),
    path(
        "accounts/signup/confirm/<str:uidb64>/<str:token>/",
        accounts.signup_confirm,
        name="signup-confirm",
    ),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.logout, name="logout"),
    path("accounts/settings/", accounts.account_settings, name="settings"),
    path("accounts/settings/mutes/", accounts.settings_mute, name="settings-mute"),
    path(
        "accounts/settings/queue-digest/",
        moderation.settings_queue_digest,
        name="settings-queue-digest",
    ),
    path("accounts/settings/tokens/", accounts.settings_token_create, name="settings-token-create"),
    path(
        "accounts/settings/tokens/<int:pk>/revoke/",
        accounts.settings_token_revoke,
        name="settings-token-revoke",
    ),
    path(
        "accounts/settings/sessions/",
        accounts.settings_log_out_everywhere,
        name="settings-log-out-everywhere",
    ),
    path("accounts/password/", accounts.password_change, name="password-change"),
    path("accounts/password/done/", accounts.password_change_done, name="password-change-done"),
    path("accounts/password/reset/", accounts.password_reset, name="password-reset"),
    path("accounts/password/reset/sent/", accounts.password_reset_done, name="password-reset-done"),
    path(
        "accounts/password/reset/<str:uidb64>/<str:token>/",
        accounts.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/reset/done/",
        accounts.password_reset_complete,
        name="password-reset-complete",
    ),
]
