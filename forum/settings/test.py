"""Test runs. PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set; fallbacks otherwise."""

from forum.settings.base import *  # noqa: F403
from forum.settings.base import PARLEY
from forum.settings.env import env_bool, env_int

SECRET_KEY = "parley-test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PARLEY = {
    **PARLEY,
    "UNCHECKED_REVISION_GRACE_SECONDS": 0,
    "FAN_OUT_GRACE_SECONDS": 0,
    "EVENT_GRACE_SECONDS": 0,
}

# Unit tests run tasks in-process; the integration fixture starts a real worker and
# switches the app to the broker for its test. The worker itself is told by this flag.
CELERY_TASK_ALWAYS_EAGER = env_bool("PARLEY_CELERY_EAGER", True)
# The fault tests kill workers and give their tasks a short visibility timeout
# (CELERY_VISIBILITY_TIMEOUT); look for abandoned messages every second, not every 100.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

# Serve static files straight from the apps, as in development, with no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A live server thread must not keep its connection open past the test, or the test
# database cannot be dropped at the end of the run.
# (A benchmark's worker process, which has no such test database to drop, may keep it.)
DATABASES["default"]["CONN_MAX_AGE"] = env_int("TEST_CONN_MAX_AGE", 0)  # noqa: F405

# The integration tests' worker delivers webhooks to a receiver on 127.0.0.1.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)

# Tests make many requests quickly; the throttling test sets its own low rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
}
