from django.urls import path

from forum.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.thread_new, name="thread-new"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("t/<int:pk>/", views.thread_detail, name="thread-short"),
    path("t/<int:pk>/<slug:slug>/", views.thread_detail, name="thread"),
    # Below the thread's own URL, so that no slug can shadow them.
    path("t/<int:pk>/<slug:slug>/watch/", views.thread_watch, name="thread-watch"),
    path("t/<int:pk>/<slug:slug>/moderate/", views.thread_moderate, name="thread-moderate"),
    path("p/<int:pk>/", views.post_permalink, name="post"),
    path("p/<int:pk>/thread/", views.post_branch, name="post-branch"),
    path("p/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("p/<int:pk>/history/", views.post_history, name="post-history"),
    path("p/<int:pk>/report/", views.post_report, name="post-report"),
    path("p/<int:pk>/moderate/", views.post_moderate, name="post-moderate"),
    path("p/<int:pk>/appeal/", views.post_appeal, name="post-appeal"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # accounts
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/done/", views.signup_done, name="signup-done"),
    path(
        "accounts/signup/confirm/<str:uidb64>/<str:token>/",
        views.signup_confirm,
        name="signup-confirm",
    ),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/settings/", views.account_settings, name="settings"),
    path("accounts/settings/mutes/", views.settings_mute, name="settings-mute"),
    path("accounts/settings/tokens/", views.settings_token_create, name="settings-token-create"),
    path(
        "accounts/settings/tokens/<int:pk>/revoke/",
        views.settings_token_revoke,
        name="settings-token-revoke",
    ),
    path(
        "accounts/settings/sessions/",
        views.settings_log_out_everywhere,
        name="settings-log-out-everywhere",
    ),
    path("accounts/password/", views.password_change, name="password-change"),
    path("accounts/password/done/", views.password_change_done, name="password-change-done"),
    path("accounts/password/reset/", views.password_reset, name="password-reset"),
    path("accounts/password/reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "accounts/password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/reset/done/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
]
