"""One signed POST to a webhook, over the standard library's http.client.

http.client rather than urllib.request: the connection must go to an address the SSRF
guard approved, never to whatever the host name resolves to a moment later, and urllib
would also follow redirects (to anywhere, private addresses included) and pick up proxy
settings from the environment. Here the socket is opened to the approved address while
the Host header, TLS SNI and certificate check still use the host name."""

import http.client
import socket
import ssl
from dataclasses import dataclass

TIMEOUT_SECONDS = 5
USER_AGENT = "Parley-Webhooks/1"
# Each address may take the whole timeout to refuse; a few keep the attempt well inside
# the task's time limit.
MAX_ADDRESSES_TRIED = 3


class TransportError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sent:
    status_code: int


def _connect_first(addresses: list[str], port: int, timeout: float) -> socket.socket:
    last_error: OSError | None = None
    for address in addresses[:MAX_ADDRESSES_TRIED]:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect_first(self._addresses, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        raw = _connect_first(self._addresses, self.port, self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def post(
    *,
    scheme: str,
    host: str,
    port: int,
    target: str,
    addresses: list[str],
    body: bytes,
    headers: dict[str, str],
) -> Sent:
    """POST `body` to one of `addresses` (tried in order) as `host`. Redirects are not
    followed. Raises TransportError, with a short reason, when no HTTP answer came."""
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, addresses=addresses, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", target, body=body, headers=headers)
        # Only the status matters; the body is never read, so a receiver that trickles
        # one out cannot hold the worker.
        return Sent(status_code=connection.getresponse().status)
    except TimeoutError as exc:
        raise TransportError(f"No answer within {TIMEOUT_SECONDS} s.") from exc
    except ssl.SSLError as exc:
        raise TransportError(f"TLS failed: {exc.reason or exc}.") from exc
    except ConnectionRefusedError as exc:
        raise TransportError("Connection refused.") from exc
    except http.client.HTTPException as exc:
        raise TransportError(f"Not a valid HTTP answer ({type(exc).__name__}).") from exc
    except OSError as exc:
        raise TransportError(f"Connection failed: {exc.strerror or exc}.") from exc
    finally:
        connection.close()
