"""The layers hold: forum.core <- accounts <- threads <- notifications | webhooks <-
moderation <- the composition layer (web pages, API URLs, settings, the Celery app).
import-linter reads every import, those inside functions included, so a cycle cannot
hide in one. Rendering and sanitising import no Django at all, so that they can be
tested and benchmarked without settings. The contracts are in pyproject.toml."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command, "import-linter is not installed (pip install -e '.[dev]')"
    return subprocess.run(
        [command, "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_layers_hold():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def _tree_with(tmp_path, module_path: str, added: str) -> Path:
    """A copy of the tree and its contracts with `added` appended to `module_path`."""
    copy = tmp_path / "tree"
    for name in ("forum", "moderation"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    with open(copy / module_path, "a") as module:
        module.write(textwrap.dedent(added))
    return copy


def test_the_check_fails_when_a_lower_layer_imports_moderation(tmp_path):
    """The check is not vacuous: the same contract over a copy of the tree with one
    import of moderation added to forum.threads, inside a function, is broken."""
    added = """

        def _sneaky():
            from moderation import pipeline

            return pipeline
        """
    result = _lint_imports(cwd=_tree_with(tmp_path, "forum/threads/services.py", added))
    assert result.returncode != 0
    assert "forum.threads.services -> moderation.pipeline" in result.stdout


def test_the_check_fails_when_rendering_imports_django(tmp_path):
    added = """

        def _shorter(text):
            from django.utils.text import Truncator

            return Truncator(text).chars(10)
        """
    result = _lint_imports(cwd=_tree_with(tmp_path, "forum/threads/rendering.py", added))
    assert result.returncode != 0
    assert "forum.threads.rendering -> django" in result.stdout


@pytest.mark.parametrize("package", ["forum.accounts", "forum.threads", "forum.core"])
def test_no_module_below_moderation_names_it(package):
    """The plain-text side of the same rule, for a reader of this test: no module of the
    lower layers mentions `moderation` in an import statement."""
    folder = ROOT.joinpath(*package.split("."))
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in folder.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.strip().startswith(("from moderation", "import moderation"))
    ]
    assert offenders == []
