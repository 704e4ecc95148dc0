"""Settings shared by every environment. Everything that varies comes from the environment."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from forum.settings.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PARLEY_VAR_DIR", str(BASE_DIR / "var")))

# Refused at start-up when DEBUG is off (forum.core.apps), so it can never reach production.
DEVELOPMENT_SECRET_KEY = "django-insecure-parley-development-key-do-not-use-in-production"  # noqa: S105 (refused unless DEBUG)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# How many proxies in front of the application append the address they were reached from
# to X-Forwarded-For. The client's address is the one the outermost of them saw
# (forum/core/client_address.py); with none, the header is the client's own word and is
# ignored, so that nobody can pick the address the throttles count them under.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

INSTALLED_APPS = [
    "forum.core.apps.ParleyAdminConfig",  # django.contrib.admin, with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "forum.core",
    "forum.accounts",
    "forum.threads",
    "forum.notifications",
    "forum.webhooks",
    "forum.web",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "forum.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that authenticates: signing in asks about sanctions too.
    "forum.core.requestmemo.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forum.core.middleware.PrivateApiResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so its process_exception runs first: a lost database is a 503, not a 500.
    "forum.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "forum.urls"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
WSGI_APPLICATION = "forum.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["forum.accounts.backends.SanctionAwareBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
# A form refused for a stale CSRF token keeps what was typed (see the view).
CSRF_FAILURE_VIEW = "forum.web.views.writing.csrf_failure"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own overrides of other apps' templates (the admin's header),
        # which an app's templates could not take: django.contrib.admin comes first.
        "DIRS": [BASE_DIR / "forum" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forum.notifications.context_processors.unread_notifications",
                "forum.web.context_processors.standing",
                "forum.web.context_processors.open_work",
            ],
        },
    },
]


def _database_from_env() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        return dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "parley.sqlite3",
        "OPTIONS": {
            # WAL lets readers run while a writer commits; IMMEDIATE takes the write lock
            # at BEGIN so two writers queue instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database_from_env()}

# What stands between the application and PostgreSQL: nothing, or a pooler in session
# mode (each client keeps one server connection while it stays), or a pooler in
# transaction mode (PgBouncer's `pool_mode = transaction`), which hands each transaction
# whichever server connection is free. Then nothing may outlive a transaction on the
# server: no server-side cursors (Django declares them WITH HOLD outside a transaction,
# for QuerySet.iterator()), and no prepared statements unless the pooler keeps track of
# them (PgBouncer 1.21 or later, with `max_prepared_statements`; Debian 12 ships 1.18).
DATABASE_POOLER = env_choice("DATABASE_POOLER", ("none", "session", "transaction"))
DATABASE_PREPARED_STATEMENTS = env_bool(
    "DATABASE_PREPARED_STATEMENTS", DATABASE_POOLER != "transaction"
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLER == "transaction"
    # psycopg prepares a statement the first time it runs on a cursor that has the server
    # bind its parameters: only the moderation check's read (moderation/check_queries.py),
    # since Django's own cursors bind them in the client. None turns preparing off.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if DATABASE_PREPARED_STATEMENTS else None
    )
# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DATABASE_UNAVAILABLE_RETRY_AFTER = env_int("DATABASE_UNAVAILABLE_RETRY_AFTER", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "forum.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "parley",
            # Fail fast when Redis is away, rather than hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written to both it and the database: a signed-in
# request reads its session from Redis rather than with a query, and a session outlives
# a cache that loses it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Pages cached for anonymous readers (forum/core/pagecache.py) are keyed by this too, so a
# deploy that changes templates can start afresh by naming its release.
PAGE_CACHE_RELEASE = env_str("PARLEY_RELEASE")
# Bytes of cached pages each process also keeps in its own memory, checked against the
# shared cache's token on every read (0 turns the in-process copy off).
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_BYTES", 32 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded images, stored through the "default" storage above. MEDIA_URL is where that
# storage's URLs begin: a path served by the forum itself (SERVE_MEDIA), or the address
# of a web server or object store in front of it, whose origin the pages' CSP then allows.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Parley <noreply@localhost>")
# The public address of the site, for links in e-mail.
PARLEY_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery. Without a broker the tasks run in-process, which is for a first run only.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# A web request that enqueues while the broker is away must give up quickly: the work is
# in the database already, and the sweep re-enqueues it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection before and after every task
# unless this is set, so each task paid for a new PostgreSQL connection (20-40 ms here,
# more than a whole check). Tasks keep theirs the way requests do: Django's
# DB_CONN_MAX_AGE and health checks decide when it goes (forum/celery.py), and the
# fix-up still closes it after this many tasks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
# A task whose worker died unacknowledged (SIGKILL, lost host) goes back to the queue this
# many seconds after it was taken. It must exceed the longest task's run, or a slow task
# would run twice at once (harmless, as tasks are idempotent, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
}
CELERY_BEAT_SCHEDULE = {
    "moderation-sweep-unchecked-revisions": {
        "task": "moderation.sweep_unchecked_revisions",
        "schedule": 60.0,
    },
    "moderation-send-queue-digests": {
        "task": "moderation.send_queue_digests",
        "schedule": float(env_int("QUEUE_DIGEST_SECONDS", 3600)),
    },
    "moderation-expire-sanctions": {
        "task": "moderation.expire_sanctions",
        "schedule": 300.0,
    },
    "notifications-mail-immediately": {
        "task": "notifications.send_digests",
        "schedule": 60.0,
        "args": ["immediately"],
    },
    "notifications-mail-daily": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "args": ["daily"],
    },
    "notifications-mail-weekly": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "args": ["weekly"],
    },
    "threads-sweep-due-fan-outs": {
        "task": "threads.sweep_due_fan_outs",
        "schedule": 60.0,
    },
    "core-dispatch-overdue-events": {
        "task": "core.dispatch_overdue_events",
        "schedule": 60.0,
    },
    "webhooks-sweep-due-deliveries": {
        "task": "webhooks.sweep_due_deliveries",
        "schedule": 60.0,
    },
    "accounts-refresh-trust-levels": {
        "task": "accounts.refresh_trust_levels",
        "schedule": 3600.0,
    },
    "accounts-purge-unconfirmed-signups": {
        "task": "accounts.purge_unconfirmed_signups",
        "schedule": crontab(hour=4, minute=30),
    },
}

# Request bodies past this are refused with a 413, by Django's form parsing and by the
# API's JSON parser alike. A body at BODY_MAX_LENGTH characters of \u-escaped JSON fits.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 4 * 1024 * 1024)

# Files in a request are counted as they arrive, and one past the largest image a member
# may upload is dropped before Django spools any more of it to disk.
FILE_UPLOAD_HANDLERS = [
    "forum.core.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "forum.core.schema.ForumAutoSchema",
    # The API speaks JSON only; forms are for the web UI.
    "DEFAULT_PARSER_CLASSES": ["forum.core.api.LimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "forum.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per client IP for anonymous callers, per member otherwise; a 429 carries Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "forum.core.throttling.RequestRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
    # DRF's own reading of X-Forwarded-For, for any of its throttles, agrees with ours.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "forum.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    # The guide that opens the documentation; each operation's own text is in
    # forum/api_docs.py, applied by the last post-processing hook.
    "DESCRIPTION": (BASE_DIR / "forum" / "api_guide.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components, so that read-only fields are not asked
    # for and clients generated from the schema get exact input types.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "forum.core.schema.request_bodies_are_closed",
        "forum.api_docs.document_operations",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PostStateEnum": "forum.threads.models.PostState",
        "ReactionKindEnum": "forum.threads.models.ReactionKind",
        "ReviewStateEnum": "moderation.models.ReviewItem.State",
    },
    # Swagger UI's files are served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Forum rules that operators tune.
PARLEY = {
    # Trust level n is reached with at least these many visible posts and days since joining,
    # and no sanction in the last RECENT_SANCTION_DAYS days.
    "TRUST_LEVEL_THRESHOLDS": {
        1: {"posts": env_int("TRUST_1_POSTS", 3), "days": env_int("TRUST_1_DAYS", 1)},
        2: {"posts": env_int("TRUST_2_POSTS", 20), "days": env_int("TRUST_2_DAYS", 15)},
        3: {"posts": env_int("TRUST_3_POSTS", 100), "days": env_int("TRUST_3_DAYS", 60)},
        4: {"posts": env_int("TRUST_4_POSTS", 500), "days": env_int("TRUST_4_DAYS", 180)},
    },
    "RECENT_SANCTION_DAYS": env_int("TRUST_RECENT_SANCTION_DAYS", 30),
    # Open reports from this many distinct members (trust level 1 or above) hide a post
    # until a moderator decides.
    "REPORT_HIDE_THRESHOLD": env_int("REPORT_HIDE_THRESHOLD", 3),
    # A flag whose score reaches this hides the post pending review instead of queueing it.
    "FLAG_HIDE_SCORE": 0.9,
    "TITLE_MAX_LENGTH": 200,
    "BODY_MAX_LENGTH": env_int("POST_BODY_MAX_LENGTH", 250_000),
    # Revisions left unchecked longer than this are re-enqueued by the sweep.
    "UNCHECKED_REVISION_GRACE_SECONDS": env_int("UNCHECKED_REVISION_GRACE_SECONDS", 120),
    # A visible post whose fan-out is not done this long after it was asked for is sent
    # again by the sweep (and then at most once per such period). Longer than the
    # fan-out task's own time limit, so a slow fan-out is not sent twice at once.
    "FAN_OUT_GRACE_SECONDS": env_int("FAN_OUT_GRACE_SECONDS", 300),
    # A stored domain event (forum.core.events) still not told after this is told again
    # by the sweep: its process was lost after the commit, or a subscriber failed.
    "EVENT_GRACE_SECONDS": env_int("EVENT_GRACE_SECONDS", 60),
    # A check task checks its own revision and up to this many in all of those waiting,
    # in one transaction that shares its queries among them.
    "CHECK_BATCH_SIZE": env_int("MODERATION_CHECK_BATCH_SIZE", 100),
    # Sign-ups not confirmed after this many days (or the confirmation link's lifetime,
    # PASSWORD_RESET_TIMEOUT, if longer) are deleted, freeing their names and addresses.
    "UNCONFIRMED_SIGNUP_DAYS": env_int("UNCONFIRMED_SIGNUP_DAYS", 7),
    # How often a moderator's page asks for the count of open work in the queue, while
    # it is the visible tab.
    "QUEUE_POLL_SECONDS": env_int("QUEUE_POLL_SECONDS", 20),
    # How often a member's open thread page asks whether new replies came (while the
    # tab is visible): mostly a 304, see forum.web.views.unread.thread_updates.
    "LIVE_UPDATE_SECONDS": env_int("LIVE_UPDATE_SECONDS", 10, minimum=1),
    # Images in posts: the largest upload, the most pixels it may decode to (a small file
    # can unpack to gigabytes), how many one post may show, who may upload them and how
    # many a member may upload an hour.
    "IMAGE_MAX_BYTES": env_int("IMAGE_MAX_BYTES", 5 * 1024 * 1024, minimum=1),
    "IMAGE_MAX_PIXELS": env_int("IMAGE_MAX_PIXELS", 40_000_000, minimum=1),
    "IMAGES_PER_POST": env_int("IMAGES_PER_POST", 20, minimum=0),
    "IMAGE_UPLOAD_TRUST_LEVEL": env_int("IMAGE_UPLOAD_TRUST_LEVEL", 1, minimum=0),
    "IMAGE_UPLOADS_PER_HOUR": env_int("IMAGE_UPLOADS_PER_HOUR", 60, minimum=1),
}
FILE_UPLOAD_LIMIT = PARLEY["IMAGE_MAX_BYTES"]

# Webhooks never reach private, loopback or link-local addresses (SSRF); only a
# developer's machine may allow them, to try a receiver on localhost.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
# A webhook whose attempts fail this many times in a row is disabled.
WEBHOOKS_DISABLE_AFTER_FAILURES = env_int("WEBHOOKS_DISABLE_AFTER_FAILURES", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "forum": {"level": env_str("LOG_LEVEL", "INFO"), "propagate": True},
        "moderation": {"level": env_str("LOG_LEVEL", "INFO"), "propagate": True},
    },
}
