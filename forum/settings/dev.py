"""Local development: DEBUG on; SQLite and in-process tasks unless the environment differs."""

from forum.settings.base import *  # noqa: F403
from forum.settings.env import env_bool

DEBUG = env_bool("DEBUG", True)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
