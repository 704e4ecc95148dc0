"""Soak: a steady mixed load (90% reads, 10% writes) against gunicorn and a Celery worker
on 127.0.0.1 for a fixed time, then the account: server errors, the memory (RSS) of the
web and worker processes over time, and whether every accepted write is there.

Usage: python -m benchmarks.soak [--minutes 10] [--rate 15] [--json PATH]

With DATABASE_URL set it creates a database of its own on that server (`<name>_soak`,
dropped afterwards); without it, a SQLite file in a temporary folder. With REDIS_URL set a
real worker runs the moderation checks and fan-out; without it tasks run in-process inside
gunicorn, and the report says so. The run is bounded in time (--minutes, plus at most two
minutes to set up and one to drain) and in requests (--rate x duration). Exit status 1 if
any request got a 5xx or an accepted write is missing.
"""

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.servers import celery_worker_command

ROOT = Path(__file__).resolve().parent.parent

SEED = """
import json
from forum.accounts.models import User
from forum.accounts.services import token_create
from forum.threads import services
from forum.threads.models import Category

members, tokens = [], []
for n in range({members}):
    user = User.objects.create_user(
        username=f"soak{{n}}", email=f"soak{{n}}@example.test", password="soak passphrase",
        trust_level=3,
    )
    members.append(user)
    tokens.append(token_create(user=user, name="soak")[1])
categories = [
    Category.objects.create(slug=f"soak-{{n}}", name=f"Soak {{n}}") for n in range(3)
]
threads = []
for n in range({threads}):
    thread = services.thread_create(
        author=members[n % len(members)], category=categories[n % 3],
        title=f"Soak thread {{n}}", body=f"Opening post {{n}} of the soak.",
    )
    for r in range(5):
        services.post_create(
            author=members[(n + r + 1) % len(members)],
            thread=thread,
            body=f"Seed reply {{r}} in thread {{n}}.",
        )
    threads.append({{"id": thread.pk, "slug": thread.slug}})
print(json.dumps({{"tokens": tokens, "threads": threads,
                  "categories": [c.slug for c in categories]}}))
"""

WORDS = [
    "analysis", "evidence", "market", "signal", "argument", "claim", "source", "model",
    "revision", "threshold", "reading", "paragraph", "context", "measure", "outcome",
    "review", "policy", "change",
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=15.0, help="requests per second, total")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "soak.json"))
    args = parser.parse_args()
    if not 0 < args.minutes <= 240:
        parser.error("--minutes must be between 0 and 240")

    with Environment() as env:
        env.web_workers = args.web_workers
        env.prepare()
        report = Soak(env, args).run()
    report["database"] = env.database_label
    report["worker"] = "celery worker" if env.redis_url else "none (tasks ran in gunicorn)"
    _print(report)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    print(f"\nfigures written to {path}")
    failed = report["errors_5xx"] or report["writes"]["missing"] or report["transport_errors"]
    return 1 if failed else 0


# --- processes and database ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Environment:
    """A database of its own, migrated and seeded; gunicorn and (with Redis) a worker."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="parley-soak-"))
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.server_url = os.environ.get("DATABASE_URL", "")
        self.processes: dict[str, subprocess.Popen] = {}
        self.port = _free_port()
        self.db_name = ""
        if self.server_url.startswith(("postgres://", "postgresql://")):
            parsed = urlparse(self.server_url)
            self.db_name = f"{parsed.path.lstrip('/') or 'parley'}_soak"
            self.database_url = parsed._replace(path=f"/{self.db_name}").geturl()
            self.database_label = f"PostgreSQL ({parsed.hostname}:{parsed.port or 5432})"
        else:
            self.database_url = ""
            self.database_label = "SQLite (temporary file)"

    def child_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            {
                # Test settings: no HTTPS redirect, static files from the apps, no API
                # throttling in the way of a load test; the rest is production's shape.
                "DJANGO_SETTINGS_MODULE": "forum.settings.test",
                "PARLEY_VAR_DIR": str(self.tmp / "var"),
                "TEST_CONN_MAX_AGE": "60",
                "PARLEY_CELERY_EAGER": "false" if self.redis_url else "true",
                "PYTHONPATH": str(ROOT),
                "LOG_LEVEL": "WARNING",
            }
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def __enter__(self) -> "Environment":
        return self

    def __exit__(self, *exc_info) -> None:
        for name, process in reversed(list(self.processes.items())):
            _stop(process, name)
        if self.db_name:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _admin_sql(self, statement: str) -> None:
        import psycopg

        parsed = urlparse(self.server_url)
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(statement)

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare(self, members: int = 20, threads: int = 30) -> None:
        started = time.monotonic()
        if self.db_name:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._admin_sql(f'CREATE DATABASE "{self.db_name}"')
        print(f"database: {self.database_label}; migrating ...", file=sys.stderr)
        self.manage("migrate", "--noinput")
        self.manage("install_default_rules")
        if self.redis_url:
            self._start_worker()  # before seeding, so the seed's checks run as they come
        output = self.manage("shell", "-c", SEED.format(members=members, threads=threads))
        self.seed = json.loads(output.strip().splitlines()[-1])
        self._start_gunicorn()
        print(f"ready in {time.monotonic() - started:.0f}s", file=sys.stderr)

    def _start_gunicorn(self) -> None:
        self.processes["web"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "forum.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--timeout",
                "30",
                "--access-logfile",
                "-" if os.environ.get("SOAK_ACCESS_LOG") else os.devnull,
            ],
            cwd=ROOT,
            env=self.child_env(),
            stdout=(self.tmp / "web.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import httpx

        deadline = time.monotonic() + 90
        ok = 0
        while ok < 3 * self.web_workers:
            if time.monotonic() > deadline or self.processes["web"].poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + (self.tmp / "web.log").read_text())
            try:
                ok += httpx.get(f"{self.base_url}/api/v1/categories/", timeout=10).is_success
            except httpx.HTTPError:
                time.sleep(0.3)

    def _start_worker(self) -> None:
        self.processes["worker"] = subprocess.Popen(
            celery_worker_command(
                f"soak-{os.getpid()}@127.0.0.1", pool="prefork", concurrency=2, heartbeat=True
            ),
            cwd=ROOT,
            env=self.child_env(),
            stdout=(self.tmp / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    web_workers = 2

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def query(self, sql: str) -> list[tuple]:
        """Read the soak database directly, outside the application."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as c:
                return c.execute(sql).fetchall()
        import sqlite3

        with sqlite3.connect(self.tmp / "var" / "parley.sqlite3") as c:
            return c.execute(sql).fetchall()

    def queue_depth(self) -> int:
        if not self.redis_url:
            return 0
        import redis

        client = redis.Redis.from_url(self.redis_url)
        return client.llen("celery") + client.hlen("unacked")


def _stop(process: subprocess.Popen, name: str) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _rss_mb(process: subprocess.Popen) -> float:
    """Resident memory of a process and its children (gunicorn's and celery's workers)."""
    import psutil

    try:
        root = psutil.Process(process.pid)
        total = root.memory_info().rss
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += child.memory_info().rss
        return round(total / 2**20, 1)
    except psutil.NoSuchProcess:
        return 0.0


# --- the load -----------------------------------------------------------------------------


class Soak:
    def __init__(self, env: Environment, args) -> None:
        self.env = env
        self.args = args
        self.seconds = args.minutes * 60
        self.max_requests = int(args.rate * self.seconds) + args.clients
        self.lock = threading.Lock()
        self.sent = 0
        self.results: list[tuple[str, int, float]] = []  # kind, status (0: no answer), s
        self.accepted: list[str] = []
        self.threads = list(env.seed["threads"])
        self.samples: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> dict:
        print(
            f"soak: {self.args.minutes:g} min at {self.args.rate:g} req/s, "
            f"at most {self.max_requests} requests",
            file=sys.stderr,
        )
        started = time.monotonic()
        self.start_time = started
        self.deadline = started + self.seconds
        clients = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.args.clients)
        ]
        for client in clients:
            client.start()
        while time.monotonic() < self.deadline and any(c.is_alive() for c in clients):
            self._sample(started)
            self.stop.wait(min(self.args.sample_seconds, max(0, self.deadline - time.monotonic())))
        self.stop.set()
        for client in clients:
            client.join(timeout=30)
        self._sample(started)
        load_seconds = time.monotonic() - started
        drained = self._drain()
        return self._report(load_seconds, drained)

    def _sample(self, started: float) -> None:
        sample = {
            "t": round(time.monotonic() - started, 1),
            "web_rss_mb": _rss_mb(self.env.processes["web"]),
        }
        if "worker" in self.env.processes:
            sample["worker_rss_mb"] = _rss_mb(self.env.processes["worker"])
        sample["queued_tasks"] = self.env.queue_depth()
        with self.lock:
            sample["requests"] = len(self.results)
        self.samples.append(sample)
        print(f"  {sample}", file=sys.stderr)

    def _next_slot(self) -> float | None:
        """Pace all clients together to the target rate; None once the budget is spent."""
        with self.lock:
            if self.sent >= self.max_requests:
                return None
            self.sent += 1
            return self.start_time + self.sent / self.args.rate

    def _client(self, number: int) -> None:
        import httpx

        rng = random.Random(number)
        tokens = self.env.seed["tokens"]
        with httpx.Client(base_url=self.env.base_url, timeout=15) as http:
            while not self.stop.is_set():
                slot = self._next_slot()
                if slot is None or slot > self.deadline:
                    return
                pause = slot - time.monotonic()
                if pause > 0 and self.stop.wait(pause):
                    return
                kind, method, path, body, token = self._pick(rng, tokens)
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                began = time.perf_counter()
                try:
                    response = http.request(method, path, json=body, headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                elapsed = time.perf_counter() - began
                with self.lock:
                    self.results.append((kind, status, elapsed))
                    if kind.startswith("write") and status == 201:
                        self.accepted.append(body["body"])
                        if kind == "write-thread":
                            created = response.json()
                            self.threads.append({"id": created["id"], "slug": created["slug"]})

    def _pick(self, rng: random.Random, tokens: list[str]):
        with self.lock:
            thread = rng.choice(self.threads)
        if rng.random() < 0.10:
            token = rng.choice(tokens)
            marker = f"soak-{uuid.uuid4().hex}"
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
            body = f"{marker} {text}"
            if rng.random() < 0.1:
                category = rng.choice(self.env.seed["categories"])
                data = {"category": category, "title": f"Soak {marker[-8:]}", "body": body}
                return "write-thread", "POST", "/api/v1/threads/", data, token
            path = f"/api/v1/threads/{thread['id']}/posts/"
            return "write-reply", "POST", path, {"body": body}, token
        choice = rng.random()
        if choice < 0.30:
            return "read-thread-page", "GET", f"/t/{thread['id']}/{thread['slug']}/", None, None
        if choice < 0.55:
            return "read-api-posts", "GET", f"/api/v1/threads/{thread['id']}/posts/", None, None
        if choice < 0.70:
            return "read-home", "GET", "/", None, None
        if choice < 0.85:
            return "read-api-threads", "GET", "/api/v1/threads/", None, None
        category = rng.choice(self.env.seed["categories"])
        if choice < 0.93:
            return "read-category", "GET", f"/c/{category}/", None, None
        return "read-notifications", "GET", "/api/v1/notifications/", None, rng.choice(tokens)

    def _drain(self, timeout: float = 60) -> bool:
        """Wait for the worker to finish what the load enqueued (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.env.queue_depth() == 0:
                return True
            time.sleep(1)
        return False

    def _report(self, load_seconds: float, drained: bool) -> dict:
        statuses = Counter(status for _, status, _ in self.results)
        latency = defaultdict(list)
        for kind, status, elapsed in self.results:
            if status:
                latency[kind].append(elapsed * 1000)
        stored = {
            row[0].split(" ", 1)[0]
            for row in self.env.query(
                "SELECT body_source FROM threads_post WHERE body_source LIKE 'soak-%'"
            )
        }
        accepted = {body.split(" ", 1)[0] for body in self.accepted}
        unchecked = self.env.query(
            "SELECT count(*) FROM threads_postrevision WHERE checked_at IS NULL"
        )[0][0]
        report = {
            "minutes": round(load_seconds / 60, 2),
            "requests": len(self.results),
            "requests_per_second": round(len(self.results) / load_seconds, 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
            "transport_errors": statuses.get(0, 0),
            "latency_ms": {
                kind: {
                    "n": len(values),
                    "p50": round(statistics.median(values), 1),
                    "p95": round(_percentile(values, 95), 1),
                    "p99": round(_percentile(values, 99), 1),
                }
                for kind, values in sorted(latency.items())
            },
            "writes": {
                "accepted": len(accepted),
                "present": len(accepted & stored),
                "missing": len(accepted - stored),
            },
            "queue_drained": drained,
            "unchecked_revisions_after_drain": unchecked,
            "rss_samples": self.samples,
        }
        for name in ("web_rss_mb", "worker_rss_mb"):
            series = [(s["t"], s[name]) for s in self.samples if name in s]
            if len(series) >= 3:
                report[name.replace("_mb", "_growth")] = _growth(series)
        return report


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _growth(series: list[tuple[float, float]]) -> dict:
    """First, last and peak RSS, and the trend over the second half of the run (after
    warm-up: imports, caches and pools filling), in MB per 10 minutes."""
    half = [point for point in series if point[0] >= series[-1][0] / 2] or series
    slope = 0.0
    if len(half) >= 2:
        xs, ys = [p[0] for p in half], [p[1] for p in half]
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        if spread:
            slope = sum((x - mean_x) * (y - mean_y) for x, y in half) / spread
    return {
        "first_mb": series[0][1],
        "last_mb": series[-1][1],
        "peak_mb": max(p[1] for p in series),
        "second_half_trend_mb_per_10min": round(slope * 600, 1),
    }


def _print(report: dict) -> None:
    print(
        f"\nsoak: {report['minutes']} min, {report['requests']} requests "
        f"({report['requests_per_second']}/s) on {report['database']}, worker: {report['worker']}"
    )
    print(
        f"statuses: {report['statuses']}  5xx: {report['errors_5xx']}  "
        f"no answer: {report['transport_errors']}"
    )
    writes = report["writes"]
    print(
        f"writes: {writes['accepted']} accepted, {writes['present']} present, "
        f"{writes['missing']} missing; queue drained: {report['queue_drained']}; "
        f"unchecked revisions: {report['unchecked_revisions_after_drain']}"
    )
    print(f"\n{'kind':<20} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, figures in report["latency_ms"].items():
        print(
            f"{kind:<20} {figures['n']:>6} {figures['p50']:>8} {figures['p95']:>8} "
            f"{figures['p99']:>8}"
        )
    for name in ("web_rss_growth", "worker_rss_growth"):
        if name in report:
            g = report[name]
            print(
                f"{name:<18} first {g['first_mb']} MB, last {g['last_mb']} MB, peak "
                f"{g['peak_mb']} MB, trend (second half) "
                f"{g['second_half_trend_mb_per_10min']} MB/10 min"
            )


if __name__ == "__main__":
    sys.exit(main())
