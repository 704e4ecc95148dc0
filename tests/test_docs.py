"""The documentation names only what exists, and documents every setting the environment feeds.

README.md and docs/*.md are read as a newcomer would follow them: a `make` target, a
management command or an environment variable they name must be there to use, and every
variable the settings read must appear in docs/configuration.md.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONFIGURATION = ROOT / "docs" / "configuration.md"

# Read by Django, Celery or the shell rather than by Parley's own code.
EXTERNAL_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PGPASSWORD"}

_MAKE_USE = re.compile(r"\bmake ([a-z][a-z-]*)")
_FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
_COMMAND_USE = re.compile(r"manage\.py ([a-z_]+)")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_UPPER_NAME = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{2,})\b")
_ASSIGNED = re.compile(r"(?:^|[\s(])([A-Z][A-Z0-9_]*)=")
_ENV_READ = re.compile(
    r"""(?:env_(?:str|bool|int|choice|list)\(\s*|environ\.get\(\s*|environ\[\s*)["']([A-Z][A-Z0-9_]*)["']"""
)
_SOURCES = ("forum", "moderation", "benchmarks", "tests")


def _doc_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _code(text: str) -> str:
    """The text's code blocks and code spans: where commands are written to be typed."""
    return "\n".join([*_FENCED.findall(text), *_CODE_SPAN.findall(_FENCED.sub("", text))])


@cache
def _make_targets() -> frozenset[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))


@cache
def _make_variables() -> frozenset[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assigned = re.findall(r"^([A-Z][A-Z0-9_]*) \?=", makefile, flags=re.MULTILINE)
    used = re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)|\$\(if \$\(([A-Z][A-Z0-9_]*)\)", makefile)
    return frozenset(assigned) | {name for pair in used for name in pair if name}


@cache
def _variables_read(*folders: str) -> frozenset[str]:
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            names.update(_ENV_READ.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def _settings_variables() -> frozenset[str]:
    return _variables_read("forum/settings")


def _known_variables() -> frozenset[str]:
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_variables = set(re.findall(r"\b([A-Z][A-Z0-9_]*)=", ci_script))
    return _variables_read(*_SOURCES) | _make_variables() | ci_variables | EXTERNAL_VARIABLES


@cache
def _names_in_code() -> frozenset[str]:
    """Upper-case names the code defines or uses: Django settings, constants, SQL words."""
    names: set[str] = set()
    # The project's code only: a name that stood only in a test would vouch for itself.
    for folder in ("forum", "moderation", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"\b[A-Z][A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    return frozenset(names)


def _variables_named(text: str) -> set[str]:
    """Environment variables a text names: assigned in a shell line (`NAME=value`), or
    written alone in a code span, as the configuration tables and the prose write them."""
    named = set(_ASSIGNED.findall(text))
    for span in _CODE_SPAN.findall(text):
        words = span.split()
        if len(words) == 1 and _UPPER_NAME.fullmatch(span.split("=")[0]):
            named.add(span.split("=")[0])
    return {name for name in named if "_" in name or name in _make_variables()}


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_make_target_named_exists(doc):
    missing = set(_MAKE_USE.findall(_code(_doc_text(doc)))) - _make_targets()
    assert not missing, f"{doc.name} names make targets the Makefile lacks: {sorted(missing)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_management_command_named_exists(doc):
    commands = set(get_commands())
    named = set(_COMMAND_USE.findall(_doc_text(doc)))
    assert named <= commands, f"{doc.name} names unknown commands: {sorted(named - commands)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_environment_variable_named_is_read(doc):
    named = _variables_named(_doc_text(doc))
    # A name in a code span may be a Django setting or a constant the text points at;
    # it must then exist under that name in settings or the code.
    unknown = {
        name
        for name in named - _known_variables()
        if not hasattr(settings, name) and name not in _names_in_code()
    }
    assert not unknown, f"{doc.name} names variables nothing reads: {sorted(unknown)}"


def _configured_variables() -> set[str]:
    """The variables docs/configuration.md's tables give a row of their own."""
    rows = re.findall(r"^\| ([^|]+) \|", _doc_text(CONFIGURATION), flags=re.MULTILINE)
    return {name for cell in rows for name in _CODE_SPAN.findall(cell)}


def test_every_variable_the_settings_read_is_documented():
    documented = _configured_variables()
    undocumented = _settings_variables() - documented
    assert not undocumented, f"docs/configuration.md lacks: {sorted(undocumented)}"


def test_the_checks_see_what_they_look_for():
    """The readers above find real uses, so an empty result is never mistaken for a pass."""
    assert {"run", "test", "bench"} <= _make_targets()
    assert {"DATABASE_URL", "REDIS_URL", "TRUST_1_POSTS", "DATABASE_PREPARED_STATEMENTS"} <= (
        _settings_variables()
    )
    assert {"PORT", "PYTEST_ARGS", "QUICK"} <= _make_variables()
    sample = "Set `REDIS_URL` and `FOO_BAR`; run `make run PORT=8080` or `CI=true make test`."
    assert _variables_named(sample) == {"REDIS_URL", "FOO_BAR", "PORT"}
    assert _COMMAND_USE.findall("python manage.py load_demo") == ["load_demo"]
    assert _MAKE_USE.findall(_code("to make accounts in bulk, run `make test`")) == ["test"]
    assert {"DEBUG", "REDIS_URL", "PORT"} <= _configured_variables()
