"""Scenarios served by gunicorn (2 sync workers) on 127.0.0.1, each against its floor in
the same run and through the same gunicorn: anonymous thread reads and the latest list
(API and web page) against a plain view returning small JSON, reply creation through the
API against the same view doing one INSERT; then mixed load. The served database runs
the forum's rules (the default set and a watched-words rule, see data.install_rules);
the writes are measured with them, and again with them switched off for reference.

Every measurement is repeated in rounds that interleave a scenario with its floor; a
ratio is the median of the per-round ratios, so that the machine's other work moves
both sides of it alike."""

import json
import random
import time

from benchmarks import data, servers
from benchmarks.load import (
    Request,
    drive,
    for_reference,
    judged,
    rates,
    round_ratios,
    summarise_rounds,
)
from benchmarks.scenarios import scenario

WEB_DB = data.db_name("web")
WRITE_THREADS = 8
# Threads of a few posts each beside the reading set: about 2,040 of them are visible.
FILLER_THREADS = 2_100
RULES = (
    "the default rules (manage.py install_default_rules) and a watched-words rule of "
    f"{data.WATCHED_WORDS} terms and 2 patterns (flag), enabled"
)
NO_RULES = "no rule enabled (reference)"
_state: dict = {}


def prepare_web() -> dict:
    """The web database (a copy of the freshly migrated one) with the reading set,
    FILLER_THREADS threads of five posts, trusted writers with API tokens, and the
    forum's rules, enabled. Made once per run and shared by the scenarios that use it."""
    if _state:
        return _state
    from forum.threads import services as thread_services
    from forum.threads.models import Category

    rng = random.Random(20261126)
    data.clone_database(data.db_name("pristine"), WEB_DB)
    with data.use_database(WEB_DB):
        data.create_bench_tables()
        reading = data.seed_reading(rng)
        filler = data.fill(
            members=1_000, threads=FILLER_THREADS, posts_per_thread=5, categories=5, rng=rng
        )
        writers = data.posters(8, prefix="bench-writer")
        category = Category.objects.get(slug=reading["category"])
        write_threads = [
            thread_services.thread_create(
                author=writers[n % len(writers)][0],
                category=category,
                title=f"Replies under load {n}",
                body=data.reply_markdown(rng),
            ).pk
            for n in range(WRITE_THREADS)
        ]
        quote_user = writers[0][0].username
        _state.update(
            reading,
            writers=[(user.pk, user.username, token) for user, token in writers],
            write_threads=write_threads,
            quote=(quote_user, reading["demo_thread"]),
            filler_after_id=filler["threads_after_id"],
            rules=data.install_rules(),
        )
    return _state


# --- requests -----------------------------------------------------------------------------


def read_requests(state: dict) -> dict[str, Request]:
    demo, slug = state["demo_thread"], state["demo_slug"]
    return {
        "thread_api": Request("GET", f"/api/v1/threads/{demo}/posts/", kind="thread_api"),
        "thread_web": Request("GET", f"/t/{demo}/{slug}/", kind="thread_web"),
        "list_api": Request("GET", "/api/v1/threads/", kind="list_api"),
        "home": Request("GET", "/", kind="home"),
    }


class ReplyBodies:
    """2 KB replies, made before the clock starts, each a text of its own (the
    near-duplicate rule would catch texts repeated with only a tag changed); each carries
    a tag so that it can be found again in the database. With `watched_share`, about that
    share of them also names a term of the watched-words rule (their tags are in
    `watched`), which the check hides."""

    def __init__(
        self, state: dict, count: int, seed: int, prefix: str, *, watched_share: float = 0.0
    ) -> None:
        rng = random.Random(seed)
        user, post_thread = state["quote"]
        terms = data.watched_words() if watched_share else []
        self.state = state
        self.tags = [f"{prefix}-{seed}-{n}" for n in range(count)]
        self.watched: set[str] = set()
        self.bodies = []
        for tag in self.tags:
            text = data.reply_markdown(rng, quote=(user, post_thread))
            if terms and rng.random() < watched_share:
                text += f"\n\nGet {rng.choice(terms)} here."
                self.watched.add(tag)
            self.bodies.append(json.dumps({"body": f"{text}\n\nRef {tag}."}).encode())

    @staticmethod
    def tag_of(request: Request) -> str:
        """The tag of the reply that `request` sends."""
        return json.loads(request.body)["body"].rsplit("Ref ", 1)[1].rstrip(".")

    def request(
        self,
        index: int,
        *,
        kind: str = "reply",
        thread: int | None = None,
        parent: int | None = None,
    ) -> Request:
        """The reply `index` (bodies are reused past their count), by one writer after
        another, into `thread` or else spread over the write threads; an answer to the
        post `parent`, or else to the opening post."""
        writers, threads = self.state["writers"], self.state["write_threads"]
        _, _, token = writers[index % len(writers)]
        if thread is None:
            thread = threads[(index * 3) % len(threads)]
        body = self.bodies[index % len(self.bodies)]
        if parent is not None:
            body = json.dumps({**json.loads(body), "parent": parent}).encode()
        return Request(
            "POST",
            f"/api/v1/threads/{thread}/posts/",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            kind=kind,
        )


def query_counts(state: dict, *, reader_id: int | None = None, token: str = "") -> dict:
    """SQL queries per request, counted in-process through Django's test client on the
    same database and URLs, for the 1,000-comment and the 10-comment thread: read
    anonymously (the second read of a page, which the page cache answers), signed in as
    the member `reader_id`, or with the personal `token`."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forum.accounts.models import User

    counts = {}
    paths = {
        "thread_api_1000": f"/api/v1/threads/{state['demo_thread']}/posts/",
        "thread_api_10": f"/api/v1/threads/{state['small_thread']}/posts/",
        "thread_web_1000": f"/t/{state['demo_thread']}/{state['demo_slug']}/",
        "thread_web_10": f"/t/{state['small_thread']}/{state['small_slug']}/",
        "list_api": "/api/v1/threads/",
        "home": "/",
    }
    with data.use_database(WEB_DB):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
        if reader_id is not None:
            client.force_login(User.objects.get(pk=reader_id))
        for name, path in paths.items():
            client.get(path)  # warm per-process caches first
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[name] = len(captured.captured_queries)
    return counts


def write_round(
    port: int,
    insert_bodies,
    replies,
    offset: int,
    *,
    requests: int,
    max_seconds: float,
    on_response,
) -> tuple[dict, dict]:
    """One round of the write floor (one INSERT per request, of `insert_bodies` from
    `offset` on) and then as many replies (`replies`' requests from `offset` on): the
    figures of each."""
    insert = drive(
        port,
        lambda i: Request(
            "POST", "/bench/insert/", body=insert_bodies[(offset + i) % len(insert_bodies)]
        ),
        requests=requests,
        max_seconds=max_seconds,
    ).figures()
    reply = drive(
        port,
        lambda i: replies.request(offset + i),
        requests=requests,
        max_seconds=max_seconds,
        on_response=on_response,
    ).figures()
    return insert, reply


@scenario("http")
def http(quick: bool) -> dict:
    """Anonymous thread reads (API and web page, first page of the demo thread grown to
    1,000 comments), the latest list (API and home page) and reply creation with the
    forum's rules (and, for reference, with none), each against its floor, in
    interleaved rounds."""
    state = prepare_web()
    rounds = 3 if quick else 5
    reads_per_round = 250 if quick else 1_000
    writes_per_round = 150 if quick else 600
    max_seconds = 2.5 if quick else 8
    reads = read_requests(state)
    plain = Request("GET", "/bench/plain/")
    replies = ReplyBodies(state, 2 * writes_per_round * rounds + 50, seed=1, prefix="http")
    insert_bodies = replies.bodies
    written: dict[str, list[int]] = {"reply": [], "reply_no_rules": []}

    def remember(request: Request, status: int, body: bytes) -> None:
        if status == 201:
            written[request.kind].append(json.loads(body)["id"])

    measured: dict[str, list[dict]] = {name: [] for name in ["plain", "insert", *reads, *written]}
    port = servers.shared_gunicorn(WEB_DB)
    # Warm up every path (connections, per-process caches) before any clock runs.
    for request in [plain, *reads.values()]:
        drive(port, lambda i, r=request: r, requests=12, max_seconds=5)
    drive(port, lambda i: replies.request(i), requests=8, max_seconds=5)
    offset = 8
    for _ in range(rounds):
        measured["plain"].append(
            drive(
                port, lambda i: plain, requests=reads_per_round, max_seconds=max_seconds
            ).figures()
        )
        for name, request in reads.items():
            measured[name].append(
                drive(
                    port,
                    lambda i, r=request: r,
                    requests=reads_per_round,
                    max_seconds=max_seconds,
                ).figures()
            )
        base = offset
        insert, reply = write_round(
            port,
            insert_bodies,
            replies,
            base,
            requests=writes_per_round,
            max_seconds=max_seconds,
            on_response=remember,
        )
        measured["insert"].append(insert)
        measured["reply"].append(reply)
        base += writes_per_round
        with data.no_rules(WEB_DB, state["rules"]):
            measured["reply_no_rules"].append(
                drive(
                    port,
                    lambda i, b=base: replies.request(b + i, kind="reply_no_rules"),
                    requests=writes_per_round,
                    max_seconds=max_seconds,
                    on_response=remember,
                ).figures()
            )
        offset += 2 * writes_per_round
    figures: dict = {"floors": {}, "reads": {}, "writes": {}}
    plain_rates, insert_rates = rates(measured["plain"]), rates(measured["insert"])
    figures["floors"]["plain_view"] = summarise_rounds(measured["plain"])
    figures["floors"]["one_insert_view"] = summarise_rounds(measured["insert"])
    queries = query_counts(state)
    targets = {"thread_api": 0.40, "thread_web": 0.40, "list_api": 0.50, "home": 0.50}
    for name, target in targets.items():
        entry = summarise_rounds(measured[name])
        entry["reader"] = "anonymous"
        entry["of_plain_view"] = judged(round_ratios(rates(measured[name]), plain_rates), target)
        if name.startswith("thread"):
            entry["queries_10_comments"] = queries[f"{name}_10"]
            entry["queries_1000_comments"] = queries[f"{name}_1000"]
            entry["queries_same"] = queries[f"{name}_10"] == queries[f"{name}_1000"]
        else:
            entry["queries"] = queries[name]
        figures["reads"][name] = entry
    for name, rules in (("reply", RULES), ("reply_no_rules", NO_RULES)):
        reply = summarise_rounds(measured[name])
        reply["rules"] = rules
        ratio = round_ratios(rates(measured[name]), insert_rates)
        reply["of_one_insert_view"] = (
            judged(ratio, 0.30) if name == "reply" else for_reference(ratio)
        )
        reply["stored"] = _count_stored(written[name])
        reply["accepted"] = len(written[name])
        figures["writes"]["reply_create" if name == "reply" else "reply_create_no_rules"] = reply
    return figures


def _count_stored(post_ids: list[int]) -> int:
    from forum.threads.models import Post

    with data.use_database(WEB_DB):
        return Post.objects.filter(pk__in=post_ids).count()


# --- mixed load -----------------------------------------------------------------------------


@scenario("mixed")
def mixed(quick: bool) -> dict:
    """90% anonymous reads and 10% reply writes for 60 s (15 s with --quick) against
    gunicorn with a Celery worker running and the forum's rules on; then every accepted
    reply is looked up: stored with its text, and checked by the moderation pipeline. The
    same again for half as long with no rule enabled, for reference."""
    state = prepare_web()
    seconds = 15 if quick else 60
    port = servers.shared_gunicorn(WEB_DB)
    servers.shared_celery_worker(WEB_DB)
    figures = _mixed_load(state, port, seconds=seconds, seed=2)
    kept = (
        figures["server_errors_5xx"] == 0
        and figures["connection_errors"] == 0
        and figures["replies_stored_intact"] == figures["replies_accepted"]
        and figures["replies_checked_by_moderation"] == figures["replies_accepted"]
    )
    figures.update(
        rules=RULES, target="zero 5xx; every accepted reply stored and checked", met=kept
    )
    with data.no_rules(WEB_DB, state["rules"]):
        reference = _mixed_load(state, port, seconds=seconds / 2, seed=4)
    figures["reference_no_rules"] = for_reference({**reference, "rules": NO_RULES})
    return figures


def _mixed_load(state: dict, port: int, *, seconds: float, seed: int) -> dict:
    from forum.threads.models import Post, PostRevision

    reads = list(read_requests(state).values())
    reads.append(
        Request("GET", f"/t/{state['small_thread']}/{state['small_slug']}/", kind="thread_web_10")
    )
    replies = ReplyBodies(state, 4_000, seed=seed, prefix="mixed")
    rng = random.Random(seed + 1)
    plan = [rng.random() < 0.10 for _ in range(200_000)]
    picks = [rng.randrange(len(reads)) for _ in range(200_000)]
    accepted: dict[int, str] = {}
    statuses_by_kind: dict[str, dict] = {}
    write_counter = [0]

    def make(index: int) -> Request:
        if plan[index]:
            write_counter[0] += 1
            return replies.request(write_counter[0] - 1)
        return reads[picks[index]]

    def record(request: Request, status: int, body: bytes) -> None:
        kind = statuses_by_kind.setdefault(request.kind, {})
        kind[str(status)] = kind.get(str(status), 0) + 1
        if request.kind == "reply" and status == 201:
            accepted[json.loads(body)["id"]] = json.loads(request.body)["body"][-40:]

    result = drive(port, make, requests=len(plan), max_seconds=seconds, on_response=record)
    with data.use_database(WEB_DB):
        stored = dict(Post.objects.filter(pk__in=list(accepted)).values_list("pk", "body_source"))
        intact = sum(1 for pk, tail in accepted.items() if stored.get(pk, "").endswith(tail))
        deadline = time.monotonic() + 120
        while True:
            checked = PostRevision.objects.filter(
                post_id__in=list(accepted), checked_at__isnull=False
            ).count()
            if checked >= len(accepted) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    figures = result.figures()
    server_errors = sum(c for s, c in figures["statuses"].items() if s.startswith("5"))
    return {
        "seconds": round(result.seconds, 1),
        "requests": figures["requests"],
        "req_s": figures["req_s"],
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "statuses": figures["statuses"],
        "by_kind": statuses_by_kind,
        "connection_errors": figures["errors"],
        "server_errors_5xx": server_errors,
        "replies_accepted": len(accepted),
        "replies_stored_intact": intact,
        "replies_checked_by_moderation": checked,
        "measured": f"{server_errors} 5xx, {intact}/{len(accepted)} stored, {checked} checked",
    }
