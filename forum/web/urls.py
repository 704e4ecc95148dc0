from django.urls import path

from forum.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("t/<int:pk>/", views.thread_detail, name="thread-short"),
    path("t/<int:pk>/<slug:slug>/", views.thread_detail, name="thread"),
    path("p/<int:pk>/", views.post_permalink, name="post"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
