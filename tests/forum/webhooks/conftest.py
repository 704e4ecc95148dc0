"""A real HTTP receiver on 127.0.0.1 for webhook tests, and helpers shared by them."""

import contextlib
import http.server
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest

from forum.webhooks import tasks
from forum.webhooks.models import Webhook
from forum.webhooks.signing import secret_generate
from tests import fallbacks


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request; answers each with the next of `statuses`, then with
    `default_status`."""

    port: int = 0
    requests: list[ReceivedRequest] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering, to play a slow receiver.
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/parley?source=test"

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else self.default_status


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None):
    """Run a receiver on 127.0.0.1 in a thread, over TLS when given a server context."""
    state = Receiver()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with lock:
                state.requests.append(
                    ReceivedRequest("POST", self.path, dict(self.headers.items()), body)
                )
                status = state.next_status()
            if state.delay:
                time.sleep(state.delay)
            self.send_response(status)
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # A client that refuses our certificate breaks off the handshake; expected.
            pass

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def receiver():
    with serving() as state:
        yield state


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate (and its key) for hooks.example.test."""
    openssl = shutil.which("openssl")
    if openssl is None:
        fallbacks.skip("the openssl command", "it makes the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hooks.example.test",
            "-addext",
            "subjectAltName=DNS:hooks.example.test",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_receiver(certificate):
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with serving(tls) as state:
        yield state


@pytest.fixture
def allow_private(settings):
    """The local receiver lives on 127.0.0.1, which production refuses."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def refuse_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False


@pytest.fixture
def make_webhook(db):
    """Store a webhook as is, bypassing registration's checks, as if it was created
    before a setting changed."""

    def make(*, owner, url: str, events=("post.created",), **fields) -> Webhook:
        return Webhook.objects.create(
            owner=owner, url=url, events=list(events), secret=secret_generate(), **fields
        )

    return make


@pytest.fixture
def retries(monkeypatch):
    """The retries `deliver` enqueues, as (delivery id, countdown), kept instead of run."""
    scheduled: list[tuple[int, int]] = []
    enqueue = tasks.deliver.apply_async

    def keep_retries(args=None, kwargs=None, **options):
        if "countdown" not in options:
            return enqueue(args, kwargs, **options)
        scheduled.append((args[0], options["countdown"]))
        return None

    monkeypatch.setattr(tasks.deliver, "apply_async", keep_retries)
    return scheduled
