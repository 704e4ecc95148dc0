"""Fixtures shared by the moderation tests."""

import pytest

from moderation import content, pipeline, services
from tests.factories import make_reply


def watched_words_rule(moderator, words: list[str], *, action: str = "flag", name: str = "words"):
    """Enable a watched-words rule on `words` with `action`, saved through the services."""
    return services.rule_save(
        actor=moderator,
        name=name,
        kind="watched_words",
        action=action,
        params={"words": words},
        enabled=True,
    )


def flag_cheap_pills(moderator, *, name: str = "No spam") -> None:
    """Enable a watched-words rule that flags posts offering "cheap pills"."""
    watched_words_rule(moderator, ["cheap pills"], name=name)


def checked_reply(*, thread, author, body: str):
    """A reply in `thread`, checked as the worker checks it (safe to run twice)."""
    post = make_reply(thread=thread, author=author, body=body)
    post.refresh_from_db()
    pipeline.revision_check(revision_id=post.current_revision_id)
    return post


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
