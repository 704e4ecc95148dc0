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

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    from benchmarks.scenarios import SCENARIOS

    setup_test_environment()
    from django.db import connection

    # Run against a fresh database of its own (never the real one, nor the test suite's).
    connection.settings_dict["TEST"]["NAME"] = "parley_bench"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
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
    try:
        for name, function in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            print(f"running {name} ...", file=sys.stderr)
            results["scenarios"][name] = function(args.quick)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    _print_table(results)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {path}")
    return 0


def _print_table(results: dict) -> None:
    print(f"\n{'scenario':<22} {'figure':<34} value")
    for name, figures in results["scenarios"].items():
        for key, value in _flatten(figures):
            print(f"{name:<22} {key:<34} {value}")


def _flatten(figures: dict, prefix: str = ""):
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


if __name__ == "__main__":
    raise SystemExit(main())
