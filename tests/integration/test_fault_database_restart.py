"""PostgreSQL restarts under load: requests during the outage get a clean 503 with
Retry-After (the API's error body, a plain page in the web UI), never a 500, and the same
gunicorn workers serve again once it is back, with no restart of the application.

The database is a private cluster started for this test; the shared one is never touched.
"""

import json
import threading
import time
from collections import Counter

import httpx
import psutil
import pytest

from tests.integration.fault_services import (
    PrivatePostgres,
    django_env,
    django_script,
    free_port,
    manage,
    require_postgres_binaries,
    start_gunicorn,
    stop_process,
)

SEED = """
import json
from forum.accounts.models import User
from forum.accounts.services import token_create
from forum.threads import services
from forum.threads.models import Category

author = User.objects.create_user(
    username="steady", email="steady@example.test", password="x" * 20, trust_level=2
)
category = Category.objects.create(slug="general", name="General")
thread = services.thread_create(
    author=author, category=category, title="Through the outage", body="Still here."
)
_, token = token_create(user=author, name="load", read_only=False)
print(json.dumps({"thread": thread.pk, "slug": thread.slug, "token": token}))
"""


@pytest.fixture
def app_on_private_postgres(tmp_path):
    require_postgres_binaries()
    pg = PrivatePostgres().init()
    gunicorn = None
    try:
        url = pg.create_database("parley")
        # Persistent connections, as in production: the broken ones must be noticed.
        env = django_env(DATABASE_URL=url, TEST_CONN_MAX_AGE="60")
        manage(env, "migrate", "--noinput")
        seed = django_script(env, SEED)
        port = free_port()
        gunicorn = start_gunicorn(env, port, tmp_path / "gunicorn.log")
        yield {
            "pg": pg,
            "env": env,
            "base": f"http://127.0.0.1:{port}",
            "gunicorn": gunicorn,
            **seed,
        }
    finally:
        if gunicorn is not None:
            stop_process(gunicorn)
        pg.destroy()


class Load(threading.Thread):
    """A steady mix of API reads, web pages and API writes, each result tagged with the
    phase it was sent in and the phase it was answered in."""

    def __init__(self, app: dict) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.phase = "before"
        self.results: list[dict] = []
        self.stopped = threading.Event()
        self.written = 0

    def requests(self):
        thread, slug = self.app["thread"], self.app["slug"]
        auth = {"Authorization": f"Bearer {self.app['token']}"}
        yield "api-read", "GET", f"/api/v1/threads/{thread}/posts/", {}, None
        # With a session cookie: a visitor with nothing personal may be answered from the
        # cache without the database, one with a session never is.
        yield "web", "GET", f"/t/{thread}/{slug}/", {"Cookie": "sessionid=expired"}, None
        yield "api-read", "GET", "/api/v1/categories/", {}, None
        self.written += 1
        body = {"body": f"Load reply {self.written}"}
        yield "api-write", "POST", f"/api/v1/threads/{thread}/posts/", auth, body

    def run(self) -> None:
        with httpx.Client(base_url=self.app["base"], timeout=10) as client:
            while not self.stopped.is_set():
                for kind, method, path, headers, body in self.requests():
                    phase = self.phase
                    try:
                        response = client.request(method, path, headers=headers, json=body)
                    except httpx.HTTPError as exc:
                        self.results.append({"phase": phase, "kind": kind, "error": repr(exc)})
                        continue
                    self.results.append(
                        {
                            "body": (body or {}).get("body"),
                            "phase": phase,
                            "answered": self.phase,
                            "kind": kind,
                            "status": response.status_code,
                            "retry_after": response.headers.get("Retry-After"),
                            "content_type": response.headers.get("Content-Type", ""),
                            "text": response.text[:2000],
                        }
                    )

    def of(self, phase: str) -> list[dict]:
        """Requests sent and answered within `phase`: one in flight as the database
        stopped or started belongs to neither side."""
        return [r for r in self.results if r["phase"] == r.get("answered", phase) == phase]


def _worker_pids(process) -> set[int]:
    return {child.pid for child in psutil.Process(process.pid).children()}


def test_a_postgres_restart_under_load_gives_503s_then_recovers_without_a_restart(
    app_on_private_postgres,
):
    app = app_on_private_postgres
    workers_before = _worker_pids(app["gunicorn"])
    load = Load(app)
    load.start()
    try:
        time.sleep(3)
        load.phase = "stopping"
        app["pg"].stop()
        load.phase = "down"
        time.sleep(4)
        load.phase = "starting"
        app["pg"].start()
        load.phase = "recovering"
        time.sleep(3)
        load.phase = "after"
        time.sleep(3)
    finally:
        load.stopped.set()
        load.join(timeout=30)

    every = load.results
    for phase in ("before", "stopping", "down", "starting", "recovering", "after"):
        print(phase, Counter((r["kind"], r.get("status")) for r in load.of(phase)))
    assert not [r for r in every if "error" in r], "a request failed without an answer"
    assert not [r for r in every if r["status"] >= 500 and r["status"] != 503], (
        "a 5xx other than 503"
    )
    assert {r["status"] for r in load.of("before")} <= {200, 201}, Counter(
        r["status"] for r in load.of("before")
    )

    down = load.of("down")
    assert len(down) >= 8, "too few requests during the outage to tell anything"
    by_kind = {
        kind: [r for r in down if r["kind"] == kind] for kind in ("api-read", "web", "api-write")
    }
    for kind, results in by_kind.items():
        assert results, f"no {kind} request during the outage"
        unavailable = [r for r in results if r["status"] == 503]
        # A write can only fail; a read may be answered by a cache, never by an error.
        allowed = {503} if kind == "api-write" else {200, 503}
        assert {r["status"] for r in results} <= allowed, (
            kind,
            Counter(r["status"] for r in results),
        )
        assert unavailable, f"no 503 for {kind} during the outage"
        for result in unavailable:
            assert result["retry_after"] and int(result["retry_after"]) > 0
    for result in by_kind["api-read"] + by_kind["api-write"]:
        if result["status"] == 503:
            assert result["content_type"].startswith("application/json")
            assert json.loads(result["text"])["error"]["code"] == "service_unavailable"
    for result in by_kind["web"]:
        if result["status"] == 503:
            assert result["content_type"].startswith("text/html")
            assert "Briefly unavailable" in result["text"]

    after = load.of("after")
    assert len(after) >= 8
    assert {r["status"] for r in after} <= {200, 201}, Counter(r["status"] for r in after)
    assert _worker_pids(app["gunicorn"]) == workers_before, "gunicorn workers were replaced"

    # Every write that was accepted is stored, once; none that was refused is.
    accepted = sorted(r["body"] for r in every if r["kind"] == "api-write" and r["status"] == 201)
    refused = [r for r in every if r["kind"] == "api-write" and r["status"] == 503]
    assert refused
    stored = django_script(app["env"], STORED_REPLIES)["bodies"]
    assert sorted(stored) == accepted


STORED_REPLIES = """
import json
from forum.threads.models import Post
replies = Post.objects.filter(body_source__startswith="Load reply")
bodies = list(replies.values_list("body_source", flat=True))
print(json.dumps({"bodies": bodies}))
"""
