"""Redis stops while members keep posting: every post is stored with its state, nothing
answers 5xx, and once Redis is back the sweep finishes the checks it missed."""

import shutil
import socket
import subprocess
import time

import pytest
from rest_framework.test import APIClient

from forum.celery import app
from forum.threads.models import Post, PostRevision
from moderation.tasks import sweep_unchecked_revisions

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def own_redis(settings):
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    process = _start_redis(port)
    settings.CACHES = {
        "default": {
            "BACKEND": "forum.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    previous = app.conf.broker_url
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    state = {"process": process, "port": port}
    yield state
    app.conf.task_always_eager = True
    app.conf.broker_url = previous
    state["process"].terminate()
    state["process"].wait(timeout=10)


def test_posting_through_a_redis_outage(own_redis, member, category):
    api = APIClient()
    api.force_authenticate(member)
    thread = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Before the outage", "body": "Redis is up."},
        format="json",
    )
    assert thread.status_code == 201
    thread_id = thread.json()["id"]

    own_redis["process"].terminate()
    own_redis["process"].wait(timeout=10)
    statuses = []
    started = time.monotonic()
    for n in range(5):
        reply = api.post(
            f"/api/v1/threads/{thread_id}/posts/", {"body": f"During {n}"}, format="json"
        )
        statuses.append(reply.status_code)
    statuses.append(api.get(f"/api/v1/threads/{thread_id}/posts/").status_code)
    statuses.append(api.get("/api/v1/categories/").status_code)
    assert statuses == [201] * 5 + [200, 200]
    assert time.monotonic() - started < 30
    during = Post.objects.filter(thread_id=thread_id, body_source__startswith="During")
    assert during.count() == 5
    unchecked = PostRevision.objects.filter(post__in=during, checked_at__isnull=True)
    assert unchecked.count() == 5

    own_redis["process"] = _start_redis(own_redis["port"])
    app.conf.task_always_eager = True  # run the sweep and its checks here, as a worker would
    sweep_unchecked_revisions.apply()

    assert not PostRevision.objects.filter(post__in=during, checked_at__isnull=True).exists()
