"""The automatic checks: run the enabled rules over a post revision, store one verdict
per hit with its evidence, and combine them into one outcome.

Paragraph-scoped rules run per paragraph of the rendered post; on an edit, paragraphs
whose text is unchanged reuse the previous revision's verdicts (when the rule's version
is unchanged too), so an edit costs in proportion to what changed. Post-scoped rules
(links, flood, near-duplicates, pre-moderation) look at the whole post and its context.
"""

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forum.core.errors import RateLimited, ValidationFailed
from forum.threads import services as thread_services
from forum.threads.models import Category, Post, PostRevision, PostState
from moderation import alerts, check_queries, services
from moderation.check_queries import PreviousCheck
from moderation.content import (
    PostContent,
    content_after_edit,
    content_from_html,
    paragraph_fingerprint,
)
from moderation.log import log_record
from moderation.models import ContentCheck, QueueAlert, ReviewItem, Rule, Verdict
from moderation.rules import CheckContext, Hit, Span, censor_html, get_kind
from moderation.rules.flood import text_hash
from moderation.rules.near_duplicate import content_signature, lsh_band_keys

RECENT_WINDOW = dt.timedelta(hours=1)
DUPLICATE_WINDOW = dt.timedelta(days=7)
MAX_DUPLICATE_CANDIDATES = 20
# An edit changing less than this share of a post's paragraphs keeps its near-duplicate
# signature and is not compared again.
NEAR_DUPLICATE_EDIT_SHARE = 0.3
# Kinds that judge the act of posting rather than the text; an edit does not re-run them.
_POSTING_KINDS = frozenset({"flood", "premoderation"})

# How strongly each action outranks the others when verdicts are combined.
_ACTION_RANK = {
    Rule.Action.CENSOR: 1,
    Rule.Action.FLAG: 2,
    Rule.Action.REQUIRE_APPROVAL: 3,
    Rule.Action.BLOCK: 4,
}


@dataclass(frozen=True)
class ActiveRule:
    rule: Rule
    compiled: object
    scope: str
    category_ids: frozenset[int]

    def applies_to(self, category_id: int) -> bool:
        return not self.category_ids or category_id in self.category_ids


# Compiled rules are immutable and shared between posts and threads. The key carries the
# kind and a digest of the parameters as well as (id, version), so a rule changed behind
# the services' back, or a reused id, can never pick up another rule's compiled form.
_compiled_cache: dict[tuple, object] = {}


# The enabled rules, compiled, as last loaded by this process, and the (id, version, ...)
# rows they were loaded from. Any edit through the services bumps a version, and
# enabling or disabling changes the set, so one cheap query tells whether it is current.
_loaded: dict[str, object] = {"key": None, "rules": []}


def _enabled_rules(key: tuple | None = None) -> list[ActiveRule]:
    # One aggregate row rather than a row per rule: every write through the services
    # bumps `version` and `updated_at`, and enabling or disabling a rule changes the
    # count and the sums, so an unchanged key means an unchanged rule set. A caller that
    # read the key along with something else passes it in.
    if key is None:
        key = check_queries.enabled_rules_key()
    if key != _loaded["key"]:
        rules = Rule.objects.filter(enabled=True).prefetch_related("categories").order_by("pk")
        _loaded["rules"] = [compile_rule(rule) for rule in rules]
        _loaded["key"] = key
    return _loaded["rules"]


def active_rules(*, category_id: int | None = None, actions=None, kinds=None) -> list[ActiveRule]:
    """The enabled rules (optionally only some actions or kinds) that apply in a
    category, compiled once per (rule, version) per process."""
    return [
        active
        for active in _enabled_rules()
        if (actions is None or active.rule.action in actions)
        and (kinds is None or active.rule.kind in kinds)
        and (category_id is None or active.applies_to(category_id))
    ]


def compile_rule(rule: Rule) -> ActiveRule:
    kind = get_kind(rule.kind)
    params_digest = hashlib.blake2b(
        json.dumps(rule.params, sort_keys=True).encode(), digest_size=16
    ).hexdigest()
    key = (rule.pk, rule.version, rule.kind, params_digest)
    compiled = _compiled_cache.get(key)
    if compiled is None:
        compiled = kind.compile(rule.params)
        _compiled_cache[key] = compiled
    category_ids = (
        frozenset(category.pk for category in rule.categories.all()) if rule.pk else frozenset()
    )
    return ActiveRule(rule=rule, compiled=compiled, scope=kind.scope, category_ids=category_ids)


@dataclass
class Finding:
    rule: Rule
    hit: Hit
    paragraph_fingerprint: str = ""


@dataclass(frozen=True)
class Subject:
    """A post whose checks need its context beyond the text: one being checked (`post_id`)
    or one being submitted (no `post_id` yet), with the kinds of rule that will run and,
    for near-duplicate comparison, its signature."""

    author: object
    premoderated: bool
    kinds: frozenset[str]
    post_id: int | None = None
    signature: tuple[int, ...] = ()


def build_context(
    *,
    author,
    category: Category,
    exclude_post_id: int | None,
    now: dt.datetime,
    signature: tuple[int, ...] = (),
    kinds: frozenset[str] = frozenset({"flood", "near_duplicate"}),
) -> CheckContext:
    """The context of one post, read as a batch check reads it (CheckHistory): the
    author's recent posts and text hashes, and near-duplicate candidates for a
    signature. `kinds` narrows what is read to what the rules that run need."""
    subject = Subject(
        author=author,
        premoderated=category.moderation_mode == Category.ModerationMode.PRE_MODERATED,
        kinds=kinds,
        post_id=exclude_post_id,
        signature=signature,
    )
    return CheckHistory([subject], now=now).context_for(subject)


@dataclass(frozen=True)
class Reuse:
    """What a previous check of the same post settled: the paragraphs (by fingerprint)
    it ran the rules in `rule_ids` over, at the same versions, and the verdicts it
    found there, by fingerprint."""

    rule_ids: frozenset[int]
    fingerprints: frozenset[str]
    verdicts: dict[str, list[Verdict]]


class _ParagraphPlan:
    """Which of a list of paragraph rules a paragraph can need: the rules with trigger
    words (see moderation.rules.base.ParagraphRule) indexed by those words, so a
    paragraph's words are looked up once for all of them; the others always run."""

    __slots__ = ("always", "by_word", "words")

    def __init__(self, compiled: tuple) -> None:
        always: list[int] = []
        by_word: dict[str, list[int]] = {}
        for position, rule in enumerate(compiled):
            triggers = getattr(rule, "trigger_words", None)
            if triggers is None:
                always.append(position)
            else:
                for word in triggers:
                    by_word.setdefault(word, []).append(position)
        self.always = tuple(always)
        self.by_word = by_word
        self.words = frozenset(by_word)

    def positions(self, paragraph) -> tuple[int, ...] | list[int]:
        """The positions, in order, of the rules that could hit `paragraph`."""
        if not self.words:
            return self.always
        present = self.words.intersection(paragraph.normalized.word_set)
        if not present:
            return self.always
        chosen = set(self.always)
        for word in present:
            chosen.update(self.by_word[word])
        return sorted(chosen)


# Plans by the compiled rules they were made for (the compiled rules themselves are
# cached for good, so the same rule set finds its plan again).
_plans: dict[tuple, _ParagraphPlan] = {}


def _paragraph_plan(rules: list[ActiveRule]) -> _ParagraphPlan:
    key = tuple(active.compiled for active in rules)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= 64:
            _plans.clear()
        plan = _plans[key] = _ParagraphPlan(key)
    return plan


def run_rules(
    rules: list[ActiveRule],
    content: PostContent,
    context: CheckContext | None,
    *,
    reuse: Reuse | None = None,
    fingerprints: list[str] | None = None,
) -> tuple[list[Finding], int, int]:
    """Run `rules`; return the findings and how many (paragraph, rule) checks were run
    and how many were reused from `reuse` instead.

    A rule whose trigger words a paragraph lacks is counted as run without being asked:
    it could not have hit."""
    findings: list[Finding] = []
    checked = reused = 0
    paragraph_rules = [r for r in rules if r.scope == "paragraph"]
    if fingerprints is None:
        fingerprints = [paragraph_fingerprint(p.text) for p in content.paragraphs]
    settled = [r for r in paragraph_rules if reuse and r.rule.pk in reuse.rule_ids]
    unsettled = [r for r in paragraph_rules if not (reuse and r.rule.pk in reuse.rule_ids)]
    every_plan = _paragraph_plan(paragraph_rules)
    unsettled_plan = _paragraph_plan(unsettled)
    known = reuse.fingerprints if reuse is not None else frozenset()
    carried = reuse.verdicts if reuse is not None else {}
    for paragraph, fingerprint in zip(content.paragraphs, fingerprints, strict=True):
        to_run, plan = paragraph_rules, every_plan
        if fingerprint in known:
            reused += len(settled)
            if fingerprint in carried:
                findings.extend(
                    Finding(verdict.rule, _moved(verdict, paragraph.index), fingerprint)
                    for verdict in carried[fingerprint]
                )
            to_run, plan = unsettled, unsettled_plan
        checked += len(to_run)
        if not to_run:
            continue
        for position in plan.positions(paragraph):
            active = to_run[position]
            hits = active.compiled.check_paragraph(paragraph)
            if hits:
                findings.extend(Finding(active.rule, hit, fingerprint) for hit in hits)
    for active in rules:
        if active.scope == "post" and context is not None:
            findings.extend(
                Finding(active.rule, hit) for hit in active.compiled.check_post(content, context)
            )
    return findings, checked, reused


def _moved(verdict: Verdict, paragraph_index: int) -> Hit:
    """The previous verdict's hit, with its spans pointing at the paragraph's new index."""
    spans = tuple(
        Span(paragraph=paragraph_index, start=s["start"], end=s["end"], text=s["text"])
        for s in verdict.spans
    )
    return Hit(score=verdict.score, spans=spans, detail=verdict.detail)


def strongest(findings: list[Finding]) -> Finding | None:
    if not findings:
        return None
    return max(findings, key=lambda f: (_ACTION_RANK[f.rule.action], f.hit.score))


# --- at submit time -----------------------------------------------------------------


def check_submission(
    *,
    author,
    category: Category,
    html: str,
    post: Post | None = None,
    rules: list[ActiveRule] | None = None,
) -> None:
    """Run the rules whose action is `block` before anything is stored. Raises a
    ForumError naming the rule and what it matched: RateLimited for flood limits,
    ValidationFailed otherwise. `rules`: the category's `active_rules`, when the caller
    has read them already."""
    if rules is None:
        rules = active_rules(category_id=category.pk)
    rules = [r for r in rules if r.rule.action == Rule.Action.BLOCK]
    if post is not None:
        rules = [r for r in rules if r.rule.kind not in _POSTING_KINDS]
    if not rules:
        return
    content = content_from_html(html)
    kinds = frozenset(r.rule.kind for r in rules)
    context = build_context(
        author=author,
        category=category,
        exclude_post_id=post.pk if post else None,
        now=timezone.now(),
        signature=content_signature(content) if "near_duplicate" in kinds else (),
        kinds=kinds,
    )
    findings, _, _ = run_rules(rules, content, context)
    finding = strongest(findings)
    if finding is None:
        return
    evidence = ", ".join(f"“{span.text}”" for span in finding.hit.spans[:3])
    message = f"Refused by the rule “{finding.rule.name}”: {finding.hit.detail}"
    if evidence:
        message += f" ({evidence})"
    if finding.rule.kind == "flood":
        raise RateLimited(message + ".", retry_after=60, code="flood")
    raise ValidationFailed.for_field("body", message + ".", code="blocked_by_rule")


def initial_state(*, author, category: Category, rules=None) -> tuple[str, str]:
    """The state a new post starts in, and why, before the automatic checks run."""
    reason = submission_hold_reason(author=author, category=category, rules=rules)
    return (PostState.PENDING, reason) if reason else (PostState.VISIBLE, "")


def submission_hold_reason(
    *, author, category: Category, rules: list[ActiveRule] | None = None
) -> str:
    """Why a new post from `author` in `category` must wait for approval, or "" when it
    may be visible at once. Evaluated at submit time, without the text. `rules`: the
    category's `active_rules`, when the caller has read them already."""
    if category.moderation_mode == Category.ModerationMode.PRE_MODERATED:
        return "Posts in this category wait for a moderator's approval."
    if rules is None:
        rules = active_rules(category_id=category.pk)
    rules = [r for r in rules if r.rule.kind == "premoderation"]
    if not rules:
        return ""
    context = CheckContext(
        author_trust_level=author.trust_level,
        author_visible_post_count=author.post_count,
        category_premoderated=False,
        now=timezone.now(),
        author_recent_post_times=(),
        author_recent_text_hashes=(),
        similar_candidates=(),
    )
    empty = content_from_html("")
    for active in rules:
        if active.compiled.check_post(empty, context):
            return "Posts by new members wait for a moderator's approval."
    return ""


# --- after commit -------------------------------------------------------------------


def revision_check(*, revision_id: int) -> str:
    """Check one revision, store its verdicts and apply the combined outcome.

    Safe to run any number of times: the revision row is locked and `checked_at` is
    set in the same transaction as the verdicts, so a second run finds it checked.
    A revision that is no longer its post's current one is marked checked and skipped
    (the newer revision has its own check). Returns what happened: "missing",
    "already_checked", "stale" or the outcome.
    """
    return revisions_check(revision_ids=[revision_id])[revision_id]


def revision_check_with_backlog(*, revision_id: int, backlog: int | None = None) -> str:
    """Check `revision_id` and, in the same transaction, up to `backlog` other revisions
    still waiting for their check that no other worker holds (oldest first; by default,
    enough to fill PARLEY["CHECK_BATCH_SIZE"]). Checked together they share every query,
    so a burst of posts costs a dozen queries per batch rather than a dozen per post.

    Their own tasks then end at once, since most of a burst's tasks find their revision
    checked or being checked: one query when it is checked already, and "in_progress"
    without waiting when another worker's batch holds it. Should that batch fail, its
    task's retry takes the backlog on again, and the periodic sweep re-enqueues whatever
    is left. Returns what happened to `revision_id`."""
    if backlog is None:
        backlog = max(settings.PARLEY["CHECK_BATCH_SIZE"] - 1, 0)
    found = _check_state(revision_id)
    if found is not None:
        return found
    return revisions_check(revision_ids=[revision_id], backlog=backlog, wait=False)[revision_id]


def _check_state(revision_id: int) -> str | None:
    """What a check task finds, in one statement and without a transaction: "missing",
    "already_checked", "in_progress" (another transaction holds the row: a batch is
    checking it), or None when the revision waits for its check and is free to take (the
    caller then locks it for real)."""
    state = check_queries.revision_states([revision_id])[revision_id]
    return None if state == "waiting" else state


def revisions_check(
    *, revision_ids: list[int], backlog: int = 0, wait: bool = True
) -> dict[int, str]:
    """Check the given revisions and up to `backlog` unlocked waiting ones; return what
    happened to each, by id. With `wait` false, a given revision that another
    transaction holds is left to it ("in_progress") instead of waited for; a backlog is
    only taken that way."""
    with transaction.atomic():
        # One statement locks the revisions still waiting for their check and reads all
        # their check needs before the rules run.
        reads = check_queries.revisions_for_check(
            revision_ids, backlog=backlog, lock=True, wait=wait
        )
        read = {revision.pk for revision in reads.revisions}
        results: dict[int, str] = {}
        unread = [pk for pk in revision_ids if pk not in read]
        if unread:
            # Checked or missing, or (left out without waiting) held by another batch.
            results.update(check_queries.revision_states(unread, probe=False))
        current = []
        for revision in reads.revisions:
            if revision.post.current_revision_id == revision.pk:
                current.append(revision)
            else:
                results[revision.pk] = "stale"
        results.update(
            _check_and_store(
                current,
                reads=reads,
                checked_ids=[revision.pk for revision in reads.revisions],
                now=timezone.now(),
            )
        )
    return results


@dataclass
class _Job:
    """One revision being checked, with what was worked out for it before its rules run."""

    revision: PostRevision
    content: PostContent
    fingerprints: list[str]
    rules: list[ActiveRule]
    previous: PreviousCheck | None
    small_edit: bool
    signature: tuple[int, ...]

    @property
    def post(self) -> Post:
        return self.revision.post

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(r.rule.kind for r in self.rules)

    @property
    def subject(self) -> Subject:
        post = self.post
        return Subject(
            author=post.author,
            premoderated=(
                post.thread.category.moderation_mode == Category.ModerationMode.PRE_MODERATED
            ),
            kinds=self.kinds,
            post_id=post.pk,
            signature=self.signature,
        )


def _check_and_store(
    revisions: list[PostRevision],
    *,
    reads: check_queries.CheckReads,
    checked_ids: list[int],
    now: dt.datetime,
) -> dict[int, str]:
    """Run the rules over each revision (oldest first, each seeing the ones before it as
    stored posts), then write every verdict, check and fingerprint in bulk, and mark the
    revisions `checked_ids` (those given and any stale ones read with them) as checked."""
    if not revisions:
        check_queries.checks_store(
            checks=[],
            verdicts=[],
            replaced_post_ids=[],
            fingerprints=[],
            checked_ids=checked_ids,
            now=now,
        )
        return {}
    started = time.perf_counter()
    enabled = _enabled_rules(reads.rules_key)
    jobs = [_job(revision, reads.previous.get(revision.post_id), enabled) for revision in revisions]
    carried = _carried_verdicts([job.previous for job in jobs if job.previous is not None])
    subjects = {job.revision.pk: job.subject for job in jobs}
    history = CheckHistory(list(subjects.values()), now=now)
    shared_ms = (time.perf_counter() - started) * 1000 / len(jobs)

    results: dict[int, str] = {}
    verdicts: list[Verdict] = []
    judged: list[tuple[_Job, list[Finding], dict]] = []
    replaced: list[_Job] = []
    for job in jobs:
        job_started = time.perf_counter()
        reuse = (
            _reusable_verdicts(job.previous, job.rules, carried=carried)
            if job.previous is not None
            else None
        )
        findings, checked, reused = run_rules(
            job.rules,
            job.content,
            history.context_for(subjects[job.revision.pk]),
            reuse=reuse,
            fingerprints=job.fingerprints,
        )
        post = job.post
        verdicts.extend(_verdict(job.revision, f) for f in findings)
        hash_of_text = job.previous.text_hash if job.small_edit else text_hash(job.content)
        history.checked(subjects[job.revision.pk], hash_of_text, new_signature=not job.small_edit)
        if not job.small_edit:
            replaced.append(job)
        check = {
            "revision_id": job.revision.pk,
            "post_id": post.pk,
            "author_id": post.author_id,
            "paragraph_fingerprints": job.fingerprints,
            "layout": job.content.layout,
            "text_hash": hash_of_text,
            "signature": list(job.signature),
            "rule_versions": {str(r.rule.pk): r.rule.version for r in job.rules},
            "paragraphs_checked": checked,
            "paragraphs_reused": reused,
            "duration_ms": shared_ms + (time.perf_counter() - job_started) * 1000,
            "created_at": now,
        }
        judged.append((job, findings, check))
    # The outcomes are written in the lock order of forum.threads.services: first the
    # threads they write in, all in one statement, then post by post, by author, so that
    # members' rows (post counts) are taken by ascending id as in any other batch.
    thread_services.threads_lock(
        *{job.post.thread_id for job, findings, _ in judged if _outcome_writes(job.post, findings)}
    )
    for job, findings, check in sorted(judged, key=lambda j: (j[0].post.author_id, j[0].post.pk)):
        applying = time.perf_counter()
        post = job.post
        check["outcome"] = results[job.revision.pk] = _apply_outcome(
            post,
            findings,
            html=job.revision.body_html,
            new_thread=post.is_opening_post and job.revision.number == 1,
        )
        check["duration_ms"] += (time.perf_counter() - applying) * 1000
    checks = [check for _, _, check in judged]
    check_queries.checks_store(
        checks=checks,
        verdicts=verdicts,
        # Fingerprints are only ever written with a check, so a post that had no
        # earlier check has none to delete.
        replaced_post_ids=[job.post.pk for job in replaced if job.previous is not None],
        fingerprints=[
            (key, job.post.pk) for job in replaced for key in lsh_band_keys(job.signature)
        ],
        checked_ids=checked_ids,
        now=now,
    )
    return results


def _job(revision: PostRevision, previous: PreviousCheck | None, enabled: list[ActiveRule]) -> _Job:
    category_id = revision.post.thread.category_id
    rules = [r for r in enabled if r.applies_to(category_id)]
    if revision.number > 1:
        rules = [r for r in rules if r.rule.kind not in _POSTING_KINDS]
    else:
        previous = None
    # An edit reads again only the markup that changed since the previous check; its
    # other paragraphs keep their fingerprints and are read only if a rule asks.
    read = (
        content_after_edit(
            revision.body_html,
            layout=previous.layout,
            fingerprints=previous.paragraph_fingerprints,
        )
        if previous is not None
        else None
    )
    if read is not None:
        content, fingerprints, _ = read
    else:
        content = content_from_html(revision.body_html)
        fingerprints = [paragraph_fingerprint(p.text) for p in content.paragraphs]
    small_edit = (
        previous is not None and _changed_share(previous, fingerprints) < NEAR_DUPLICATE_EDIT_SHARE
    )
    if small_edit:
        # A small edit cannot turn a post into someone else's: keep the stored signature
        # and text hash and skip the whole-text comparison, so an edit costs what it
        # changed.
        signature = tuple(previous.signature)
        rules = [r for r in rules if r.rule.kind != "near_duplicate"]
    else:
        signature = content_signature(content)
    return _Job(
        revision=revision,
        content=content,
        fingerprints=fingerprints,
        rules=rules,
        previous=previous,
        small_edit=small_edit,
        signature=signature,
    )


def _verdict(revision: PostRevision, finding: Finding) -> Verdict:
    return Verdict(
        revision=revision,
        post=revision.post,
        rule=finding.rule,
        rule_version=finding.rule.version,
        action=finding.rule.action,
        score=finding.hit.score,
        detail=finding.hit.detail[:300],
        spans=[
            {"paragraph": s.paragraph, "start": s.start, "end": s.end, "text": s.text[:200]}
            for s in finding.hit.spans
        ],
        paragraph_fingerprint=finding.paragraph_fingerprint,
    )


def _carried_verdicts(previous: list[PreviousCheck | ContentCheck]) -> dict[int, list[Verdict]]:
    """The paragraph verdicts of the given checks, by revision id, in one query."""
    revision_ids = [
        check.revision_id for check in previous if getattr(check, "has_paragraph_verdicts", True)
    ]
    carried: dict[int, list[Verdict]] = {check.revision_id: [] for check in previous}
    if revision_ids:
        for verdict in (
            Verdict.objects.filter(revision_id__in=revision_ids)
            .exclude(paragraph_fingerprint="")
            .only("revision_id", "rule_id", "score", "detail", "spans", "paragraph_fingerprint")
        ):
            carried[verdict.revision_id].append(verdict)
    return carried


class CheckHistory:
    """The context post-scoped rules need for each of some subjects, read with a fixed
    number of queries however many there are: the authors' recent posts and text hashes,
    and the stored near-duplicate fingerprints sharing a band with any subject. The one
    way a check's context is read: for a batch of revisions, and (as a batch of one) for
    a submission at submit time or a rule's try-out. Subjects checked earlier in a batch
    are added as they finish (`checked`), so each sees what a check one at a time would."""

    def __init__(self, subjects: list[Subject], *, now: dt.datetime) -> None:
        self.now = now
        historic = [s for s in subjects if s.kinds & {"flood", "near_duplicate"}]
        authors = {s.author.pk for s in historic}
        self.post_times: dict[int, list[tuple[int, dt.datetime]]] = {a: [] for a in authors}
        self.text_hashes: dict[int, list[tuple[int, str]]] = {a: [] for a in authors}
        comparing = [s for s in subjects if "near_duplicate" in s.kinds and s.signature]
        posts, hashes, bands = check_queries.batch_history(
            author_ids=authors,
            posts_since=now - RECENT_WINDOW,
            checks_since=now - dt.timedelta(days=1),
            band_keys={key for s in comparing for key in lsh_band_keys(s.signature)},
            bands_since=now - DUPLICATE_WINDOW,
        )
        for author_id, post_id, created_at in posts:
            self.post_times[author_id].append((post_id, created_at))
        for author_id, post_id, stored_hash in hashes:
            self.text_hashes[author_id].append((post_id, stored_hash))
        self.bands: dict[str, set[int]] = {}
        for key, post_id in bands:
            self.bands.setdefault(key, set()).add(post_id)
        self.signatures: dict[int, tuple[int, ...]] = check_queries.latest_signatures(
            {p for posts in self.bands.values() for p in posts}
        )

    def context_for(self, subject: Subject) -> CheckContext:
        author, own = subject.author, subject.post_id
        recent_times: tuple = ()
        recent_hashes: tuple = ()
        if subject.kinds & {"flood", "near_duplicate"}:
            recent_times = tuple(
                created for pk, created in self.post_times[author.pk] if pk != own
            )[:500]
            recent_hashes = tuple(h for pk, h in self.text_hashes[author.pk] if pk != own)[:50]
        candidates: tuple = ()
        if "near_duplicate" in subject.kinds and subject.signature:
            similar = sorted(
                {
                    pk
                    for key in lsh_band_keys(subject.signature)
                    for pk in self.bands.get(key, ())
                    if pk != own and pk in self.signatures
                },
                reverse=True,
            )[:MAX_DUPLICATE_CANDIDATES]
            candidates = tuple((pk, self.signatures[pk]) for pk in similar)
        return CheckContext(
            author_trust_level=author.trust_level,
            author_visible_post_count=author.post_count,
            category_premoderated=subject.premoderated,
            now=self.now,
            author_recent_post_times=recent_times,
            author_recent_text_hashes=recent_hashes,
            similar_candidates=candidates,
        )

    def checked(self, subject: Subject, hash_of_text: str, *, new_signature: bool) -> None:
        """Make `subject` (just checked) part of the history the rest of the batch sees;
        with `new_signature`, its signature too (a small edit keeps its stored one)."""
        author_id, post_id = subject.author.pk, subject.post_id
        if author_id in self.text_hashes:
            self.text_hashes[author_id].insert(0, (post_id, hash_of_text))
        if new_signature and subject.signature:
            for key in lsh_band_keys(subject.signature):
                self.bands.setdefault(key, set()).add(post_id)
            self.signatures[post_id] = subject.signature


def _changed_share(previous: PreviousCheck, fingerprints: list[str]) -> float:
    if not fingerprints:
        return 0.0
    before = set(previous.paragraph_fingerprints)
    return sum(fingerprint not in before for fingerprint in fingerprints) / len(fingerprints)


def _reusable_verdicts(
    previous: PreviousCheck | ContentCheck, rules: list[ActiveRule], *, carried: dict | None = None
) -> Reuse:
    """What the previous check settled for the paragraph rules whose version is
    unchanged since it ran. `carried` holds the paragraph verdicts already read, by
    revision id; without it they are read here."""
    same_version = frozenset(
        r.rule.pk
        for r in rules
        if r.scope == "paragraph" and previous.rule_versions.get(str(r.rule.pk)) == r.rule.version
    )
    if carried is None:
        carried = _carried_verdicts([previous])
    rules_by_id = {r.rule.pk: r.rule for r in rules}
    verdicts: dict[str, list[Verdict]] = {}
    for verdict in carried.get(previous.revision_id, ()):
        if verdict.rule_id in same_version:
            verdict.rule = rules_by_id[verdict.rule_id]
            verdicts.setdefault(verdict.paragraph_fingerprint, []).append(verdict)
    return Reuse(
        rule_ids=same_version,
        fingerprints=frozenset(previous.paragraph_fingerprints),
        verdicts=verdicts,
    )


def _outcome_writes(post: Post, findings: list[Finding]) -> bool:
    """Whether _apply_outcome may write anything for `post`: only approving a post that
    is not held, on no finding at all, writes nothing."""
    return bool(findings) or post.state == PostState.PENDING


def _apply_outcome(post: Post, findings: list[Finding], *, html: str, new_thread: bool) -> str:
    """Turn the strongest finding into a state change, a queue item and a log entry. On
    the first revision of an opening post (`new_thread`) the verdict is on the thread as
    a whole: a new thread that is held, hidden or rejected goes with its opening post."""
    finding = strongest(findings)
    if finding is None or finding.rule.action == Rule.Action.CENSOR:
        censoring = [f for f in findings if f.rule.action == Rule.Action.CENSOR]
        if censoring:
            rules = {f.rule.pk: compile_rule(f.rule).compiled for f in censoring}
            Post.objects.filter(pk=post.pk).update(
                body_html=censor_html(html, list(rules.values()))
            )
            thread_services.thread_touch(thread_id=post.thread_id)
            log_record(
                actor=None,
                action="censor",
                target=post,
                rule=censoring[0].rule,
                details={"rules": sorted(rules)},
            )
        if post.state == PostState.PENDING:
            # Held at submit (a pre-moderated category or member): the automatic checks
            # found nothing, but only a person releases a held post.
            item = services.review_item_open(post=post, reason=ReviewItem.Reason.PREMODERATION)
            alerts.queue_alert_record(source=QueueAlert.Source.HELD, review_item=item)
            return ContentCheck.Outcome.QUEUED
        return ContentCheck.Outcome.APPROVED
    rule, hit = finding.rule, finding.hit
    reason = f"{rule.name}: {hit.detail}"
    if rule.action == Rule.Action.BLOCK:
        thread_services.post_set_state(
            post=post, state=PostState.REMOVED, reason=reason, with_thread=new_thread
        )
        log_record(actor=None, action="reject", target=post, reason=reason, rule=rule)
        return ContentCheck.Outcome.REJECTED
    is_premoderation = rule.kind == "premoderation"
    item = services.review_item_open(
        post=post,
        reason=ReviewItem.Reason.PREMODERATION if is_premoderation else ReviewItem.Reason.RULE,
        severity=hit.score,
    )
    alerts.queue_alert_record(
        source=QueueAlert.Source.HELD if is_premoderation else QueueAlert.Source.RULE,
        review_item=item,
    )
    if rule.action == Rule.Action.REQUIRE_APPROVAL:
        if post.state == PostState.VISIBLE:
            thread_services.post_set_state(
                post=post, state=PostState.PENDING, reason=reason, with_thread=new_thread
            )
        log_record(actor=None, action="hold", target=post, reason=reason, rule=rule)
        return ContentCheck.Outcome.QUEUED
    if hit.score >= settings.PARLEY["FLAG_HIDE_SCORE"] and post.state == PostState.VISIBLE:
        thread_services.post_set_state(
            post=post, state=PostState.HIDDEN, reason=reason, with_thread=new_thread
        )
        log_record(actor=None, action="hide", target=post, reason=reason, rule=rule)
        return ContentCheck.Outcome.HIDDEN
    log_record(actor=None, action="flag", target=post, reason=reason, rule=rule)
    return ContentCheck.Outcome.QUEUED
