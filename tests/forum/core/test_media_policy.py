"""The pages' Content-Security-Policy allows images from where uploaded images are
served: the site itself, or the origin MEDIA_URL names."""

from django.http import HttpResponse
from django.test import RequestFactory

from forum.core.middleware import SecurityHeadersMiddleware


def policy_for(path: str) -> str:
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse())
    return middleware(RequestFactory().get(path))["Content-Security-Policy"]


def img_src(policy: str) -> str:
    return next(part for part in policy.split("; ") if part.startswith("img-src"))


def test_images_served_by_the_site_need_no_other_origin(settings):
    settings.MEDIA_URL = "/media/"
    assert img_src(policy_for("/")) == "img-src 'self'"
    assert img_src(policy_for("/admin/")) == "img-src 'self' data:"


def test_images_served_from_another_origin_are_allowed_from_it_alone(settings):
    settings.MEDIA_URL = "https://cdn.example.org/parley/media/"
    assert img_src(policy_for("/")) == "img-src 'self' https://cdn.example.org"
    assert img_src(policy_for("/admin/")) == "img-src 'self' data: https://cdn.example.org"
