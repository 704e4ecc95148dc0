"""Ordinary long-form prose passes every default rule untouched.

The corpus is the demo thread (the project's copy of it) and the posts in
tests/moderation/corpus/, written for this project and in the public domain: essays,
technical notes and letters, with place names and words that hold short rude words
("Scunthorpe", "assassin", "therapist"), doubled letters, hyphenated compounds,
initialisms with dots, letters spaced out for emphasis and code identifiers with
underscores. Every text is rendered as a post is and checked by each rule the default
install enables, as an established member's post (so that rules about new members and
posting rates, which judge the author rather than the text, have nothing to say), with
every other text of the corpus as a near-duplicate candidate. The watched-words rule is
checked a second time with its opt-in spellings switched on.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from forum.threads.demo import DEMO_FILE
from forum.threads.rendering import render_markdown
from moderation.content import PostContent, content_from_html
from moderation.defaults import DEFAULT_RULES
from moderation.rules import CheckContext, ParagraphRule, get_kind
from moderation.rules.near_duplicate import content_signature

CORPUS = Path(__file__).parent / "corpus"

# Whatever the corpus, the spellings a rule can opt into.
OPT_INS = {"transposed_letters": True, "one_letter_off": True}


def _corpus() -> dict[str, str]:
    """Name → Markdown source of each text of the corpus."""
    seed = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    thread = seed["thread"]
    texts = {f"demo revision {number}": body for number, body in enumerate(thread["revisions"], 1)}
    texts.update({f"demo reply {reply['id']}": reply["body"] for reply in thread["replies"]})
    texts.update({path.name: path.read_text(encoding="utf-8") for path in CORPUS.glob("*.md")})
    return texts


TEXTS = _corpus()
CONTENTS = {name: content_from_html(render_markdown(source).html) for name, source in TEXTS.items()}


def _rules(*, opt_ins: bool) -> list[tuple[str, object]]:
    rules = []
    for spec in DEFAULT_RULES:
        params = dict(spec["params"])
        if opt_ins and spec["kind"] == "watched_words":
            params.update(OPT_INS)
        rules.append((spec["name"], get_kind(spec["kind"]).compile(params)))
    return rules


def _context(name: str) -> CheckContext:
    """An established member's post, with every other text as a near-duplicate candidate
    (the demo post's two revisions are one post, so neither is the other's)."""
    others = [
        (number, content_signature(content))
        for number, (other, content) in enumerate(CONTENTS.items())
        if other != name
        and not (name.startswith("demo revision") and other.startswith("demo revision"))
    ]
    return CheckContext(
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        author_trust_level=2,
        author_visible_post_count=50,
        similar_candidates=tuple(others),
    )


def _findings(name: str, content: PostContent, rules) -> list[str]:
    found = []
    for rule_name, compiled in rules:
        if isinstance(compiled, ParagraphRule):
            for paragraph in content.paragraphs:
                found.extend(
                    f"{rule_name!r} on {name}, paragraph {paragraph.index} "
                    f"({paragraph.text[:80]!r}...): {hit.detail} "
                    f"at {[span.text for span in hit.spans]}"
                    for hit in compiled.check_paragraph(paragraph)
                )
        else:
            found.extend(
                f"{rule_name!r} on {name}: {hit.detail} at {[span.text for span in hit.spans]}"
                for hit in compiled.check_post(content, _context(name))
            )
    return found


def test_the_corpus_is_long_form_prose():
    words = sum(len(content.words) for content in CONTENTS.values())
    paragraphs = sum(len(content.paragraphs) for content in CONTENTS.values())

    assert len(TEXTS) >= 8
    assert words > 7000
    assert paragraphs > 120


@pytest.mark.parametrize("opt_ins", [False, True], ids=["default rules", "with opt-in spellings"])
def test_no_default_rule_fires_on_ordinary_prose(opt_ins):
    rules = _rules(opt_ins=opt_ins)

    findings = [
        finding for name, content in CONTENTS.items() for finding in _findings(name, content, rules)
    ]

    assert findings == [], "\n".join(findings)


def test_the_same_rules_fire_on_the_corpus_once_a_watched_word_is_spelled_out():
    """The clean result is not for want of looking: a watched word spelled out in one
    sentence of a corpus text is found there, and nowhere else."""
    name = "letters-to-the-editor.md"
    source = TEXTS[name].replace("I rather like it.", "I rather like c a s i n o  b o n u s.")
    content = content_from_html(render_markdown(source).html)

    findings = _findings(name, content, _rules(opt_ins=True))

    assert len(findings) == 1
    assert "'Spam words'" in findings[0]
    assert 'watched word "casino bonus"' in findings[0]
    assert "['c a s i n o  b o n u s']" in findings[0]
