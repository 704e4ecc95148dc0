"""Payloads for `services.webhook_event`: ids and public facts, never text.

A delivery may be retried for an hour, and the content it names may be hidden in the
meantime, so a payload never carries a title, a body, a report's message or a
reporter: receivers fetch content through the API, which checks visibility when asked."""


def _timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def post_payload(post) -> dict:
    return {
        "post": {
            "id": post.pk,
            "thread_id": post.thread_id,
            "parent_id": post.parent_id,
            "author": post.author.username,
            "created_at": _timestamp(post.created_at),
        }
    }


def thread_payload(thread) -> dict:
    return {
        "thread": {
            "id": thread.pk,
            "category": thread.category.slug,
            "author": thread.author.username,
            "created_at": _timestamp(thread.created_at),
        }
    }


def report_payload(report) -> dict:
    """`report`: the ReportFiled event. For moderators' webhooks only (see events.EVENTS),
    and still without the reporter or their message."""
    return {
        "report": {
            "id": report.report_id,
            "post_id": report.post_id,
            "paragraph": report.paragraph,
            "reason": report.reason,
            "created_at": _timestamp(report.created_at),
        }
    }


def queue_item_payload(opened) -> dict:
    """`opened`: the QueueItemOpened event. Ids and why, for moderators' webhooks only;
    the receiver reads the item through the moderation API."""
    return {
        "item": {
            "alert_id": opened.alert_id,
            "source": opened.source,
            "review_item_id": opened.review_item_id,
            "appeal_id": opened.appeal_id,
            "post_id": opened.post_id,
            "category_id": opened.category_id,
            "opened_at": _timestamp(opened.opened_at),
        }
    }
