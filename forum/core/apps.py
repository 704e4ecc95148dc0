import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from forum.core.deploy_checks import proxy_count_check

logger = logging.getLogger("forum")


class CoreConfig(AppConfig):
    name = "forum.core"
    label = "core"

    def ready(self) -> None:
        checks.register(proxy_count_check, checks.Tags.security, deploy=True)
        if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
            raise ImproperlyConfigured(
                "SECRET_KEY is the development default while DEBUG is off; "
                "set SECRET_KEY to a long random value."
            )
        if not settings.REDIS_URL:
            logger.info("REDIS_URL is not set: Celery tasks run in-process (eager mode)")


class ParleyAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Parley's site. Here rather than beside the site, which
    needs the auth forms, and so the models, before the app registry is ready; not the
    default for forum.core, which is CoreConfig."""

    default = False
    default_site = "forum.core.admin.ParleySite"
