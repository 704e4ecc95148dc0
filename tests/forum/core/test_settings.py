"""Settings from the environment, and the production checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3J9-vQ2_pX7zL5mN8rT1wY4uE6iO0aS3dF5gH7jK9lZ2xC4vB6nM8qW1eR3tY5uI7o"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        "--settings=forum.settings.prod",
        SECRET_KEY=STRONG_KEY,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_deploy_check_warns_behind_a_proxy_whose_forwarded_addresses_are_not_trusted():
    deploy_check = ("check", "--deploy", "--fail-level", "WARNING")
    deploy_check += ("--settings=forum.settings.prod",)

    untrusted = run_manage(*deploy_check, SECRET_KEY=STRONG_KEY, BEHIND_TLS_PROXY="true")
    trusted = run_manage(
        *deploy_check, SECRET_KEY=STRONG_KEY, BEHIND_TLS_PROXY="true", TRUSTED_PROXY_COUNT="1"
    )

    assert untrusted.returncode != 0
    assert "parley.W001" in untrusted.stderr + untrusted.stdout
    assert trusted.returncode == 0, trusted.stderr + trusted.stdout


def test_the_development_secret_key_is_refused_when_debug_is_off():
    result = run_manage("check", "--settings=forum.settings.prod")

    assert result.returncode != 0
    assert "SECRET_KEY is the development default while DEBUG is off" in result.stderr


def test_a_malformed_boolean_is_a_clear_error():
    result = run_manage("check", DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_trusted_proxy_count_comes_from_the_environment_and_drf_follows_it():
    shown = "from django.conf import settings as s; "
    shown += "print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'])"

    result = run_manage("shell", "--no-imports", "-c", shown, TRUSTED_PROXY_COUNT="2")
    refused = run_manage("check", TRUSTED_PROXY_COUNT="-1")

    assert result.stdout.split() == ["2", "2"], result.stderr
    assert refused.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be at least 0" in refused.stderr


def test_without_redis_the_start_up_log_says_tasks_run_in_process():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Celery tasks run in-process (eager mode)") == 1


def test_every_periodic_task_names_a_registered_task():
    from django.conf import settings

    from forum.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)


def _database_settings(**env: str) -> dict:
    """The default database's settings as a process with `env` reads them."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "forum.settings.dev", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_behind_a_transaction_pooler_nothing_is_kept_on_a_server_session():
    url = "postgres://parley:secret@pooler.internal:6432/parley"
    straight = _database_settings(DATABASE_URL=url, DATABASE_POOLER="")
    pooled = _database_settings(DATABASE_URL=url, DATABASE_POOLER="transaction")
    tracked = _database_settings(
        DATABASE_URL=url, DATABASE_POOLER="Transaction", DATABASE_PREPARED_STATEMENTS="true"
    )
    session = _database_settings(DATABASE_URL=url, DATABASE_POOLER="session")

    # Straight to PostgreSQL, or through a session-mode pooler: psycopg prepares at first
    # use what may be prepared, and server-side cursors stream QuerySet.iterator().
    for database in (straight, session):
        assert database["OPTIONS"]["prepare_threshold"] == 0
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    # A pooler that keeps track of prepared statements (PgBouncer 1.21+) may have them.
    assert tracked["OPTIONS"]["prepare_threshold"] == 0
    assert tracked["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_an_unknown_pooler_mode_is_a_clear_error():
    result = run_manage("check", DATABASE_POOLER="statement")

    assert result.returncode != 0
    assert "DATABASE_POOLER must be one of none, session, transaction" in result.stderr
