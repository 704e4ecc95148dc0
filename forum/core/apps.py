import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("forum")


class CoreConfig(AppConfig):
    name = "forum.core"
    label = "core"

    def ready(self) -> None:
        if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
            raise ImproperlyConfigured(
                "SECRET_KEY is the development default while DEBUG is off; "
                "set SECRET_KEY to a long random value."
            )
        if not settings.REDIS_URL:
            logger.info("REDIS_URL is not set: Celery tasks run in-process (eager mode)")
