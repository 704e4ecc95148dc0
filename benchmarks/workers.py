"""Scenarios through a real Celery worker host (one prefork worker, 2 processes, the
machine's core count) and Redis, on the web database with the forum's rules on (and,
for reference, off): the no-op task drain rate (task floor) against the moderation check
of typical 2 KB replies, interleaved in rounds; end to end, a reply posted through the
API until a watcher's unread count shows it; and reply creation while the worker checks
the replies, against the one-INSERT view."""

import http.client
import json
import random
import statistics
import time
import warnings
from collections import Counter
from contextlib import contextmanager, nullcontext

from benchmarks import data, servers
from benchmarks.http import NO_RULES, RULES, WEB_DB, ReplyBodies, prepare_web, write_round
from benchmarks.load import (
    Request,
    drive,
    for_reference,
    judged,
    percentile,
    rates,
    round_ratios,
    summarise_rounds,
)
from benchmarks.scenarios import scenario

QUEUE = "celery"


def _queue_empty(client) -> bool:
    # Waiting messages, and ones a worker holds unacknowledged (acks_late).
    return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


def wait_drained(timeout: float) -> bool:
    """Wait until the worker has taken and finished everything queued; False if it had
    not after `timeout` seconds."""
    client = data.redis_client()
    deadline = time.monotonic() + timeout
    while not _queue_empty(client):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_worker_afresh() -> tuple[str, int]:
    """The shared worker on the web database, with nothing queued before it: once a
    running worker has finished what an earlier scenario gave it, or else with the
    checks and fan-outs earlier scenarios enqueued while no worker ran dropped, their
    revisions are checked in-process, so that what the worker does from now on is the
    calling scenario's work only. Returns the worker's node name and how many earlier
    revisions were checked here."""
    if servers.shared_celery_worker_running(WEB_DB):
        wait_drained(timeout=120)
    else:
        # The benchmark's Redis database is its own.
        data.redis_client().delete(QUEUE, "unacked", "unacked_index")
    leftovers = check_leftovers()
    return servers.shared_celery_worker(WEB_DB), leftovers


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
    client = data.redis_client()
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


def check_leftovers() -> int:
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


def _moderation_batch(state: dict, count: int, rng: random.Random, label: str) -> list[int]:
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
                    body=data.reply_markdown(rng, tag=f"mod-{label}-{n}", quote=state["quote"]),
                )
                revisions.append(post.current_revision_id)
    finally:
        plugs.enqueue_check = enqueue_check
        thread_services._enqueue_fan_out = enqueue_fan_out
    return revisions


@scenario("workers")
def workers(quick: bool) -> dict:
    """Rounds of: a burst of no-op tasks drained (the floor), a burst of reply checks with
    the forum's rules, the same with no rule (reference); then end to end, replies in
    blocks with the rules on and, every other block, off."""
    from forum.celery import app
    from forum.threads.models import PostRevision
    from moderation.models import ContentCheck

    state = prepare_web()
    rounds = 2 if quick else 3
    noops = 150 if quick else 1_000
    checks = 20 if quick else 150
    e2e_blocks, e2e_block = (2, 10) if quick else (12, 20)
    rng = random.Random(5)
    port = servers.shared_gunicorn(WEB_DB)
    node, leftovers = start_worker_afresh()
    # Warm the worker's processes (imports, connections) on both kinds of task.
    warm = _moderation_batch(state, 4, rng, "warm")
    _drain(node, lambda: [app.send_task("benchmarks.noop", args=[n]) for n in range(20)])
    _drain(node, lambda: [app.send_task("moderation.check_post_revision", args=[r]) for r in warm])
    drained: dict[str, list[float]] = {"noop": [], "rules": [], "no_rules": []}
    checked_batches: dict[str, list[int]] = {"rules": [], "no_rules": []}
    for round_no in range(rounds):
        seconds = _drain(
            node, lambda: [app.send_task("benchmarks.noop", args=[n]) for n in range(noops)]
        )
        drained["noop"].append(noops / seconds)
        for name in ("rules", "no_rules"):
            batch = _moderation_batch(state, checks, rng, f"{round_no}-{name}")
            rules = data.no_rules(WEB_DB, state["rules"]) if name == "no_rules" else nullcontext()
            with rules:
                seconds = _drain(
                    node,
                    lambda b=batch: [
                        app.send_task("moderation.check_post_revision", args=[r]) for r in b
                    ],
                )
            drained[name].append(checks / seconds)
            checked_batches[name].extend(batch)
    with data.use_database(WEB_DB):
        unchecked = PostRevision.objects.filter(
            pk__in=checked_batches["rules"] + checked_batches["no_rules"],
            checked_at__isnull=True,
        ).count()
        outcomes = Counter(
            ContentCheck.objects.filter(revision_id__in=checked_batches["rules"]).values_list(
                "outcome", flat=True
            )
        )
    end_to_end = _end_to_end(state, port, blocks=e2e_blocks, block=e2e_block)
    moderation = {
        "rules": RULES,
        "posts_per_s": _spread(drained["rules"], checks),
        "outcomes": dict(outcomes),
        "of_noop": judged(round_ratios(drained["rules"], drained["noop"]), 0.50),
    }
    reference = {
        "rules": NO_RULES,
        "posts_per_s": _spread(drained["no_rules"], checks),
        "of_noop": for_reference(round_ratios(drained["no_rules"], drained["noop"])),
    }
    return {
        "worker_host": "1 Celery worker, prefork, 2 processes, prefetch 1, acks late",
        "noop_tasks_per_s": _spread(drained["noop"], noops),
        "moderation": moderation,
        "moderation_no_rules": reference,
        "moderation_left_unchecked": unchecked,
        "earlier_revisions_checked_first": leftovers,
        **end_to_end,
    }


def _spread(per_second: list[float], batch: int) -> dict:
    return {
        "median": round(statistics.median(per_second), 1),
        "min": round(min(per_second), 1),
        "max": round(max(per_second), 1),
        "batch": batch,
        "rounds": len(per_second),
    }


def _end_to_end(state: dict, port: int, *, blocks: int, block: int) -> dict:
    """Post replies one after another through the API, in `blocks` blocks of `block`
    replies with the forum's rules on and, every other block, with no rule (reference);
    each is timed from sending the request until the watcher's unread count (the API's
    own selector, read from the database every 2 ms) goes up; the watcher then reads
    everything."""
    from forum.accounts.models import User
    from forum.notifications import selectors as notification_selectors
    from forum.notifications import services as notification_services
    from forum.notifications.models import WatchLevel
    from forum.threads.models import Thread

    replies = ReplyBodies(state, blocks * block, seed=9, prefix="e2e")
    timed: dict[str, dict] = {
        name: {"latencies": [], "after_response": [], "missed": 0} for name in ("rules", "none")
    }
    with data.use_database(WEB_DB):
        watcher = User.objects.create(username="bench-watcher", password="!", trust_level=1)
        thread = Thread.objects.get(pk=state["write_threads"][0])
        notification_services.watch_set(user=watcher, level=WatchLevel.WATCHING, thread=thread)
        notification_services.notifications_mark_read(user=watcher)
        for block_no in range(blocks):
            name = "rules" if block_no % 2 == 0 else "none"
            rules = data.no_rules(WEB_DB, state["rules"]) if name == "none" else nullcontext()
            with rules:
                for index in range(block_no * block, (block_no + 1) * block):
                    # Always the watched thread.
                    request = replies.request(index, thread=thread.pk)
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    started = time.perf_counter()
                    conn.request("POST", request.path, body=request.body, headers=request.headers)
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                    answered = time.perf_counter()
                    if response.status != 201:
                        raise RuntimeError(f"reply refused: {response.status}")
                    while notification_selectors.unread_count(user=watcher) == 0:
                        if time.perf_counter() - started > 30:
                            timed[name]["missed"] += 1
                            break
                        time.sleep(0.002)
                    else:
                        timed[name]["latencies"].append(time.perf_counter() - started)
                        timed[name]["after_response"].append(time.perf_counter() - answered)
                    notification_services.notifications_mark_read(user=watcher)
                    time.sleep(0.02)
    headline = _latency_figures(**timed["rules"])
    headline.update(
        rules=RULES,
        measured=f"p50 {headline['p50_ms']:.0f} ms",
        target="p50 < 500 ms",
        met=headline["p50_ms"] < 500 and headline["timed_out"] == 0,
    )
    reference = _latency_figures(**timed["none"])
    reference.update(rules=NO_RULES, measured=f"p50 {reference['p50_ms']:.0f} ms")
    return {"end_to_end": headline, "end_to_end_no_rules": for_reference(reference)}


def _latency_figures(*, latencies: list, after_response: list, missed: int) -> dict:
    ordered = sorted(latencies)
    return {
        "replies": len(latencies),
        "timed_out": missed,
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p90_ms": round(percentile(ordered, 90) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        # The part after the API answered 201: enqueue, worker pick-up, fan-out.
        "after_response_p50_ms": round(percentile(sorted(after_response), 50) * 1000, 1),
    }


# --- reply create with the worker running ----------------------------------------------------


@scenario("reply_with_worker")
def reply_with_worker(quick: bool) -> dict:
    """Reply creation through the API, with the forum's rules, while the worker checks
    the replies as they come (on the same machine), against the one-INSERT view measured
    in the same rounds with the worker idle."""
    from forum.threads.models import PostRevision

    state = prepare_web()
    rounds = 3 if quick else 5
    writes_per_round = 150 if quick else 600
    max_seconds = 2.5 if quick else 8
    replies = ReplyBodies(state, writes_per_round * rounds + 8, seed=6, prefix="with-worker")
    port = servers.shared_gunicorn(WEB_DB)
    _, leftovers = start_worker_afresh()
    written: list[int] = []

    def remember(request: Request, status: int, body: bytes) -> None:
        if status == 201:
            written.append(json.loads(body)["id"])

    drive(port, lambda i: replies.request(i), requests=8, max_seconds=5)
    offset = 8
    measured: dict[str, list[dict]] = {"insert": [], "reply": []}
    for _ in range(rounds):
        # The floor with the worker idle: the last round's checks finished first.
        wait_drained(timeout=120)
        insert, reply = write_round(
            port,
            replies.bodies,
            replies,
            offset,
            requests=writes_per_round,
            max_seconds=max_seconds,
            on_response=remember,
        )
        measured["insert"].append(insert)
        measured["reply"].append(reply)
        offset += writes_per_round
    drained = wait_drained(timeout=120)
    with data.use_database(WEB_DB):
        checked = PostRevision.objects.filter(post_id__in=written, checked_at__isnull=False).count()
    reply = summarise_rounds(measured["reply"])
    reply.update(
        rules=RULES,
        worker="the shared worker host (2 processes) checking the replies as they come",
        accepted=len(written),
        checked_by_the_worker=checked,
        queue_drained_after=drained,
        earlier_revisions_checked_first=leftovers,
        of_one_insert_view=judged(
            round_ratios(rates(measured["reply"]), rates(measured["insert"])), 0.20
        ),
    )
    return {
        "floors": {"one_insert_view": summarise_rounds(measured["insert"])},
        "reply_create": reply,
    }
