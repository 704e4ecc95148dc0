"""Fixtures shared by the moderation tests."""

import pytest
from django.test import Client

from forum.accounts.models import CategoryModerator
from moderation import backtest, content, pipeline, services
from tests.factories import CategoryFactory, ModeratorFactory, make_reply

# A watched-words rule as the admin's try-out form sends it: one field per parameter.
RULE_FORM = {
    "name": "Pills",
    "kind": "watched_words",
    "action": "flag",
    "param_words": "cheap pills",
    "param_patterns": "",
    "param_pattern_timeout_ms": "25",
    "posts": "50",
}


def tried_rule_save(*, actor, **fields):
    """`services.rule_save` after `actor` tried the same kind and parameters, as the
    admin's try-out page does before "Save and enable"."""
    tryout = backtest.rule_try(actor=actor, kind=fields["kind"], params=fields["params"])
    return services.rule_save(actor=actor, tryout_token=tryout.token, **fields)


def watched_words_rule(moderator, words: list[str], *, action: str = "flag", name: str = "words"):
    """Enable a watched-words rule on `words` with `action`, tried and saved through the
    services."""
    return tried_rule_save(
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
def mod_client(moderator):
    """A test client signed in as the moderator."""
    client = Client()
    client.force_login(moderator)
    return client


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


@pytest.fixture
def games(db):
    return CategoryFactory(slug="games", name="Games")


@pytest.fixture
def politics(db):
    return CategoryFactory(slug="politics", name="Politics")


@pytest.fixture
def games_mod(games):
    """A moderator of Games only."""
    mod = ModeratorFactory(username="gamesmod")
    CategoryModerator.objects.create(moderator=mod, category=games)
    return mod
