"""Parley: the Django project package and the participation apps."""

from forum.celery import app as celery_app

__all__ = ("celery_app",)
