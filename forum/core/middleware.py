"""Security headers Django 5.2 does not set by itself, caching headers for the API's
responses, and the 503 for a lost database."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

from forum.core.unavailable import is_database_unavailable, unavailable_response

# No inline scripts or styles anywhere in the forum's own pages; posts' HTML is
# sanitised and carries no style or script either. Images come from the site itself, and
# from where uploaded images are served when that is elsewhere ({media}).
STRICT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'{media}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Django's admin, Swagger UI and ReDoc ship inline scripts and styles of their own, and
# ReDoc searches in a worker it starts from a blob.
RELAXED_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:{media}; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def media_origin() -> str:
    """The origin uploaded images are served from when it is not the site's own
    (MEDIA_URL an absolute address), else ""."""
    parts = urlsplit(settings.MEDIA_URL)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


RELAXED_PREFIXES = ("/admin/", "/api/docs/", "/api/redoc/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        origin = media_origin()
        media = f" {origin}" if origin else ""
        self.strict_policy = STRICT_POLICY.format(media=media)
        self.relaxed_policy = RELAXED_POLICY.format(media=media)

    def __call__(self, request):
        response = self.get_response(request)
        relaxed = request.path.startswith(RELAXED_PREFIXES)
        policy = self.relaxed_policy if relaxed else self.strict_policy
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


API_PREFIX = "/api/"


class PrivateApiResponsesMiddleware:
    """What the API answers depends on who asks (their own account, notifications and
    tokens, their pending posts, a moderator's queue), so no shared cache may keep an
    answer for one caller and hand it to another. Every API response varies on the
    credentials (`Vary: Authorization, Cookie`); one to a caller who sent credentials is
    also `Cache-Control: private, no-cache`: their browser may keep it, revalidating
    each time. Responses to anonymous readers keep whatever the view set (the page cache
    of forum.core.pagecache sets its own headers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            patch_vary_headers(response, ("Authorization", "Cookie"))
            if _sent_credentials(request):
                patch_cache_control(response, private=True, no_cache=True)
        return response


def _sent_credentials(request) -> bool:
    # A token the API refused still makes the answer one for this caller alone; the
    # user is the one the API authenticated (DRF sets it on the request it wraps).
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class DatabaseUnavailableMiddleware:
    """Turns a view's database connection error into a 503 with Retry-After (see
    forum.core.unavailable). The API's own handler does the same for DRF views; this
    covers the web UI, the admin and anything rendered lazily after the view returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
