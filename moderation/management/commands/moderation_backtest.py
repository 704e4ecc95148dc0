from django.core.management.base import BaseCommand, CommandError

from moderation.backtest import recent_posts, rule_backtest
from moderation.models import Rule


class Command(BaseCommand):
    help = (
        "Run one rule, enabled or not, over stored posts in dry-run and print what it "
        "would have caught. Nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("rule", type=int, help="the rule's id")
        parser.add_argument("--limit", type=int, default=1000, help="most recent posts to try")
        parser.add_argument("--examples", type=int, default=10, help="top examples to show")

    def handle(self, *args, rule: int, limit: int, examples: int, **options) -> None:
        found = Rule.objects.filter(pk=rule).first()
        if found is None:
            raise CommandError(f"No rule with id {rule}.")
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        total = min(limit, _post_count())
        self.stdout.write(
            f"Trying rule {found.pk} “{found.name}” (v{found.version}, {found.kind}, "
            f"{found.action}, {'enabled' if found.enabled else 'disabled'}) on {total} posts"
        )
        result = rule_backtest(
            found, recent_posts(limit), progress=lambda done: self._progress(done, total)
        )
        self.stderr.write("")
        share = result.posts_hit / result.posts_checked if result.posts_checked else 0
        self.stdout.write(
            f"Checked {result.posts_checked} posts: {result.posts_hit} would be caught "
            f"({share:.1%}), {result.hits} hits."
        )
        for hit in result.top(examples):
            evidence = "; ".join(f"“{text}”" for text in hit.evidence) or "(whole post)"
            self.stdout.write(
                f"  post {hit.post_id} by {hit.author} in “{hit.thread_title}”: "
                f"score {hit.score:.2f}, {hit.detail} — {evidence}"
            )

    def _progress(self, done: int, total: int, width: int = 40) -> None:
        filled = int(width * done / total) if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stderr.flush()


def _post_count() -> int:
    from forum.threads.models import Post

    return Post.objects.count()
