"""Fixtures shared by the moderation tests."""

import pytest

from moderation import content


@pytest.fixture
def walks(monkeypatch) -> list[str]:
    """The markup that moderation.content parses from now on, in order (clear it to start
    counting later)."""
    walked: list[str] = []
    real_walk = content._walk
    monkeypatch.setattr(
        content, "_walk", lambda markup, **kw: walked.append(markup) or real_walk(markup, **kw)
    )
    return walked
