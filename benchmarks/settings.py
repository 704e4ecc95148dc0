"""Settings for the processes the benchmark starts (gunicorn, Celery): the production
settings, plus the floor views' URLs and the benchmark app, with the API throttles raised
so that they never limit a load test. Nothing here is imported by the product."""

from forum.settings.prod import *  # noqa: F403
from forum.settings.prod import INSTALLED_APPS, REST_FRAMEWORK

SECURE_SSL_REDIRECT = False  # plain HTTP on 127.0.0.1
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "benchmarks.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]

# The pages reference static files but the benchmark never fetches them: serve them from
# the apps, as in development, so that no collectstatic run is needed first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Raised so that the throttle never refuses a load test; the throttle's one counter per
# client and window is still raised on every request, as in production.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/s", "user": "1000000/s"},
}
