"""Reads by the people who take part (DESIGN.md, "The read path"), served by gunicorn (2
sync workers) on the web database like the anonymous reads of benchmarks.http:

- `signed_in`: the first page of the demo thread (1,000 comments) read by signed-in
  members and by a moderator of its category (the web page, with a session cookie), and
  with a member's personal token (its posts through the API); beside them an anonymous
  reader of the same page.
- `random_threads`: reads spread over the visible threads of a few posts each (about
  2,040), anonymous (web page), by signed-in members (web page) and with a token (API):
  cold, each thread read once after the shared page cache was emptied, and warm, a set
  of WARM_THREADS threads read again and again.

Every reader is measured in each round together with the plain view, its floor; a ratio
is the median of the per-round ratios. The threads a round reads come from one seeded
order, the same for every reader."""

import random
from collections.abc import Callable

from benchmarks import data, servers
from benchmarks.http import WEB_DB, prepare_web, query_counts
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

MEMBERS = 4
WARM_THREADS = 40
PLAIN = Request("GET", "/bench/plain/")
_readers: dict = {}


def prepare_readers() -> dict:
    """In the web database: MEMBERS members at the default trust level, each signed in
    (a session the served processes accept), a moderator limited to the demo thread's
    category, signed in too, and a member's read-only personal token; and the visible
    threads of the filler, for the random reads."""
    state = prepare_web()
    if _readers:
        return _readers
    from forum.accounts import services as account_services
    from forum.accounts.models import CategoryModerator, User
    from forum.threads.models import Category, PostState, Thread

    with data.use_database(WEB_DB):
        members = [
            account_services.user_create(username=f"bench-member-{n}") for n in range(MEMBERS)
        ]
        moderator = account_services.user_create(
            username="bench-category-moderator", role=User.Role.MODERATOR
        )
        CategoryModerator.objects.create(
            moderator=moderator, category=Category.objects.get(slug=state["category"])
        )
        integrator = account_services.user_create(username="bench-integrator")
        _, token = account_services.token_create(
            user=integrator, name="benchmark reads", read_only=True
        )
        threads = Thread.objects.filter(pk__gt=state["filler_after_id"], state=PostState.VISIBLE)
        _readers.update(
            member_id=members[0].pk,
            member_cookies=[
                data.signed_in_cookie(member, secret_key=servers.SECRET_KEY) for member in members
            ],
            moderator_id=moderator.pk,
            moderator_cookie=data.signed_in_cookie(moderator, secret_key=servers.SECRET_KEY),
            token=token,
            threads=list(threads.order_by("pk").values_list("pk", "slug")),
        )
    return _readers


def _page(thread: tuple[int, str], cookie: str = "") -> Request:
    headers = {"Cookie": cookie} if cookie else {}
    return Request("GET", f"/t/{thread[0]}/{thread[1]}/", headers=headers)


def _posts(thread: tuple[int, str], token: str) -> Request:
    return Request(
        "GET", f"/api/v1/threads/{thread[0]}/posts/", headers={"Authorization": f"Bearer {token}"}
    )


def _readers_of(readers: dict) -> dict[str, Callable[[tuple[int, str], int], Request]]:
    """For each kind of reader, the i-th request it sends to read a thread: anonymous and
    signed-in readers its web page (the members one after another), the token its posts
    through the API."""
    cookies = readers["member_cookies"]
    return {
        "anonymous": lambda thread, i: _page(thread),
        "member": lambda thread, i: _page(thread, cookies[i % len(cookies)]),
        "token": lambda thread, i: _posts(thread, readers["token"]),
    }


@scenario("signed_in")
def signed_in(quick: bool) -> dict:
    """The demo thread's first page read anonymously, by signed-in members, with a
    token (the API's posts) and by a moderator of its category, against the plain view."""
    state = prepare_web()
    readers = prepare_readers()
    rounds = 3 if quick else 5
    per_round = 250 if quick else 1_000
    max_seconds = 2.5 if quick else 6
    demo = (state["demo_thread"], state["demo_slug"])
    read_as = _readers_of(readers)
    sides = {
        "plain": lambda i: PLAIN,
        "anonymous": lambda i: read_as["anonymous"](demo, i),
        "member": lambda i: read_as["member"](demo, i),
        "token": lambda i: read_as["token"](demo, i),
        "moderator": lambda i: _page(demo, readers["moderator_cookie"]),
    }
    port = servers.shared_gunicorn(WEB_DB)
    for make in sides.values():
        drive(port, make, requests=12, max_seconds=5)
    measured: dict[str, list[dict]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, make in sides.items():
            measured[name].append(
                drive(port, make, requests=per_round, max_seconds=max_seconds).figures()
            )
    plain = rates(measured["plain"])
    counts = {
        "member": query_counts(state, reader_id=readers["member_id"]),
        "token": query_counts(state, token=readers["token"]),
        "moderator": query_counts(state, reader_id=readers["moderator_id"]),
    }
    described = {
        "anonymous": ("anonymous", "/t/{demo}/{slug}/", "thread_web"),
        "member": (
            f"{MEMBERS} signed-in members (trust level 0, not staff), session cookie",
            "/t/{demo}/{slug}/",
            "thread_web",
        ),
        "token": (
            "a member's personal token (Authorization: Bearer)",
            "/api/v1/threads/{demo}/posts/",
            "thread_api",
        ),
        "moderator": (
            "a moderator limited to the demo thread's category, session cookie",
            "/t/{demo}/{slug}/",
            "thread_web",
        ),
    }
    targets = {"member": 0.15, "token": 0.20}
    figures: dict = {"floors": {"plain_view": summarise_rounds(measured["plain"])}, "reads": {}}
    for name, (reader, url, page) in described.items():
        entry = {"reader": reader, "url": url, **summarise_rounds(measured[name])}
        ratio = round_ratios(rates(measured[name]), plain)
        entry["of_plain_view"] = (
            judged(ratio, targets[name]) if name in targets else for_reference(ratio)
        )
        if name in counts:
            entry["queries_10_comments"] = counts[name][f"{page}_10"]
            entry["queries_1000_comments"] = counts[name][f"{page}_1000"]
            entry["queries_same"] = entry["queries_10_comments"] == entry["queries_1000_comments"]
        figures["reads"][name] = entry
    figures["reads"]["member"]["anonymous_over_member"] = judged(
        round_ratios(rates(measured["anonymous"]), rates(measured["member"])), 3, at_most=True
    )
    return figures


@scenario("random_threads")
def random_threads(quick: bool) -> dict:
    """Threads read at random, anonymously, by signed-in members and with a token, cold
    and warm, against the plain view."""
    state = prepare_web()
    readers = prepare_readers()
    rounds = 3 if quick else 4
    per_round = 150 if quick else 400
    max_seconds = 2.5 if quick else 6
    threads = readers["threads"]
    if rounds * per_round > len(threads):
        raise RuntimeError("too few threads for every cold read to be of a thread of its own")
    rng = random.Random(20261127)
    order = rng.sample(threads, len(threads))
    warm = rng.sample(threads, WARM_THREADS)
    warm_reads = [rng.choice(warm) for _ in range(per_round)]
    read_as = _readers_of(readers)
    port = servers.shared_gunicorn(WEB_DB)
    # Warm up the processes on a thread that is none of those measured.
    small = (state["small_thread"], state["small_slug"])
    drive(port, lambda i: PLAIN, requests=12, max_seconds=5)
    for read in read_as.values():
        drive(port, lambda i, r=read: r(small, i), requests=12, max_seconds=5)
    measured: dict[str, list[dict]] = {"plain": []}
    for round_no in range(rounds):
        cold = order[round_no * per_round : (round_no + 1) * per_round]
        # Whoever reads first also brings the rows into PostgreSQL's buffers: each
        # reader goes first in turn.
        turn = round_no % len(read_as)
        names = list(read_as)[turn:] + list(read_as)[:turn]
        data.clear_page_cache()
        for name in names:
            measured.setdefault(f"cold_{name}", []).append(
                drive(
                    port,
                    lambda i, r=read_as[name], c=cold: r(c[i], i),
                    requests=len(cold),
                    max_seconds=max_seconds,
                ).figures()
            )
        for name in names:
            # Unmeasured: every warm thread read, twice anonymously so that it is in the
            # page cache and, most likely, in each process's own copy of it.
            drive(
                port,
                lambda i, r=read_as[name]: r(warm[i % len(warm)], i),
                requests=(2 if name == "anonymous" else 1) * len(warm),
                max_seconds=10,
            )
        for name in names:
            measured.setdefault(f"warm_{name}", []).append(
                drive(
                    port,
                    lambda i, r=read_as[name]: r(warm_reads[i], i),
                    requests=len(warm_reads),
                    max_seconds=max_seconds,
                ).figures()
            )
        measured["plain"].append(
            drive(port, lambda i: PLAIN, requests=per_round, max_seconds=max_seconds).figures()
        )
    plain = rates(measured["plain"])
    figures: dict = {
        "threads": len(threads),
        "cold_reads": "each thread read once in the run, the page cache emptied each round",
        "warm_reads": f"{WARM_THREADS} threads read again and again, in the page cache",
        "floors": {"plain_view": summarise_rounds(measured["plain"])},
        "reads": {},
    }
    for key, rounds_measured in measured.items():
        if key == "plain":
            continue
        entry = summarise_rounds(rounds_measured)
        entry["of_plain_view"] = judged(round_ratios(rates(rounds_measured), plain), 0.10)
        figures["reads"][key] = entry
    return figures
