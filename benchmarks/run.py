"""`make bench`: run the benchmark scenarios and print a table plus a JSON file.

Usage: python -m benchmarks.run [--quick] [--only NAME] [--json PATH]
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()
    run_started = time.perf_counter()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    from benchmarks import (  # noqa: F401  (register their scenarios)
        growth,
        hot_thread,
        readers,
        servers,
        workers,
    )
    from benchmarks import http as http_scenarios  # noqa: F401
    from benchmarks.data import BENCH_DB, clone_database, drop_database
    from benchmarks.scenarios import SCENARIOS

    setup_test_environment()
    from django.db import connection

    # Run against a fresh database of its own (never the real one, nor the test suite's);
    # PARLEY_BENCH_DB names it, so that two runs on one server can keep apart.
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    # A pristine copy, before any scenario writes, for the scenarios that serve their
    # own database through gunicorn.
    connection.close()
    clone_database(BENCH_DB, f"{BENCH_DB}_pristine")
    scenario_started = {}
    results = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "database": connection.vendor,
            "platform": platform.platform(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "scenarios": {},
    }
    # In-process scenarios first (as before), then the served ones: reads before the
    # writes that grow the write threads, the floors' own scenarios before the hot thread
    # and the mixed load, growth (the slowest to prepare) last.
    order = [
        "moderation_check",
        "fan_out",
        "fan_out_worker",
        "signed_in",
        "random_threads",
        "http",
        "workers",
        "reply_with_worker",
        "hot_thread",
        "mixed",
    ]
    ordered = sorted(SCENARIOS.items(), key=lambda item: _position(order, item[0]))
    try:
        for name, function in ordered:
            if args.only and name not in args.only:
                continue
            print(f"running {name} ...", file=sys.stderr)
            scenario_started[name] = time.perf_counter()
            results["scenarios"][name] = function(args.quick)
            results.setdefault("scenario_seconds", {})[name] = round(
                time.perf_counter() - scenario_started[name], 1
            )
    finally:
        servers.stop_shared()
        connection.close()
        for suffix in ("pristine", "web"):
            drop_database(f"{BENCH_DB}_{suffix}")
        connection.creation.destroy_test_db(test_db, verbosity=0)
    results["total_seconds"] = round(time.perf_counter() - run_started, 1)
    _print_table(results)
    _print_targets(results)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {path}")
    return 0


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _print_table(results: dict) -> None:
    print(f"\n{'scenario':<22} {'figure':<34} value")
    for name, figures in results["scenarios"].items():
        for key, value in _flatten(figures):
            if key.startswith("plans."):
                continue  # EXPLAIN plans are in the JSON only
            print(f"{name:<22} {key:<34} {value}")


def _print_targets(results: dict) -> None:
    """One line per figure that has a target (what was measured, the target, ✓ met or ✗
    not) and per reference figure printed beside them."""
    print(f"\n{'figure':<58} {'measured':>10} {'target':>10}  met")
    # (ratios for the floors' scenarios; growth: slowdown, large over small database)
    for name, figures in results["scenarios"].items():
        for path, entry in _with_targets(figures, name):
            measured = entry.get("measured", entry.get("median", entry.get("slowdown_req_s")))
            if entry.get("reference"):
                target, met = "reference", ""
            else:
                target, met = entry["target"], "✓" if entry["met"] else "✗"
            print(f"{path:<58} {measured!s:>10} {target!s:>10}  {met}")


def _with_targets(figures: dict, prefix: str):
    if ("target" in figures and "met" in figures) or figures.get("reference"):
        yield prefix, figures
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _with_targets(value, f"{prefix}.{key}")


def _flatten(figures: dict, prefix: str = ""):
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


if __name__ == "__main__":
    raise SystemExit(main())
