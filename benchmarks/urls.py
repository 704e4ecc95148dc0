from django.urls import include, path

from benchmarks import views
from forum.urls import handler400, handler500

__all__ = ["handler400", "handler500", "urlpatterns"]  # the product's error views

urlpatterns = [
    path("bench/plain/", views.plain),
    path("bench/insert/", views.one_insert),
    path("", include("forum.urls")),
]
