from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_safe
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from forum.threads.feeds import CategoryThreadsFeed, LatestThreadsFeed, ThreadPostsFeed
from forum.threads.images.views import image_file

handler400 = "forum.core.views.bad_request"
handler500 = "forum.core.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("forum.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Feeds only read: GET and HEAD, a 405 for anything else, as the pages that only read.
    path("feeds/latest/", require_safe(LatestThreadsFeed()), name="feed-latest"),
    path("feeds/c/<slug:slug>/", require_safe(CategoryThreadsFeed()), name="feed-category"),
    path("feeds/t/<int:pk>/", require_safe(ThreadPostsFeed()), name="feed-thread"),
    path("", include("forum.web.urls")),
]

# Uploaded images, when the forum serves them itself at a MEDIA_URL of its own.
if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    urlpatterns.insert(
        0,
        path(
            f"{settings.MEDIA_URL.lstrip('/')}images/<str:shard>/<str:filename>",
            image_file,
            name="image-file",
        ),
    )
