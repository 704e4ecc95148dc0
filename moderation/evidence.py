"""Evidence shown where it is: the spans of a revision's verdicts marked inside the
post's own rendered markup, for the review queue's item page.

A span counts characters of a paragraph's text (moderation.content). `highlight` finds
those characters in the sanitised markup through `content.text_runs` and wraps each
piece of a span that lies in one text node in its own `<mark>`: a span across inline
markup ("cheap <em>pills</em>") becomes one mark per piece, so no tag is ever cut or
reopened. Text it marks is decoded and escaped again, attribute values are escaped, and
everything else is copied from the sanitised markup unchanged: no unsanitised text can
get in. Spans that overlap (two rules on the same words) nest, one mark per span.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Literal

from django.utils.safestring import SafeString, mark_safe

from moderation.content import TextRun, paragraph_number, text_runs

__all__ = ("FiredRule", "Mark", "PostEvidence", "highlight", "post_evidence")

# Marks take one of this many colours, one per rule in turn (the admin CSS defines them).
TONES = 4


@dataclass(frozen=True, slots=True)
class Mark:
    """Characters `start`..`end` of paragraph `paragraph` (`end` None: to its end), to be
    marked as a rule's hit, or as a paragraph members reported. `text`, when given, is
    what the span recorded there (or its beginning): a span whose paragraph no longer
    reads so is not placed. The first piece of the mark carries the id `anchor`."""

    paragraph: int
    start: int
    end: int | None
    anchor: str
    title: str
    tone: int = 0
    text: str | None = None
    kind: Literal["hit", "reported"] = "hit"


@dataclass(frozen=True, slots=True)
class Highlighted:
    """The marked markup, and the anchors of the marks that found their place."""

    markup: str
    placed: frozenset[str]


def highlight(body_html: str, marks: Sequence[Mark]) -> Highlighted:
    """`body_html` (sanitised markup) with every placeable mark wrapped around its text."""
    runs = text_runs(body_html)
    paragraph_texts: dict[int, list[str]] = {}
    for run in runs:
        if run.paragraph is not None:
            paragraph_texts.setdefault(run.paragraph, []).append(run.text)
    texts = {number: "".join(parts) for number, parts in paragraph_texts.items()}
    placeable = [
        placed
        for placed in (_placed(mark, texts.get(mark.paragraph)) for mark in marks)
        if placed is not None
    ]
    by_paragraph: dict[int, list[Mark]] = {}
    for mark in placeable:
        by_paragraph.setdefault(mark.paragraph, []).append(mark)

    out: list[str] = []
    copied = 0
    opened: set[str] = set()
    for run in runs:
        within = _overlapping(run, by_paragraph.get(run.paragraph, ()))
        if not within:
            continue
        out.append(body_html[copied : run.start])
        out.append(_marked_run(run, within, opened))
        copied = run.end
    out.append(body_html[copied:])
    return Highlighted(markup="".join(out), placed=frozenset(m.anchor for m in placeable))


def _placed(mark: Mark, text: str | None) -> Mark | None:
    """`mark` with its end known, if it fits the paragraph's `text`."""
    if text is None:
        return None
    end = len(text) if mark.end is None else mark.end
    if not 0 <= mark.start < end <= len(text):
        return None
    if mark.text is not None and not text[mark.start : end].startswith(mark.text):
        return None
    return replace(mark, end=end)


def _overlapping(run: TextRun, marks: Iterable[Mark]) -> list[Mark]:
    end = run.offset + len(run.text)
    return [mark for mark in marks if mark.start < end and mark.end > run.offset]


def _marked_run(run: TextRun, marks: list[Mark], opened: set[str]) -> str:
    """The run's text, escaped, cut wherever a mark starts or ends; each cut piece is
    wrapped in one mark per span that covers it, outermost first."""
    length = len(run.text)
    cuts = {0, length}
    for mark in marks:
        cuts.update(min(max(edge - run.offset, 0), length) for edge in (mark.start, mark.end))
    edges = sorted(cuts)
    pieces = []
    for start, end in pairwise(edges):
        text = html.escape(run.text[start:end], quote=False)
        covering = [
            mark
            for mark in marks
            if mark.start <= run.offset + start and mark.end >= run.offset + end
        ]
        for mark in reversed(covering):
            text = f"{_open_tag(mark, first=mark.anchor not in opened)}{text}</mark>"
            opened.add(mark.anchor)
        pieces.append(text)
    return "".join(pieces)


def _open_tag(mark: Mark, *, first: bool) -> str:
    anchor = f' id="{html.escape(mark.anchor)}"' if first else ""
    if mark.kind == "hit":
        classes = f"parley-hit parley-tone-{mark.tone % TONES}"
    else:
        classes = "parley-reported"
    return (
        f'<mark class="{classes}"{anchor}'
        f' data-hit="{html.escape(mark.anchor)}" title="{html.escape(mark.title)}">'
    )


@dataclass(frozen=True)
class Finding:
    """What a rule found (one verdict, or several saying the same): the explanation and
    score, the numbers of the spans marked in the post (each mark's first piece has the
    id "evidence-<number>"), and the text of those that could not be placed."""

    detail: str
    score: float
    marked: list[int] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FiredRule:
    """A rule that fired on the revision, with every one of its verdicts."""

    rule_id: int
    name: str
    version: int
    action: str
    tone: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def first_mark(self) -> int | None:
        """The number of the rule's first mark in the post, if any was placed."""
        return min((n for finding in self.findings for n in finding.marked), default=None)


@dataclass(frozen=True)
class PostEvidence:
    """The post's markup with the evidence marked in it, the rules that fired, and the
    reported paragraphs marked (each has the id "reported-<paragraph>")."""

    markup: SafeString
    rules: list[FiredRule]
    reported: frozenset[int] = frozenset()


def post_evidence(
    body_html: str, verdicts: Sequence, *, reports_by_paragraph: Mapping[int, int] | None = None
) -> PostEvidence:
    """Every span of every verdict in `verdicts` (Verdicts with their rule loaded, all of
    the revision whose sanitised markup is `body_html`) marked in that markup, numbered
    in the order of the rules' names; and the rules, each with its verdicts and the
    anchors of their marks. Each paragraph in `reports_by_paragraph` (paragraph: how many
    reports name it) is marked whole, around any hits in it."""
    ordered = sorted(verdicts, key=lambda v: (v.rule.name.casefold(), v.rule_id, v.pk or 0))
    rules: dict[int, FiredRule] = {}
    # Listed first, so a reported paragraph's mark wraps the hits inside it.
    reported = [
        Mark(
            paragraph=paragraph,
            start=0,
            end=None,
            anchor=f"reported-{paragraph}",
            title=f"{count} report{'s' if count != 1 else ''} of paragraph "
            f"{paragraph_number(paragraph)}",
            kind="reported",
        )
        for paragraph, count in sorted((reports_by_paragraph or {}).items())
    ]
    marks: list[Mark] = []
    findings: list[tuple[Finding, list[tuple[int, Mark]]]] = []
    for verdict in ordered:
        fired = rules.get(verdict.rule_id)
        if fired is None:
            fired = rules[verdict.rule_id] = FiredRule(
                rule_id=verdict.rule_id,
                name=verdict.rule.name,
                version=verdict.rule_version,
                action=verdict.get_action_display(),
                tone=len(rules) % TONES,
            )
        # One line per explanation: a watched word found in three paragraphs is three
        # verdicts saying the same thing, listed once with three marks.
        finding = next(
            (f for f in fired.findings if (f.detail, f.score) == (verdict.detail, verdict.score)),
            None,
        )
        if finding is None:
            finding = Finding(detail=verdict.detail, score=verdict.score)
            fired.findings.append(finding)
        title = f"{fired.name} v{fired.version}: {verdict.detail}"
        own = [
            (
                number,
                Mark(
                    paragraph=span.get("paragraph", -1),
                    start=span.get("start", 0),
                    end=span.get("end", 0),
                    anchor=f"evidence-{number}",
                    title=title,
                    tone=fired.tone,
                    text=span.get("text"),
                ),
            )
            for number, span in enumerate(verdict.spans, start=len(marks) + 1)
        ]
        marks.extend(mark for _, mark in own)
        findings.append((finding, own))
    highlighted = highlight(body_html, [*reported, *marks])
    for finding, own in findings:
        for number, mark in own:
            if mark.anchor in highlighted.placed:
                finding.marked.append(number)
            else:
                finding.unplaced.append(mark.text or "")
    # The markup is the sanitised post's, with marks built of escaped values only.
    return PostEvidence(
        markup=mark_safe(highlighted.markup),  # noqa: S308
        rules=list(rules.values()),
        reported=frozenset(m.paragraph for m in reported if m.anchor in highlighted.placed),
    )
