"""The layers hold: forum.core <- accounts <- threads <- notifications | webhooks <-
moderation <- the composition layer (web pages, API URLs, settings, the Celery app).
import-linter reads every import, those inside functions included, so a cycle cannot
hide in one. The contract is in pyproject.toml."""

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
    assert "1 kept, 0 broken" in result.stdout


def test_the_check_fails_when_a_lower_layer_imports_moderation(tmp_path):
    """The check is not vacuous: the same contract over a copy of the tree with one
    import of moderation added to forum.threads, inside a function, is broken."""
    copy = tmp_path / "tree"
    for name in ("forum", "moderation"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    with open(copy / "forum" / "threads" / "services.py", "a") as module:
        module.write(
            textwrap.dedent(
                """

                def _sneaky():
                    from moderation import pipeline

                    return pipeline
                """
            )
        )
    result = _lint_imports(cwd=copy)
    assert result.returncode != 0
    assert "forum.threads.services -> moderation.pipeline" in result.stdout


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
