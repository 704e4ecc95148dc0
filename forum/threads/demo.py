"""Loading the demo thread that ships with Parley, through the same services as members."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from forum.accounts.models import User
from forum.accounts.services import user_create
from forum.threads import services
from forum.threads.models import Category, Post, Thread

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "seed-thread.json"

# Demo members are established (trust level 2) so their posts are visible at once.
DEMO_TRUST_LEVEL = 2


@dataclass(frozen=True)
class DemoLoadResult:
    created: bool
    thread: Thread


def demo_load(*, path: Path = DEMO_FILE) -> DemoLoadResult:
    """Load the demo category, members, thread (every revision) and replies. Loading again
    changes nothing: an existing demo thread is found by category, author and title."""
    seed = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        category, _ = Category.objects.get_or_create(
            slug=seed["category"]["slug"],
            defaults={
                "name": seed["category"]["name"],
                "description": seed["category"].get("description", ""),
            },
        )
        members = {spec["username"]: _demo_member(spec) for spec in seed["users"]}
        spec = seed["thread"]
        author = members[spec["author"]]
        existing = Thread.objects.filter(
            category=category, author=author, title=spec["title"]
        ).first()
        if existing is not None:
            return DemoLoadResult(created=False, thread=existing)
        first, *later = spec["revisions"]
        thread = services.thread_create(
            author=author, category=category, title=spec["title"], body=first
        )
        opening = Post.objects.get(pk=thread.opening_post_id)
        for body in later:
            services.post_edit(editor=author, post=opening, body=body, reason="Update")
        by_seed_id: dict[str, Post] = {}
        for reply in spec["replies"]:
            parent = by_seed_id[reply["parent"]] if reply.get("parent") else None
            by_seed_id[reply["id"]] = services.post_create(
                author=members[reply["author"]],
                thread=thread,
                parent=parent,
                body=reply["body"],
            )
        thread.refresh_from_db()
        return DemoLoadResult(created=True, thread=thread)


def _demo_member(spec: dict) -> User:
    existing = User.objects.filter(username=spec["username"]).first()
    if existing is not None:
        return existing
    return user_create(
        username=spec["username"],
        role=spec.get("role", User.Role.MEMBER),
        trust_level=DEMO_TRUST_LEVEL,
    )
