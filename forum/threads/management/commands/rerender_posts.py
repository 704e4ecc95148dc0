from django.core.management.base import BaseCommand
from django.db.models import Q

from forum.threads.models import Post
from forum.threads.services import post_rerender

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Render posts' current text again after the renderer changed, storing the new HTML "
        "and what it derives (headings, mentions, quotes). --containing limits it to posts "
        "whose text holds one of the given strings, e.g. the footnote syntax: "
        '--containing "[^" --containing "^[". Safe to run again: unchanged posts are skipped.'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--containing", action="append", default=[], metavar="TEXT")

    def handle(self, *args, containing: list[str], **options) -> None:
        posts = Post.objects.order_by("pk")
        if containing:
            matches = Q()
            for text in containing:
                matches |= Q(body_source__contains=text)
            posts = posts.filter(matches)
        looked_at = changed = 0
        for post in posts.iterator(BATCH_SIZE):
            looked_at += 1
            changed += post_rerender(post=post)
        self.stdout.write(
            self.style.SUCCESS(f"Rendered {looked_at} posts again; {changed} changed.")
        )
