"""Starting and stopping the processes a scenario needs: gunicorn (2 sync workers) and
Celery workers, on 127.0.0.1, against a named benchmark database and the configured
Redis. Every process is started here and stopped by its pid."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_WORKERS = 2
SECRET_KEY = secrets.token_urlsafe(48)


def database_url(name: str) -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{name}"
    )


def process_env(database: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": database_url(database),
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # Pages cached for anonymous readers are keyed by the release: named after the
        # database, the pages of two servers that share Redis and paths (the growth
        # scenario's small and large databases) stay apart.
        "PARLEY_RELEASE": database,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(database: str, *, workers: int = GUNICORN_WORKERS):
    """A gunicorn serving the product (plus the floor views) on a free port; yields the port."""
    port = free_port()
    log = _log_file(f"gunicorn-{port}.log")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "forum.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--backlog=2048",
            "--log-level=warning",
        ],
        env=process_env(database),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_http(port, process)
        yield port
    finally:
        _stop(process)
        log.close()


def _wait_for_http(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/plain/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def celery_command(*arguments: str, app: str = "forum") -> list[str]:
    """The command line of `celery -A app ...` run by this Python."""
    return [sys.executable, "-m", "celery", "-A", app, *arguments]


def celery_worker_command(
    node: str,
    *,
    app: str = "forum",
    pool: str = "solo",
    concurrency: int = 1,
    loglevel: str = "WARNING",
    heartbeat: bool = False,
    include: str = "",
) -> list[str]:
    """A worker named `node` that neither gossips nor asks its peers for state at start
    (each measurement or test runs its own workers), and sends heartbeat events only if
    asked for."""
    return celery_command(
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        "-n",
        node,
        "--without-gossip",
        "--without-mingle",
        *([] if heartbeat else ["--without-heartbeat"]),
        *(["--include", include] if include else []),
        app=app,
    )


@contextmanager
def celery_worker(database: str, *, concurrency: int = 2, name: str = "bench"):
    """One worker host: a prefork Celery worker with `concurrency` processes, consuming
    the default queue. Yields its node name once it answers a ping."""
    from forum.celery import app

    node = f"{name}-{os.getpid()}@127.0.0.1"
    log = _log_file(f"celery-{name}.log")
    process = subprocess.Popen(
        celery_worker_command(
            node,
            app="benchmarks.worker",
            pool="prefork",
            concurrency=concurrency,
            loglevel=os.environ.get("PARLEY_BENCH_WORKER_LOG_LEVEL", "WARNING"),
            heartbeat=True,
        ),
        env=process_env(database),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("celery worker did not answer in time")
        yield node
    finally:
        _stop(process)
        log.close()


def log_path(name: str) -> Path:
    """Where the process `name` (as `gunicorn-<port>.log`, `celery-<name>.log`) logs."""
    return ROOT / "benchmarks" / "results" / "logs" / name


def _log_file(name: str):
    path = log_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w")  # closed by the caller


# Servers shared by the scenarios of one run (started on first use, stopped by the
# runner at the end), so that no scenario pays for starting them again.
_shared = ExitStack()
_running: dict = {}


def shared_gunicorn(database: str) -> int:
    key = ("gunicorn", database)
    if key not in _running:
        _running[key] = _shared.enter_context(gunicorn(database))
    return _running[key]


def shared_celery_worker(database: str) -> str:
    key = ("celery", database)
    if key not in _running:
        _running[key] = _shared.enter_context(celery_worker(database, name="shared"))
    return _running[key]


def shared_celery_worker_running(database: str) -> bool:
    return ("celery", database) in _running


def stop_shared() -> None:
    _shared.close()
    _running.clear()
