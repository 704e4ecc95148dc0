"""A bounded closed-loop HTTP load driver (wrk-style): `concurrency` threads, each with
its own connection, send requests back to back until `requests` have completed or
`max_seconds` have passed. Latencies are per request; throughput is completed
requests over wall time.

Used instead of locust so that a scenario can make each request unique (replies with
their own text) and check every accepted write afterwards, and so that no process has
to start per measurement. It shares the machine's cores with the server; its cost per
request is the same for a scenario and its floor, which flatters ratios slightly."""

import http.client
import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    kind: str = ""


@dataclass
class Result:
    seconds: float
    latencies: list[float]
    statuses: Counter
    errors: int

    @property
    def completed(self) -> int:
        return len(self.latencies)

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "requests": self.completed,
            "req_s": round(self.completed / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(ordered, 50) * 1000, 2),
            "p99_ms": round(percentile(ordered, 99) * 1000, 2),
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "errors": self.errors,
        }


def percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return float("nan")
    # Nearest rank: the smallest value with at least pct% of the samples at or below it.
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def drive(
    port: int,
    make_request: Callable[[int], Request],
    *,
    requests: int,
    max_seconds: float,
    concurrency: int = 4,
    on_response: Callable[[Request, int, bytes], None] | None = None,
) -> Result:
    """Send `requests` requests (fewer if `max_seconds` runs out) from `concurrency`
    connections. `make_request(i)` builds the i-th request; `on_response` sees each
    response (called from the driver's threads)."""
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = [0]
    deadline = time.perf_counter() + max_seconds

    def take() -> int | None:
        with lock:
            if next_index[0] >= requests or time.perf_counter() > deadline:
                return None
            next_index[0] += 1
            return next_index[0] - 1

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, my_statuses = [], Counter()
        while (index := take()) is not None:
            request = make_request(index)
            headers = {"Host": "127.0.0.1", **request.headers}
            started = time.perf_counter()
            try:
                conn.request(request.method, request.path, body=request.body, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors[0] += 1
                continue
            mine.append(time.perf_counter() - started)
            my_statuses[status] += 1
            if on_response is not None:
                on_response(request, status, body)
            if response.will_close:
                conn.close()
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(my_statuses)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(time.perf_counter() - started, latencies, statuses, errors[0])


def summarise_rounds(rounds: list[dict]) -> dict:
    """Medians over rounds of each figure, with the spread (min and max) of req/s."""
    rates = [r["req_s"] for r in rounds]
    statuses: Counter = Counter()
    for r in rounds:
        statuses.update(r["statuses"])
    return {
        "req_s": round(statistics.median(rates), 1),
        "req_s_min": min(rates),
        "req_s_max": max(rates),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 2),
        "rounds": len(rounds),
        "requests": sum(r["requests"] for r in rounds),
        "statuses": dict(statuses),
        "errors": sum(r["errors"] for r in rounds),
    }


def round_ratios(numerators: list[float], denominators: list[float]) -> dict:
    """The per-round ratios of two series measured in the same rounds: their median, which
    is the figure, and their spread."""
    ratios = [n / d for n, d in zip(numerators, denominators, strict=True) if d]
    return {
        "median": round(statistics.median(ratios), 3),
        "min": round(min(ratios), 3),
        "max": round(max(ratios), 3),
    }


def judged(figure: dict, target: float, *, at_most: bool = False) -> dict:
    """`figure` (with its median) held to `target`: at least it, or with `at_most`, at
    most it."""
    met = figure["median"] <= target if at_most else figure["median"] >= target
    return {**figure, "target": f"{'≤' if at_most else '≥'} {target}", "met": met}


def for_reference(figure: dict) -> dict:
    """`figure` printed beside the targets with none of its own."""
    return {**figure, "reference": True}


def rates(rounds: list[dict]) -> list[float]:
    return [r["req_s"] for r in rounds]
