"""The moderation rules as the threads app's submission screen (forum.threads.hooks):
rules whose action is `block` refuse a post before anything is stored, and
pre-moderation holds a new one for review. Registered in ModerationConfig.ready()."""

from moderation import pipeline


class RuleScreen:
    def screen_new_post(self, *, author, category, html: str) -> tuple[str, str]:
        """The rule set is read once for both questions: refuse, or hold."""
        rules = pipeline.active_rules(category_id=category.pk)
        pipeline.check_submission(author=author, category=category, html=html, rules=rules)
        return pipeline.initial_state(author=author, category=category, rules=rules)

    def screen_edit(self, *, author, category, html: str, post) -> None:
        pipeline.check_submission(author=author, category=category, html=html, post=post)


rule_screen = RuleScreen()
