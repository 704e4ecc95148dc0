"""Replies into one hot thread: trusted members reply at once through the API, with their
tokens, into a single thread, half of them answering one of the last few replies, while
the Celery worker checks the replies and the forum's watched-words rule (action `flag`)
hides those that name one of its terms (HIDDEN_SHARE of them, one in five). Every reply
changes the same thread row and holds its parent, and every hide changes the post, its
author and the thread again from a worker process while the next replies arrive: the
figures are what this costs in server errors (5xx) and PostgreSQL deadlocks
(`pg_stat_database.deadlocks` of the web database, before and after)."""

import json
import random
import time

from benchmarks import data, servers
from benchmarks.http import RULES, WEB_DB, ReplyBodies, prepare_web
from benchmarks.load import Request, drive
from benchmarks.scenarios import scenario
from benchmarks.workers import start_worker_afresh, wait_drained

HIDDEN_SHARE = 0.2
ANSWER_SHARE = 0.5
# An answer goes to one of this many replies accepted last.
RECENT_REPLIES = 10
CONNECTIONS = 8
# PostgreSQL backends report their statistics when idle, at most ten seconds late.
STATISTICS_DELAY = 11


@scenario("hot_thread")
def hot_thread(quick: bool) -> dict:
    """Replies from 8 connections into one thread, the worker checking them, a share
    hidden by the watched-words rule: 5xx and deadlocks, with what became of the replies."""
    from forum.accounts.models import User
    from forum.threads import services as thread_services
    from forum.threads.models import Category, Post, PostRevision, PostState

    state = prepare_web()
    count = 200 if quick else 800
    max_seconds = 20 if quick else 60
    port = servers.shared_gunicorn(WEB_DB)
    _, leftovers = start_worker_afresh()
    with data.use_database(WEB_DB):
        thread = thread_services.thread_create(
            author=User.objects.get(pk=state["writers"][0][0]),
            category=Category.objects.get(slug=state["category"]),
            title="A hot thread",
            body=data.reply_markdown(random.Random(8)),
        ).pk
    replies = ReplyBodies(state, count, seed=8, prefix="hot", watched_share=HIDDEN_SHARE)
    rng = random.Random(9)
    answers = [
        rng.randrange(RECENT_REPLIES) if rng.random() < ANSWER_SHARE else None for _ in range(count)
    ]
    accepted: dict[int, str] = {}
    latest: list[int] = []
    answering: list[int] = []

    def make(index: int) -> Request:
        back = answers[index]
        if back is None or not latest:
            return replies.request(index, thread=thread)
        answering.append(index)
        return replies.request(index, thread=thread, parent=latest[-1 - min(back, len(latest) - 1)])

    def record(request: Request, status: int, body: bytes) -> None:
        if status == 201:
            post_id = json.loads(body)["id"]
            accepted[post_id] = replies.tag_of(request)
            latest.append(post_id)

    logs = [servers.log_path("celery-shared.log"), servers.log_path(f"gunicorn-{port}.log")]
    log_offsets = [path.stat().st_size for path in logs]
    deadlocks_before = data.database_deadlocks(WEB_DB)
    result = drive(
        port,
        make,
        requests=count,
        max_seconds=max_seconds,
        concurrency=CONNECTIONS,
        on_response=record,
    )
    load_ended = time.monotonic()
    drained = wait_drained(timeout=120)
    with data.use_database(WEB_DB):
        checked = PostRevision.objects.filter(
            post_id__in=list(accepted), checked_at__isnull=False
        ).count()
        states = dict(Post.objects.filter(pk__in=list(accepted)).values_list("pk", "state"))
    time.sleep(max(0.0, STATISTICS_DELAY - (time.monotonic() - load_ended)))
    deadlocks = data.database_deadlocks(WEB_DB) - deadlocks_before
    logged = sum(
        _lines_with(path, offset, "deadlock")
        for path, offset in zip(logs, log_offsets, strict=True)
    )
    figures = result.figures()
    server_errors = sum(n for status, n in figures["statuses"].items() if status.startswith("5"))
    watched = {pk for pk, tag in accepted.items() if tag in replies.watched}
    hidden = {pk for pk, found in states.items() if found == PostState.HIDDEN}
    return {
        "thread": "one thread, replies through the API by 8 trusted writers with tokens",
        "rules": RULES,
        "connections": CONNECTIONS,
        "seconds": round(result.seconds, 1),
        "requests": figures["requests"],
        "req_s": figures["req_s"],
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "statuses": figures["statuses"],
        "connection_errors": figures["errors"],
        "answering_a_reply": len(answering),
        "replies_accepted": len(accepted),
        "replies_stored": len(states),
        "replies_checked": checked,
        "queue_drained": drained,
        "earlier_revisions_checked_first": leftovers,
        "with_a_watched_term": len(watched),
        "hidden_with_a_watched_term": len(watched & hidden),
        "hidden_without_one": len(hidden - watched),
        "deadlock_lines_in_logs": logged,
        "server_errors_5xx": server_errors,
        "deadlocks": deadlocks,
        "measured": f"{deadlocks} deadlocks, {server_errors} 5xx",
        "target": "zero deadlocks, zero 5xx",
        "met": deadlocks == 0 and server_errors == 0 and figures["errors"] == 0,
    }


def _lines_with(path, offset: int, text: str) -> int:
    """Lines written to the log at `path` past `offset` that mention `text`."""
    with open(path, errors="replace") as log:
        log.seek(offset)
        return sum(1 for line in log if text in line.lower())
