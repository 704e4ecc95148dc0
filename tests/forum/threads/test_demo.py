"""The demo thread ships with the project and loads idempotently."""

import json

import pytest
from django.core.management import call_command

from forum.accounts.models import User
from forum.threads.demo import DEMO_FILE, demo_load
from forum.threads.models import Category, Post, PostRevision, PostState, Thread

pytestmark = pytest.mark.django_db

SEED = json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values_list("username", "role")),
        "categories": list(Category.objects.values_list("slug", flat=True)),
        "threads": list(Thread.objects.values_list("pk", "title", "reply_count")),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "parent_id", "body_source")),
        "revisions": list(PostRevision.objects.order_by("pk").values_list("pk", "number")),
    }


def test_demo_loads_the_thread_with_both_revisions_and_the_reply_tree():
    result = demo_load()

    thread = result.thread
    assert result.created
    assert thread.title == SEED["thread"]["title"]
    assert thread.category.slug == SEED["category"]["slug"]
    opening = Post.objects.get(pk=thread.opening_post_id)
    assert opening.body_source == SEED["thread"]["revisions"][-1]
    assert opening.revision_count == 2
    assert [r.body_source for r in opening.revisions.order_by("number")] == SEED["thread"][
        "revisions"
    ]
    first, second = Post.objects.filter(thread=thread, position__gt=1).order_by("path")
    assert first.parent_id == opening.pk and second.parent_id == first.pk
    assert first.body_source == SEED["thread"]["replies"][0]["body"]
    assert thread.reply_count == 2
    assert Post.objects.filter(thread=thread).exclude(state=PostState.VISIBLE).count() == 0
    assert User.objects.get(username="moderator").role == User.Role.MODERATOR


def test_loading_the_demo_twice_changes_nothing():
    demo_load()
    before = snapshot()

    again = demo_load()
    call_command("load_demo")

    assert not again.created
    assert snapshot() == before


def test_demo_html_carries_the_update_and_the_source_link():
    thread = demo_load().thread
    html = Post.objects.get(pk=thread.opening_post_id).body_html

    assert "Update from Korean Central News Agency" in html
    assert 'href="https://ria.ru/20241024/putin-1979906877.html"' in html
    assert html.count("<blockquote") >= 2
