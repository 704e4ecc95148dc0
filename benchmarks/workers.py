"""Scenarios through a real Celery worker host (one prefork worker, 2 processes, the
machine's core count) and Redis: the no-op task drain rate (task floor) against the
moderation check of typical 2 KB replies, interleaved in rounds; then end to end, a
reply posted through the API until a watcher's unread count shows it."""

import http.client
import random
import statistics
import time
import warnings
from contextlib import contextmanager

from benchmarks import data, servers
from benchmarks.http import WEB_DB, ReplyBodies, prepare_web
from benchmarks.load import percentile
from benchmarks.scenarios import scenario

QUEUE = "celery"


def _redis():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL)


def _queue_empty(client) -> bool:
    # Waiting messages, and ones a worker holds unacknowledged (acks_late).
    return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


@contextmanager
def _paused(node: str):
    """Stop the worker taking from the queue while the batch is enqueued, so that the
    clock measures draining it, not enqueueing it."""
    from forum.celery import app

    app.control.cancel_consumer(QUEUE, destination=[node], reply=True, timeout=5)
    try:
        yield
    finally:
        app.control.add_consumer(QUEUE, destination=[node], reply=True, timeout=5)


def _drain(node: str, enqueue, timeout: float = 600) -> float:
    client = _redis()
    with _paused(node), warnings.catch_warnings():
        # The runner's own app is eager (test settings); send_task always goes to Redis.
        warnings.simplefilter("ignore")
        enqueue()
    started = time.perf_counter()
    while not _queue_empty(client):
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the queue did not drain in time")
        time.sleep(0.005)
    return time.perf_counter() - started


def _check_leftovers() -> int:
    """Check the revisions earlier scenarios left unchecked (their tasks went with the
    queue), in-process, so that the measured batches hold this scenario's posts only: a
    check task takes on the oldest waiting revisions first."""
    from forum.threads.models import PostRevision
    from moderation import pipeline

    with data.use_database(WEB_DB):
        waiting = list(
            PostRevision.objects.filter(checked_at__isnull=True).values_list("pk", flat=True)
        )
        for start in range(0, len(waiting), 100):
            pipeline.revisions_check(revision_ids=waiting[start : start + 100])
    return len(waiting)


def _moderation_batch(state: dict, count: int, rng: random.Random, round_no: int) -> list[int]:
    """`count` typical replies by trusted writers, committed without their checks (the
    benchmark enqueues those itself once the clock runs). Returns the revision ids."""
    from forum.accounts.models import User
    from forum.threads import services as thread_services
    from forum.threads.models import Thread
    from moderation import plugs

    enqueue_check = plugs.enqueue_check
    enqueue_fan_out = thread_services._enqueue_fan_out
    plugs.enqueue_check = lambda revision_id: None
    thread_services._enqueue_fan_out = lambda post_id: None
    revisions = []
    try:
        with data.use_database(WEB_DB):
            writers = [User.objects.get(pk=pk) for pk, _, _ in state["writers"]]
            threads = list(Thread.objects.filter(pk__in=state["write_threads"]))
            for n in range(count):
                post = thread_services.post_create(
                    author=writers[n % len(writers)],
                    thread=threads[n % len(threads)],
                    body=data.reply_markdown(rng, tag=f"mod-{round_no}-{n}", quote=state["quote"]),
                )
                revisions.append(post.current_revision_id)
    finally:
        plugs.enqueue_check = enqueue_check
        thread_services._enqueue_fan_out = enqueue_fan_out
    return revisions


@scenario("workers")
def workers(quick: bool) -> dict:
    from forum.celery import app
    from forum.threads.models import PostRevision

    state = prepare_web()
    rounds = 2 if quick else 3
    noops = 150 if quick else 1_000
    checks = 20 if quick else 150
    e2e_replies = 20 if quick else 200
    rng = random.Random(5)
    floor_rates, check_rates, unchecked = [], [], 0
    port = servers.shared_gunicorn(WEB_DB)
    # Start from an empty queue: the checks and fan-outs the reply benchmark enqueued
    # (no worker ran then) are not this scenario's work. Redis db is the benchmark's own.
    _redis().delete(QUEUE, "unacked", "unacked_index")
    leftovers = _check_leftovers()
    node = servers.shared_celery_worker(WEB_DB)
    # Warm the worker's processes (imports, connections) on both kinds of task.
    warm = _moderation_batch(state, 4, rng, -1)
    _drain(node, lambda: [app.send_task("benchmarks.noop", args=[n]) for n in range(20)])
    _drain(node, lambda: [app.send_task("moderation.check_post_revision", args=[r]) for r in warm])
    for round_no in range(rounds):
        seconds = _drain(
            node, lambda: [app.send_task("benchmarks.noop", args=[n]) for n in range(noops)]
        )
        floor_rates.append(noops / seconds)
        batch = _moderation_batch(state, checks, rng, round_no)
        seconds = _drain(
            node,
            lambda b=batch: [app.send_task("moderation.check_post_revision", args=[r]) for r in b],
        )
        check_rates.append(checks / seconds)
        with data.use_database(WEB_DB):
            unchecked += PostRevision.objects.filter(pk__in=batch, checked_at__isnull=True).count()
    latencies, after_response, missed = _end_to_end(state, port, e2e_replies)
    ratios = [c / f for c, f in zip(check_rates, floor_rates, strict=True)]
    ordered = sorted(latencies)
    return {
        "worker_host": "1 Celery worker, prefork, 2 processes, prefetch 1, acks late",
        "noop_tasks_per_s": _spread(floor_rates, noops),
        "moderation_posts_per_s": _spread(check_rates, checks),
        "moderation_left_unchecked": unchecked,
        "earlier_revisions_checked_first": leftovers,
        "moderation_of_noop": {
            "median": round(statistics.median(ratios), 3),
            "min": round(min(ratios), 3),
            "max": round(max(ratios), 3),
            "target": 0.50,
            "met": statistics.median(ratios) >= 0.50,
        },
        "end_to_end": {
            "replies": len(latencies),
            "timed_out": missed,
            "p50_ms": round(percentile(ordered, 50) * 1000, 1),
            "p90_ms": round(percentile(ordered, 90) * 1000, 1),
            "p99_ms": round(percentile(ordered, 99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
            # The part after the API answered 201: enqueue, worker pick-up, fan-out.
            "after_response_p50_ms": round(percentile(sorted(after_response), 50) * 1000, 1),
            "measured": f"p50 {round(percentile(ordered, 50) * 1000)} ms",
            "target": "p50 < 500 ms",
            "met": percentile(ordered, 50) < 0.5 and missed == 0,
        },
    }


def _spread(rates: list[float], batch: int) -> dict:
    return {
        "median": round(statistics.median(rates), 1),
        "min": round(min(rates), 1),
        "max": round(max(rates), 1),
        "batch": batch,
        "rounds": len(rates),
    }


def _end_to_end(state: dict, port: int, count: int) -> tuple[list, list, int]:
    """Post `count` replies one after another through the API, each timed from sending
    the request until the watcher's unread count (the API's own selector, read from the
    database every 2 ms) goes up; the watcher then reads everything."""
    from forum.accounts.models import User
    from forum.notifications import selectors as notification_selectors
    from forum.notifications import services as notification_services
    from forum.notifications.models import WatchLevel
    from forum.threads.models import Thread

    replies = ReplyBodies(state, count, seed=9, prefix="e2e")
    latencies, after_response, missed = [], [], 0
    with data.use_database(WEB_DB):
        watcher = User.objects.create(username="bench-watcher", password="!", trust_level=1)
        thread = Thread.objects.get(pk=state["write_threads"][0])
        notification_services.watch_set(user=watcher, level=WatchLevel.WATCHING, thread=thread)
        notification_services.notifications_mark_read(user=watcher)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for index in range(count):
            request = replies.request(index)
            # Always the watched thread: the request helper spreads replies over threads.
            path = f"/api/v1/threads/{thread.pk}/posts/"
            started = time.perf_counter()
            conn.request("POST", path, body=request.body, headers=request.headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            answered = time.perf_counter()
            if response.status != 201:
                raise RuntimeError(f"reply refused: {response.status}")
            while notification_selectors.unread_count(user=watcher) == 0:
                if time.perf_counter() - started > 30:
                    missed += 1
                    break
                time.sleep(0.002)
            else:
                latencies.append(time.perf_counter() - started)
                after_response.append(time.perf_counter() - answered)
            notification_services.notifications_mark_read(user=watcher)
            time.sleep(0.02)
    return latencies, after_response, missed
