from django.urls import include, path

from benchmarks import views

urlpatterns = [
    path("bench/plain/", views.plain),
    path("bench/insert/", views.one_insert),
    path("", include("forum.urls")),
]
