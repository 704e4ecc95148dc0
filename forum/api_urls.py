from django.urls import path

from forum.threads import api as threads_api

app_name = "api"

urlpatterns = [
    path("categories/", threads_api.CategoryListView.as_view(), name="category-list"),
    path("threads/", threads_api.ThreadListCreateView.as_view(), name="thread-list"),
    path("threads/<int:pk>/", threads_api.ThreadDetailView.as_view(), name="thread-detail"),
    path("threads/<int:pk>/posts/", threads_api.ThreadPostsView.as_view(), name="thread-posts"),
]
