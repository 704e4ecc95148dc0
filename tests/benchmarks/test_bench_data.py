"""The benchmark's generated data must be data the product reads like its own, or the
read figures measure something else; and its driver's arithmetic must be right."""

import random
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, override_settings

from benchmarks import data
from benchmarks.load import judged, percentile, round_ratios, summarise_rounds
from forum.core.lookalikes import fold_term
from forum.threads import selectors
from forum.threads import services as thread_services
from forum.threads.models import Post, PostState, Thread
from moderation import pipeline
from moderation.models import Rule
from tests.factories import CategoryFactory, UserFactory


def test_percentile_takes_the_nearest_rank():
    ordered = [float(n) for n in range(1, 101)]
    assert percentile(ordered, 50) == 50.0
    assert percentile(ordered, 99) == 99.0
    assert percentile(ordered, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_rounds_report_the_median_and_the_spread():
    rounds = [
        {"req_s": rate, "p50_ms": 10.0, "p99_ms": 20.0, "requests": 5, "statuses": {}, "errors": 0}
        for rate in (100.0, 300.0, 200.0)
    ]
    summary = summarise_rounds(rounds)
    assert (summary["req_s"], summary["req_s_min"], summary["req_s_max"]) == (200.0, 100.0, 300.0)
    assert summary["requests"] == 15


def test_a_ratio_is_the_median_of_the_rounds_ratios_held_to_its_target():
    ratio = round_ratios([10.0, 30.0, 12.0], [100.0, 100.0, 40.0])
    assert (ratio["median"], ratio["min"], ratio["max"]) == (0.3, 0.1, 0.3)
    assert judged(ratio, 0.25)["met"] and not judged(ratio, 0.35)["met"]
    assert judged(ratio, 3, at_most=True) == {**ratio, "target": "≤ 3", "met": True}


def test_watched_words_are_many_distinct_terms_some_spelt_with_look_alikes():
    words = data.watched_words()
    assert words == data.watched_words()
    assert len(words) == len(set(words)) >= 1_000
    assert any(" " in word for word in words)
    plain = {word for word in words if fold_term(word) == word}
    spelt_otherwise = [word for word in words if word not in plain]
    assert spelt_otherwise and all(fold_term(word) in plain for word in spelt_otherwise)


@pytest.mark.django_db
def test_the_served_rules_hide_only_the_replies_that_name_a_watched_term():
    rule_ids = data.install_rules()
    assert len(rule_ids) == Rule.objects.filter(enabled=True).count() == 7
    author = UserFactory(trust_level=3, post_count=500)
    thread = thread_services.thread_create(
        author=author, category=CategoryFactory(), title="Rules", body="Opening."
    )
    rng = random.Random(3)
    plain = thread_services.post_create(author=author, thread=thread, body=data.reply_markdown(rng))
    watched = thread_services.post_create(
        author=author,
        thread=thread,
        body=f"{data.reply_markdown(rng)}\n\nGet {data.watched_words()[-1]} here.",
    )

    assert pipeline.revision_check(revision_id=plain.current_revision_id) == "approved"
    assert pipeline.revision_check(revision_id=watched.current_revision_id) == "hidden"


@pytest.mark.django_db
def test_a_session_made_for_the_served_processes_signs_the_member_in_there_only():
    member = UserFactory()
    served_key = "another-secret-key-for-the-served-processes-0123456789abcdefghij"
    cookie = data.signed_in_cookie(member, secret_key=served_key)

    with override_settings(SECRET_KEY=served_key):
        signed_in = Client().get("/notifications/", HTTP_COOKIE=cookie)
    elsewhere = Client().get("/notifications/", HTTP_COOKIE=cookie)

    assert signed_in.status_code == 200 and signed_in.wsgi_request.user == member
    assert elsewhere.status_code == 302


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_bulk_filler_threads_read_like_threads_written_through_services(client):
    filled = data.fill(
        members=40, threads=100, posts_per_thread=4, categories=2, rng=random.Random(1)
    )

    threads = Thread.objects.filter(title__startswith="Filler thread")
    assert threads.count() == 100
    assert set(threads.values_list("pk", flat=True)) == set(
        Thread.objects.filter(pk__gt=filled["threads_after_id"]).values_list("pk", flat=True)
    )
    assert Post.objects.filter(thread__in=threads).count() == 100 * 4
    for thread in threads:
        posts = list(thread.posts.order_by("path"))
        opening = posts[0]
        assert thread.opening_post_id == opening.pk and opening.position == 1
        assert opening.state == thread.state
        assert [p.position for p in posts] == list(range(1, 5))
        for reply in posts[1:]:
            assert reply.parent_id == opening.pk and reply.depth == 1
            assert reply.path == thread_services.child_path(opening.path, reply.position)
        assert opening.body_html.startswith("<p>")

    visible = threads.filter(state=PostState.VISIBLE).first()
    assert client.get(f"/api/v1/threads/{visible.pk}/posts/").status_code == 200
    assert client.get(visible.get_absolute_url()).status_code == 200
    listed = set(selectors.thread_list(user=AnonymousUser()).values_list("pk", flat=True))
    hidden = set(threads.exclude(state=PostState.VISIBLE).values_list("pk", flat=True))
    assert hidden and not listed & hidden and visible.pk in listed


@pytest.mark.integration
@pytest.mark.django_db
def test_bulk_replies_keep_reading_order_counters_and_revisions():
    authors = [UserFactory(trust_level=3) for _ in range(3)]
    thread = thread_services.thread_create(
        author=authors[0], category=CategoryFactory(), title="Bulk", body="Opening."
    )
    data.bulk_replies(thread=thread, count=60, authors=authors, rng=random.Random(2))

    thread.refresh_from_db()
    posts = list(Post.objects.filter(thread=thread).order_by("path"))
    assert len(posts) == 61 and thread.reply_count == 60 and thread.last_position == 61
    seen = set()
    for post in posts:  # reading order: every parent before its replies
        assert post.parent_id is None or post.parent_id in seen
        seen.add(post.pk)
        assert post.current_revision_id is not None
    assert max(post.depth for post in posts) <= 3
    assert Counter(post.path for post in posts).most_common(1)[0][1] == 1
    page = selectors.thread_posts_page(user=authors[0], thread=thread)
    assert len(page) == selectors.POSTS_PAGE_SIZE
