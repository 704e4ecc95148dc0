"""The automatic checks through the pipeline: verdicts with evidence, outcomes, edits."""

import io

import pytest
from django.core.management import call_command

from forum.core.errors import RateLimited, ValidationFailed
from forum.threads import services as thread_services
from forum.threads.demo import demo_load
from forum.threads.models import Post, PostRevision, PostState, Thread
from moderation import actions, pipeline, services
from moderation.content import content_from_html
from moderation.models import ContentCheck, ModerationLogEntry, ReviewItem, Rule, Verdict
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import tried_rule_save

pytestmark = pytest.mark.django_db


def rule(moderator, *, kind, action, params, name=None, enabled=True):
    return tried_rule_save(
        actor=moderator,
        name=name or f"{kind} rule",
        kind=kind,
        params=params,
        action=action,
        enabled=enabled,
    )


def check(post) -> str:
    post.refresh_from_db()
    return pipeline.revision_check(revision_id=post.current_revision_id)


def test_watched_word_holds_the_post_with_evidence_in_the_rendered_text(member, moderator):
    watched = rule(
        moderator, kind="watched_words", action="require_approval", params={"words": ["free money"]}
    )
    post = make_reply(
        thread=make_thread(author=member),
        author=member,
        body="# Offer\n\nFirst paragraph is fine.\n\nGet **FR33 m0ney** now, friends.",
    )

    assert check(post) == "queued"

    post.refresh_from_db()
    assert post.state == PostState.PENDING and "free money" in post.state_reason
    verdict = Verdict.objects.get(post=post)
    assert (verdict.rule, verdict.rule_version, verdict.action) == (watched, 1, "require_approval")
    paragraphs = content_from_html(post.body_html).paragraphs
    for span in verdict.spans:
        assert paragraphs[span["paragraph"]].text[span["start"] : span["end"]] == span["text"]
    assert verdict.spans[0]["text"] == "FR33 m0ney"
    assert ReviewItem.objects.get(post=post).reasons == ["rule"]
    entry = ModerationLogEntry.objects.get(action="hold")
    assert entry.actor is None and (entry.rule, entry.rule_version) == (watched, 1)


def test_checking_twice_stores_one_set_of_verdicts(member, moderator):
    rule(moderator, kind="watched_words", action="flag", params={"words": ["spam"]})
    post = make_thread(author=member, body="spam spam").opening_post

    assert check(post) == "hidden"
    assert check(post) == "already_checked"

    assert Verdict.objects.filter(post=post).count() == 1
    assert ContentCheck.objects.filter(post=post).count() == 1


def test_block_rules_refuse_at_submit_and_store_nothing(member, moderator, category):
    rule(
        moderator, kind="watched_words", action="block", params={"words": ["slur"]}, name="No slurs"
    )

    with pytest.raises(ValidationFailed) as refused:
        thread_services.thread_create(
            author=member, category=category, title="Hello", body="what a $lur"
        )
    assert refused.value.code == "blocked_by_rule"
    assert "No slurs" in refused.value.message and "$lur" in refused.value.message
    assert not Thread.objects.exists()


def test_flood_limits_refuse_with_a_retry_hint(member, moderator):
    rule(
        moderator,
        kind="flood",
        action="block",
        params={"per_minute": {"0": 1, "2": 2}, "per_hour": {"2": 100}, "max_identical": 5},
    )
    thread = make_thread(author=UserFactory())
    make_reply(thread=thread, author=member, body="one")
    make_reply(thread=thread, author=member, body="two")

    with pytest.raises(RateLimited) as refused:
        make_reply(thread=thread, author=member, body="three")
    assert refused.value.retry_after == 60
    assert Post.objects.filter(author=member).count() == 2


def test_an_edit_rechecks_only_the_changed_paragraph(member, moderator):
    for index in range(5):
        rule(
            moderator,
            kind="watched_words",
            action="flag",
            params={"words": [f"word{index}"]},
            name=f"words {index}",
        )
    paragraphs = [f"Paragraph {n} says something ordinary." for n in range(20)]
    paragraphs[3] += " word1"
    post = make_thread(author=member, body="\n\n".join(paragraphs)).opening_post
    check(post)
    full = ContentCheck.objects.get(revision=post.current_revision_id)
    assert (full.paragraphs_checked, full.paragraphs_reused) == (100, 0)

    paragraphs[10] = "A new paragraph with word4 in it."
    thread_services.post_edit(editor=member, post=post, body="\n\n".join(paragraphs))
    check(post)

    edit = ContentCheck.objects.get(revision=post.current_revision_id)
    assert (edit.paragraphs_checked, edit.paragraphs_reused) == (5, 95)
    assert sorted(
        Verdict.objects.filter(revision=post.current_revision_id).values_list(
            "rule__name", flat=True
        )
    ) == ["words 1", "words 4"]
    reused = Verdict.objects.get(revision=post.current_revision_id, rule__name="words 1")
    assert reused.spans[0]["paragraph"] == 3 and reused.spans[0]["text"] == "word1"


def test_a_rule_edit_bumps_the_version_and_forces_a_full_recheck(member, moderator):
    watched = rule(moderator, kind="watched_words", action="flag", params={"words": ["alpha"]})
    post = make_thread(author=member, body="alpha\n\nbeta").opening_post
    check(post)

    watched = tried_rule_save(
        actor=moderator,
        rule=watched,
        name=watched.name,
        kind="watched_words",
        params={"words": ["beta"]},
        action="flag",
        enabled=True,
    )
    thread_services.post_edit(editor=member, post=post, body="alpha\n\nbeta\n\ngamma")
    check(post)

    assert watched.version == 2
    edit = ContentCheck.objects.get(revision=post.current_revision_id)
    assert edit.paragraphs_reused == 0
    assert list(
        Verdict.objects.filter(revision=post.current_revision_id).values_list(
            "rule_version", "spans__0__text"
        )
    ) == [(2, "beta")]


def test_censor_masks_words_in_what_readers_see_but_keeps_the_source(member, moderator):
    rule(moderator, kind="watched_words", action="censor", params={"words": ["darn"]})
    post = make_thread(author=member, body="Well, *darn* it.").opening_post

    assert check(post) == "approved"

    post.refresh_from_db()
    assert "darn" not in post.body_html and "████" in post.body_html
    assert "<em>" in post.body_html
    assert post.body_source == "Well, *darn* it."
    assert "darn" in PostRevision.objects.get(pk=post.current_revision_id).body_html


def test_a_confident_flag_hides_the_post_until_review(member, moderator):
    rule(moderator, kind="watched_words", action="flag", params={"words": ["scam"]})
    post = make_thread(author=member, body="This is a scam.").opening_post

    assert check(post) == "hidden"
    post.refresh_from_db()
    assert post.state == PostState.HIDDEN


def test_near_duplicates_by_another_member_are_flagged(member, other_member, moderator):
    rule(
        moderator, kind="near_duplicate", action="flag", params={"threshold": 0.8, "min_words": 30}
    )
    text = " ".join(f"word{n} appears in this long copied message" for n in range(20))
    first = make_thread(author=member, body=text).opening_post
    assert check(first) == "approved"

    copy = make_thread(author=other_member, body=text + " (reposted)").opening_post

    assert check(copy) in ("queued", "hidden")
    verdict = Verdict.objects.get(post=copy)
    assert str(first.pk) in verdict.detail


def test_premoderation_holds_a_newcomer_until_a_person_approves(member, newcomer, moderator):
    post = make_reply(thread=make_thread(author=member), author=newcomer, body="Hello all")
    assert post.state == PostState.PENDING

    assert check(post) == "queued"
    item = ReviewItem.objects.get(post=post)
    assert "premoderation" in item.reasons

    actions.review_item_decide(moderator=moderator, item=item, approve=True)
    post.refresh_from_db()
    assert post.state == PostState.VISIBLE


def test_the_demo_thread_passes_the_default_rules(default_rules):
    thread = demo_load().thread
    posts = Post.objects.filter(thread=thread)

    outcomes = [check(post) for post in posts]

    assert outcomes == ["approved"] * 3
    assert not Verdict.objects.exists()


def test_backtest_reports_what_a_disabled_rule_would_catch(member, moderator):
    make_thread(author=member, body="Buy cheap pills here")
    make_thread(author=member, body="An honest post")
    candidate = rule(
        moderator,
        kind="watched_words",
        action="flag",
        params={"words": ["cheap pills"]},
        enabled=False,
    )
    out, err = io.StringIO(), io.StringIO()

    call_command("moderation_backtest", str(candidate.pk), "--limit", "50", stdout=out, stderr=err)

    report = out.getvalue()
    assert "Checked 2 posts: 1 would be caught (50.0%), 1 hits." in report
    assert "“cheap pills”" in report
    assert "2/2" in err.getvalue()
    assert not Verdict.objects.exists()


def test_invalid_rule_params_are_refused_when_saved_naming_each_key(moderator):
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(
            actor=moderator,
            name="bad",
            kind="watched_words",
            action="flag",
            params={"patterns": ["(a+)+$"], "pattern_timeout_ms": 0},
            enabled=False,
        )
    assert set(refused.value.fields) == {"params.patterns", "params.pattern_timeout_ms"}
    assert "exponential" in refused.value.fields["params.patterns"][0]
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(
            actor=moderator, name="bad", kind="links", action="flag", params={}, enabled=False
        )
    assert "would never fire" in refused.value.fields["params"][0]
    with pytest.raises(ValidationFailed):
        rule(moderator, kind="no_such_kind", action="flag", params={})
    assert not Rule.objects.exists()


def test_a_batch_sees_near_duplicates_among_its_own_posts(member, other_member, moderator):
    rule(
        moderator, kind="near_duplicate", action="flag", params={"threshold": 0.8, "min_words": 30}
    )
    text = " ".join(f"word{n} appears in this long copied message" for n in range(20))
    first = make_thread(author=member, body=text).opening_post
    copy = make_thread(author=other_member, body=text + " (reposted)").opening_post

    results = pipeline.revisions_check(
        revision_ids=[copy.current_revision_id, first.current_revision_id]
    )

    # Checked oldest first, as one at a time: the copy is judged against the original.
    assert results[first.current_revision_id] == "approved"
    assert results[copy.current_revision_id] in ("queued", "hidden")
    assert str(first.pk) in Verdict.objects.get(post=copy).detail
    assert not Verdict.objects.filter(post=first).exists()


def test_a_batch_sees_an_authors_identical_posts_checked_before_in_it(member, moderator):
    rule(
        moderator,
        kind="flood",
        action="flag",
        params={"per_minute": {"2": 100}, "per_hour": {"2": 1000}, "max_identical": 1},
    )
    thread = make_thread(author=UserFactory())
    posts = [make_reply(thread=thread, author=member, body="Same words again") for _ in range(3)]

    results = pipeline.revisions_check(revision_ids=[p.current_revision_id for p in posts])

    assert results[posts[0].current_revision_id] == "approved"
    assert all(results[p.current_revision_id] != "approved" for p in posts[1:])
    assert ContentCheck.objects.filter(post__in=posts).count() == 3


def test_a_batch_costs_the_same_queries_for_few_and_many_revisions(member, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rule(moderator, kind="near_duplicate", action="flag", params={"threshold": 0.8, "min_words": 5})
    rule(moderator, kind="watched_words", action="flag", params={"words": ["zebra"]})
    thread = make_thread(author=member)
    # Each batch holds one copy of a stored post, so that each reads the candidates too.
    copied = " ".join(f"copied{k}" for k in range(40))
    check(make_reply(thread=thread, author=member, body=copied))

    def queries_for(count: int) -> int:
        posts = [
            make_reply(
                thread=thread,
                author=UserFactory(),
                body=" ".join(f"word{count}x{n}x{k}" for k in range(8 + n)),
            )
            for n in range(count - 1)
        ]
        posts.append(make_reply(thread=thread, author=UserFactory(), body=copied))
        with CaptureQueriesContext(connection) as queries:
            pipeline.revisions_check(revision_ids=[p.current_revision_id for p in posts])
        assert ContentCheck.objects.filter(post__in=posts).count() == count
        return len(queries)

    # 20 posts' fingerprints still fit one INSERT within SQLite's variable limit.
    assert queries_for(2) == queries_for(20)


def test_a_submission_is_checked_against_the_history_a_batch_check_reads(
    member, other_member, moderator
):
    """The submit-time check reads its context as the batch check does (CheckHistory):
    a near-duplicate rule whose action is `block` refuses a copy of a checked post before
    it is stored, and a flood rule counts the same recent posts."""
    rule(
        moderator, kind="near_duplicate", action="block", params={"threshold": 0.8, "min_words": 20}
    )
    text = " ".join(f"original{k}" for k in range(40))
    thread = make_thread(author=member)
    check(make_reply(thread=thread, author=member, body=text))

    with pytest.raises(ValidationFailed) as refused:
        make_reply(thread=thread, author=other_member, body=text)
    assert refused.value.code == "blocked_by_rule"
    assert Post.objects.filter(author=other_member).count() == 0

    post = make_reply(thread=thread, author=member, body="Something else entirely, and new.")
    subject = pipeline.Subject(
        author=member,
        premoderated=False,
        kinds=frozenset({"flood"}),
        post_id=post.pk,
    )
    at_submit = pipeline.build_context(
        author=member,
        category=thread.category,
        exclude_post_id=post.pk,
        now=post.created_at,
        kinds=frozenset({"flood"}),
    )
    in_batch = pipeline.CheckHistory([subject], now=post.created_at).context_for(subject)
    assert at_submit == in_batch
    assert len(at_submit.author_recent_post_times) == 2  # the opening post and the copy
