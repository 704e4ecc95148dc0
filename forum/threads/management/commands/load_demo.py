from django.core.management.base import BaseCommand

from forum.threads.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo thread (category, members, both revisions, replies). Idempotent."

    def handle(self, *args, **options) -> None:
        result = demo_load()
        verb = "Loaded" if result.created else "Already loaded:"
        self.stdout.write(
            self.style.SUCCESS(f'{verb} demo thread {result.thread.pk} "{result.thread.title}"')
        )
