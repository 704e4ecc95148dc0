"""Checks of the settings that `manage.py check --deploy` runs (registered in
forum.core.apps)."""

from django.conf import settings
from django.core import checks


def proxy_count_check(app_configs, **kwargs) -> list[checks.Warning]:
    """Behind a proxy (its X-Forwarded-Proto trusted) but trusting none of its
    X-Forwarded-For, every client has the proxy's address: all visitors share one API
    rate and one log-in limit per address, which a single client can use up for all."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXY_COUNT:
        return [
            checks.Warning(
                "BEHIND_TLS_PROXY is set but TRUSTED_PROXY_COUNT is 0, so every client "
                "has the proxy's address and the throttles count them all as one.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front that "
                "append to X-Forwarded-For.",
                id="parley.W001",
            )
        ]
    return []
