"""Growth: the anonymous read scenarios on a database of 1,000,000 posts and 100,000
members, against the same reads on the small web database, served side by side and
measured in interleaved rounds; with the EXPLAIN plan of every query those pages run when
they are built (a miss of the page cache, a signed-in member, a token)."""

import random
import statistics
import time

from benchmarks import data, servers
from benchmarks.http import WEB_DB, prepare_web, read_requests
from benchmarks.load import drive, summarise_rounds
from benchmarks.scenarios import scenario

FULL = {"members": 100_000, "threads": 20_000, "posts_per_thread": 50, "categories": 20}
# A seq scan over a table this small is PostgreSQL's right choice, not a missing index.
SMALL_TABLE_ROWS = 10_000


def growth_database(spec: dict) -> tuple[str, dict, float]:
    """The growth database for `spec`, reused from an earlier run when its schema and row
    counts still match; built (cloned from the fresh schema, reading set, bulk filler)
    otherwise. Returns its name, its reading set and the seconds spent building."""
    name = data.db_name(f"growth_{spec['threads'] * spec['posts_per_thread']}")
    with data.use_database(data.db_name("pristine")):
        fingerprint = data.schema_fingerprint()
    if data.database_exists(name):
        with data.use_database(name):
            meta = data.meta_get("growth")
            if meta and meta["spec"] == spec and data.table_counts() == meta["counts"]:
                if meta["schema"] != fingerprint:
                    # New migrations since it was built: apply them rather than rebuild.
                    _migrate_quietly()
                    meta["schema"] = data.schema_fingerprint()
                    data.meta_set("growth", meta)
                if meta["schema"] == fingerprint:
                    return name, meta["reading"], 0.0
    started = time.perf_counter()
    data.clone_database(data.db_name("pristine"), name)
    rng = random.Random(20261126)
    with data.use_database(name):
        data.create_bench_tables()
        reading = data.seed_reading(rng)
        data.fill(rng=rng, **spec)
        data.meta_set(
            "growth",
            {
                "schema": fingerprint,
                "spec": spec,
                "reading": reading,
                "counts": data.table_counts(),
            },
        )
    return name, reading, time.perf_counter() - started


def _migrate_quietly() -> None:
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as exc:  # any failure means: rebuild it
        print(f"growth database: migrating failed ({exc}); rebuilding", flush=True)


@scenario("growth")
def growth(quick: bool) -> dict:
    small_state = prepare_web()
    name, big_state, build_seconds = growth_database(FULL)
    # Short rounds with --quick, but three of them: a median of two is just their mean.
    rounds = 3 if quick else 4
    per_round = 200 if quick else 800
    max_seconds = 1.7 if quick else 6
    small_reads, big_reads = read_requests(small_state), read_requests(big_state)
    measured = {side: {key: [] for key in small_reads} for side in ("small", "large")}
    small_port = servers.shared_gunicorn(WEB_DB)
    with servers.gunicorn(name) as big_port:
        for port, reads in ((small_port, small_reads), (big_port, big_reads)):
            for request in reads.values():
                drive(port, lambda i, r=request: r, requests=12, max_seconds=5)
        for _ in range(rounds):
            for key in small_reads:
                for side, port, reads in (
                    ("small", small_port, small_reads),
                    ("large", big_port, big_reads),
                ):
                    measured[side][key].append(
                        drive(
                            port,
                            lambda i, r=reads[key]: r,
                            requests=per_round,
                            max_seconds=max_seconds,
                        ).figures()
                    )
    with data.use_database(name):
        counts = data.table_counts()
        plans, seq_scans = explain_reads(big_state)
    figures: dict = {
        "database": name,
        "rows": counts,
        "build_seconds": round(build_seconds, 1),
        "reused_cached_database": build_seconds == 0.0,
        "reads": {},
    }
    for key in small_reads:
        small, large = measured["small"][key], measured["large"][key]
        slowdown = [s["req_s"] / b["req_s"] for s, b in zip(small, large, strict=True)]
        p50 = [b["p50_ms"] / s["p50_ms"] for s, b in zip(small, large, strict=True)]
        figures["reads"][key] = {
            "small_req_s": summarise_rounds(small)["req_s"],
            "large_req_s": summarise_rounds(large)["req_s"],
            "large_p50_ms": summarise_rounds(large)["p50_ms"],
            "large_p99_ms": summarise_rounds(large)["p99_ms"],
            "slowdown_req_s": round(statistics.median(slowdown), 3),
            "slowdown_req_s_range": [round(min(slowdown), 3), round(max(slowdown), 3)],
            "slowdown_p50": round(statistics.median(p50), 3),
            "target": "≤ 1.5",
            "met": statistics.median(slowdown) <= 1.5,
        }
    figures["queries_explained"] = sum(len(entries) for entries in plans.values())
    figures["seq_scans_on_large_tables"] = {
        "found": seq_scans,
        "measured": len(seq_scans),
        "target": "none",
        "met": not seq_scans and figures["queries_explained"] > 0,
    }
    figures["plans"] = plans
    return figures


def explain_reads(state: dict) -> tuple[dict, list]:
    """Every query the read pages run when they are built, with its EXPLAIN plan: each of
    the four pages read anonymously and by a signed-in member, and the two API pages with
    a personal token, each with every read cache emptied first (`data.clear_read_caches`:
    the page cache, and the rows and rendered posts readers share, which would otherwise
    answer the very queries that read a thread's posts); captured through Django's test
    client on the current database. Also every sequential scan of a table with more than
    SMALL_TABLE_ROWS rows. The member and the token exist only for this and are rolled
    back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forum.accounts import services as account_services

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace"
        )
        sizes = dict(cursor.fetchall())
    plans, seq_scans = {}, []
    with transaction.atomic():
        member = account_services.user_create(username="bench-explain-member")
        _, token = account_services.token_create(user=member, name="explain")
        signed_in = Client()
        signed_in.force_login(member)
        readers = {
            "anonymous": Client(),
            "member": signed_in,
            "token": Client(HTTP_AUTHORIZATION=f"Bearer {token}"),
        }
        for reader, client in readers.items():
            for key, request in read_requests(state).items():
                if reader == "token" and not request.path.startswith("/api/"):
                    continue
                client.get(request.path)  # what a process sets up once, as its first read
                data.clear_read_caches()
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(request.path).status_code == 200, (reader, request.path)
                page = f"{reader}:{key}"
                plans[page] = []
                for query in captured.captured_queries:
                    if query["sql"].lstrip().upper().startswith("SELECT"):
                        plan = _explain(query["sql"])
                        plans[page].append({"sql": query["sql"][:2000], "plan": plan})
                        seq_scans.extend(_large_seq_scans(plan, sizes, page))
        transaction.set_rollback(True)
    return plans, seq_scans


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _large_seq_scans(plan: str, sizes: dict, page: str) -> list[dict]:
    """The sequential scans in `plan` of tables with more than SMALL_TABLE_ROWS rows."""
    found = []
    for line in plan.splitlines():
        if "Seq Scan on " in line:
            table = line.split("Seq Scan on ")[1].split()[0]
            if sizes.get(table, 0) > SMALL_TABLE_ROWS:
                found.append({"page": page, "table": table, "line": line.strip()})
    return found
