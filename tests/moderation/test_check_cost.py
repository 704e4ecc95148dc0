"""What a check does not have to redo: rules a paragraph cannot trigger are not asked,
and their findings are exactly those of asking every rule."""

import pytest

from moderation import pipeline
from moderation.content import content_from_html
from moderation.models import Rule
from moderation.rules import get_kind
from tests.moderation.conftest import tried_rule_save, watched_words_rule

pytestmark = pytest.mark.django_db


def _active(pk: int, kind: str, params: dict) -> pipeline.ActiveRule:
    rule = Rule(pk=pk, name=f"rule {pk}", kind=kind, params=params, action="flag", version=1)
    return pipeline.ActiveRule(
        rule=rule,
        compiled=get_kind(kind).compile(params),
        scope=get_kind(kind).scope,
        category_ids=frozenset(),
    )


class _Asked:
    """Wraps a compiled paragraph rule and records the paragraphs it was asked about."""

    def __init__(self, compiled) -> None:
        self.compiled = compiled
        self.trigger_words = getattr(compiled, "trigger_words", None)
        self.asked: list[int] = []

    def check_paragraph(self, paragraph):
        self.asked.append(paragraph.index)
        return self.compiled.check_paragraph(paragraph)


RULES = [
    (1, "watched_words", {"words": ["zebra", "buy now"]}),
    (2, "watched_words", {"words": ["Ünicorn", "fr33 money"]}),
    (3, "watched_words", {"words": ["quokka"], "patterns": [r"sell\s+now"]}),
    (4, "watched_words", {"words": ["$$$"]}),
    (5, "scorer", {"scorer": "heuristic", "threshold": 0.3}),
]
HTML = (
    "<p>Nothing to see here.</p>\n<p>A ZEBRA and a zebra, buy\nnow.</p>\n"
    "<p>Free money: FREE m0ney and an unicorn.</p>\n<ul>\n<li>sell   now $$$ quokka</li>\n"
    "<li>plain item</li>\n</ul>\n<p>BUY NOW!!! CLICK HERE!!!!</p>\n"
)


def _findings(rules):
    findings, checked, reused = pipeline.run_rules(rules, content_from_html(HTML), None)
    return [(f.rule.pk, f.hit) for f in findings], checked, reused


def test_rules_without_a_trigger_word_in_a_paragraph_are_not_asked_about_it():
    asked = {pk: _Asked(get_kind(kind).compile(params)) for pk, kind, params in RULES}
    rules = [
        pipeline.ActiveRule(
            rule=Rule(pk=pk, name=f"rule {pk}", kind=kind, params=params, action="flag"),
            compiled=asked[pk],
            scope=get_kind(kind).scope,
            category_ids=frozenset(),
        )
        for pk, kind, params in RULES
    ]

    _, checked, _ = _findings(rules)

    # Every (paragraph, rule) pair counts as checked, asked or not.
    assert checked == 6 * len(RULES)
    assert asked[1].asked == [1, 5]  # zebra, buy now
    assert asked[2].asked == [2]  # fr33 money spelt "FREE m0ney", unicorn without the accent
    # A pattern, or a word that starts with a non-word character, can hit any paragraph.
    assert asked[3].asked == asked[4].asked == asked[5].asked == [0, 1, 2, 3, 4, 5]


def test_skipping_rules_finds_exactly_what_asking_every_rule_finds():
    rules = [_active(pk, kind, params) for pk, kind, params in RULES]
    content = content_from_html(HTML)
    every = [
        (active.rule.pk, hit)
        for paragraph in content.paragraphs
        for active in rules
        for hit in active.compiled.check_paragraph(paragraph)
    ]

    findings, _, _ = _findings(rules)

    assert findings == every
    assert {pk for pk, _ in findings} == {1, 2, 3, 4, 5}


def _edit_and_check(post, paragraphs, walks) -> tuple:
    """Edit `post` to `paragraphs`, check it, and return the revision and the markup the
    check walked."""
    from forum.threads import services as thread_services

    revision = thread_services.post_edit(
        editor=post.author, post=post, body="\n\n".join(paragraphs)
    )
    walks.clear()
    pipeline.revision_check(revision_id=revision.pk)
    walked = list(walks)
    walks.clear()
    return revision, walked


def _rules(moderator, *, denied: str) -> None:
    watched_words_rule(moderator, ["zebra"])
    tried_rule_save(
        actor=moderator,
        name="links",
        kind="links",
        params={"deny_domains": [denied]},
        action="flag",
        enabled=True,
    )


PARAGRAPHS = [f"Paragraph {n} is [ordinary](https://fine{n}.example/)." for n in range(30)]
PARAGRAPHS[25] = "A zebra and [a link](https://spam.example/x) late in the post."
# Two paragraphs where there was one, before the hits: every later index moves.
EDITED = [*PARAGRAPHS[:3], "Paragraph three, now in two.", "The second half.", *PARAGRAPHS[4:]]


def test_an_edit_reads_only_the_changed_markup(member, moderator, walks):
    from moderation.models import ContentCheck, Verdict
    from tests.factories import make_thread

    _rules(moderator, denied="other.example")
    post = make_thread(author=member, body="\n\n".join(PARAGRAPHS)).opening_post
    pipeline.revision_check(revision_id=post.current_revision_id)

    revision, walked = _edit_and_check(post, EDITED, walks)

    # The links rule saw every link (from the stored layout) and the watched word's
    # verdict was carried over, so nothing but the changed markup was read.
    assert walked == [
        "<p>Paragraph three, now in two.</p>\n<p>The second half.</p>\n",
    ]
    whole = content_from_html(revision.body_html)
    check = ContentCheck.objects.get(revision=revision)
    assert check.paragraph_fingerprints == [
        pipeline.paragraph_fingerprint(p.text) for p in whole.paragraphs
    ]
    assert check.layout == whole.layout and len(check.layout) == len(whole.paragraphs)
    (verdict,) = Verdict.objects.filter(revision=revision)
    (span,) = verdict.spans
    assert span["paragraph"] == 26 and span["text"] == "zebra"
    assert whole.paragraphs[26].text[span["start"] : span["end"]] == "zebra"


def test_evidence_in_unchanged_paragraphs_points_at_the_edited_text(member, moderator, walks):
    from moderation.models import Verdict
    from tests.factories import make_thread

    _rules(moderator, denied="spam.example")
    post = make_thread(author=member, body="\n\n".join(PARAGRAPHS)).opening_post
    pipeline.revision_check(revision_id=post.current_revision_id)

    revision, walked = _edit_and_check(post, EDITED, walks)

    # The links rule's evidence quotes the text, so the unchanged chunks were read for
    # it: in one walk, after the changed markup.
    assert len(walked) == 2
    texts = [p.text for p in content_from_html(revision.body_html).paragraphs]
    verdicts = Verdict.objects.filter(revision=revision).order_by("rule__name")
    assert [v.rule.name for v in verdicts] == ["links", "words"]
    for verdict in verdicts:
        (span,) = verdict.spans
        assert span["paragraph"] == 26
        assert texts[26][span["start"] : span["end"]] == span["text"]
    assert [v.spans[0]["text"] for v in verdicts] == ["a link", "zebra"]
