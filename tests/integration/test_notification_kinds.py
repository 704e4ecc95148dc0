"""Every notification kind, end to end, each where it is really written.

A post's fan-out kinds are written by a worker: the post's commit sends `fan_out_post`,
whose run sends one `deliver_batch` per kind, and that task writes them. The moderation
outcomes (`direct` kinds) are written by whichever process records the decision, when
its transaction commits: their domain events are stored with the decision and told on
commit (forum.core.events), and only one whose telling failed is left to the worker's
sweep. For a moderator's action, that is the moderator's own process; for an automatic
check's (a hold), the worker that ran the check. A reaction is told
to the post's author by the process of the member reacting, as it commits."""

import pytest

from forum.core.models import PendingEvent
from forum.notifications.kinds import KINDS
from forum.notifications.models import Notification, WatchLevel
from forum.notifications.services import watch_set
from moderation import actions
from moderation import services as moderation_services
from tests.factories import UserFactory, make_reply, make_thread
from tests.workers import settled_task_results, tasks_through_broker, wait_for

WRITTEN_BY_THE_WORKER = {"new_thread", "new_post", "reply", "mention", "quote"}
WRITTEN_BY_THE_DECIDING_PROCESS = {
    "post_moderated",
    "thread_moderated",
    "report_resolved",
    "sanction_imposed",
    "sanction_appeal_decided",
}
WRITTEN_BY_THE_REACTING_PROCESS = {"reaction"}


def test_every_registered_kind_is_tested_where_it_is_written():
    places = (
        WRITTEN_BY_THE_WORKER,
        WRITTEN_BY_THE_DECIDING_PROCESS,
        WRITTEN_BY_THE_REACTING_PROCESS,
    )
    assert set(KINDS) == set().union(*places)
    assert sum(len(place) for place in places) == len(KINDS)  # each kind in one place


def told(*kinds: str) -> dict[tuple[str, str], int]:
    """(recipient, kind) -> count of every notification of these kinds."""
    rows = Notification.objects.filter(kind__in=kinds).values_list(
        "recipient__username", "kind", "count"
    )
    return {(username, kind): count for username, kind, count in rows}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_fan_out_kinds_are_written_by_the_workers_delivery_tasks(
    celery_worker_process, tmp_path, member, other_member, category
):
    category_watcher = UserFactory(username="catwatch")
    watch_set(user=category_watcher, category=category, level=WatchLevel.WATCHING)
    thread = make_thread(author=member, category=category, title="Kinds thread")
    wait_for(lambda: told("new_thread") == {("catwatch", "new_thread"): 1})
    thread_watcher = UserFactory(username="threadwatch")
    watch_set(user=thread_watcher, thread=thread, level=WatchLevel.WATCHING)

    first = make_reply(thread=thread, author=other_member, body="A point worth quoting.")
    wait_for(lambda: len(told("reply", "new_post")) == 2)
    UserFactory(username="named")
    make_reply(
        thread=thread,
        author=UserFactory(username="writer"),
        body=f'[quote="other, post:{first.pk}"]\nA point worth quoting.\n[/quote]\n\n@named hi',
    )
    expected = {
        ("catwatch", "new_thread"): 1,
        # Both replies answer the opening post; the second folds into the first's
        # unread notification, for its author and for the thread's watcher alike.
        ("member", "reply"): 2,
        ("threadwatch", "new_post"): 2,
        ("other", "quote"): 1,
        ("named", "mention"): 1,
    }
    wait_for(lambda: told(*WRITTEN_BY_THE_WORKER) == expected)

    assert {kind for _, kind in expected} == WRITTEN_BY_THE_WORKER
    # The worker's delivery tasks told exactly as many members as the notifications
    # count: none of them was written anywhere else.
    log = tmp_path / "worker.log"
    delivered = wait_for(lambda: settled_task_results(log, "notifications.deliver_batch"))
    assert sum(int(result) for result in delivered) == sum(expected.values()) == 7
    assert wait_for(lambda: settled_task_results(log, "threads.fan_out_post")) == ["True"] * 3


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_moderation_outcome_kinds_are_written_by_the_moderators_process_on_commit(
    member, other_member, moderator, category
):
    """No worker runs here and tasks go to the broker unrun, so whatever is written is
    written by this process, which is the moderator's."""
    from forum.celery import app

    reporter = UserFactory(username="reporter")
    thread = make_thread(author=member, category=category, title="Decided thread")
    reply = make_reply(thread=thread, author=other_member, body="Spam, as it turns out.")
    moderation_services.report_file(reporter=reporter, post=reply, reason="spam")

    app.control.purge()
    try:
        with tasks_through_broker():
            actions.perform("remove", actor=moderator, target=reply, reason="Spam after all")
            # Told as the action committed, before perform returned: nothing waited.
            assert told(*WRITTEN_BY_THE_DECIDING_PROCESS) == {
                ("other", "post_moderated"): 1,
                ("reporter", "report_resolved"): 1,
            }
            actions.perform("hide_thread", actor=moderator, target=thread, reason="Off topic")
            assert told("thread_moderated") == {("member", "thread_moderated"): 1}
            actions.perform("silence", actor=moderator, target=other_member, reason="Spamming")
            assert told("sanction_imposed") == {("other", "sanction_imposed"): 1}
            appeal = moderation_services.sanction_appeal_file(
                author=other_member,
                sanction=other_member.sanctions.get(),
                message="I was quoting the spam to warn others.",
            )
            moderation_services.sanction_appeal_decide(
                actor=moderator, appeal=appeal, lift=True, reason="Fair point"
            )
            assert told("sanction_appeal_decided") == {("other", "sanction_appeal_decided"): 1}
    finally:
        app.control.purge()
    # Every stored event was told: none is left for the worker's sweep.
    assert not PendingEvent.objects.exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_reaction_is_written_by_the_reacting_members_process_on_commit(
    member, other_member, category
):
    """As for a decision: no worker runs, tasks go to the broker unrun."""
    from forum.celery import app
    from forum.threads import services as thread_services

    thread = make_thread(author=member, category=category, title="Reacted thread")
    reply = make_reply(thread=thread, author=other_member, body="Three brigades, not two.")
    readers = UserFactory.create_batch(2)

    app.control.purge()
    try:
        with tasks_through_broker():
            for reader in readers:
                thread_services.reaction_add(user=reader, post=reply, kind="insightful")
            thread_services.reaction_add(user=member, post=reply, kind="agree")
            assert told(*WRITTEN_BY_THE_REACTING_PROCESS) == {("other", "reaction"): 3}
    finally:
        app.control.purge()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_an_automatic_hold_is_written_by_the_worker_and_the_approval_replaces_it(
    celery_worker_process, member, newcomer, moderator, category
):
    """The worker's check holds a newcomer's reply and tells its author; the moderator's
    approval, in this process, turns that unread notification into one saying so."""
    from forum.notifications import selectors

    thread = make_thread(author=member, category=category, title="Held thread")
    reply = make_reply(thread=thread, author=newcomer, body="My first words here.")

    def outcomes() -> list[tuple[str, str]]:
        decisions = selectors.inbox(user=newcomer).filter(kind="post_moderated")
        return [(n.outcome, selectors.describe(n)) for n in decisions]

    wait_for(
        lambda: (
            outcomes()
            == [
                (
                    "held",
                    "Your reply in “Held thread” was held for a moderator's review by an automatic "
                    "check (new members' posts); until a moderator decides, only you and the "
                    "moderators can see it",
                )
            ]
        )
    )
    actions.perform("approve", actor=moderator, target=reply)

    assert outcomes() == [
        ("approved", "Your reply in “Held thread” was approved by a moderator and is now visible")
    ]
