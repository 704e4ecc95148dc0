"""Throw-away servers and processes for the fault tests. Nothing here touches the shared
PostgreSQL cluster or Redis server: a test that stops a server starts its own first."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import fallbacks

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PARLEY_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing answered on 127.0.0.1:{port} within {timeout}s")


def require_postgres_binaries() -> None:
    if not (PG_BIN / "initdb").exists():
        fallbacks.skip("PostgreSQL server binaries", f"they are not in {PG_BIN}")


class PrivatePostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port, run as the
    `postgres` user (the server refuses root). Trust authentication on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self.as_root:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.dir
        )

    def init(self) -> "PrivatePostgres":
        self._run(
            PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        return self.start()

    def start(self) -> "PrivatePostgres":
        options = (
            f"'-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off'"
        )
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            self.dir / "log",
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server of its own on a free port, keeping nothing on disk: stopped, it
    loses what it held, as a Redis that went away would. `start` again reuses the port,
    so that clients configured with `url` find it back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=10)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def django_env(**extra: str) -> dict[str, str]:
    """The environment for a child Django process: test settings, no inherited
    DATABASE_URL/REDIS_URL unless given."""
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "forum.settings.test", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def django_script(env: dict[str, str], code: str) -> dict:
    """Run `code` in a child Django process; it prints one JSON object as its last line."""
    output = manage(env, "shell", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def start_gunicorn(env: dict[str, str], port: int, log: Path, *, workers: int = 2):
    """gunicorn serving the forum on 127.0.0.1:`port`, returned once its workers answer."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "forum.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=60)
        _wait_until_served(f"http://127.0.0.1:{port}/api/v1/categories/", answers=workers * 3)
    except RuntimeError:
        process.kill()
        raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
    return process


def _wait_until_served(url: str, *, answers: int, timeout: float = 90) -> None:
    """The master listens before its workers have imported Django; wait for answers."""
    import httpx

    deadline = time.monotonic() + timeout
    served = 0
    while served < answers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 in {timeout}s")
        try:
            served += httpx.get(url, timeout=10).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.2)


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
