"""Domain events: told after commit, never for a rolled-back write, and a durable one is
kept until every subscriber has been told, so a failure is told again by the sweep."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from forum.core import events
from forum.core.models import PendingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """Subscribers of ReportResolved replaced by one that records what it hears (and
    fails while `heard.failing` is set)."""

    class Heard(list):
        failing = False

    told = Heard()

    def listen(event):
        if told.failing:
            raise RuntimeError("the subscriber's database went away")
        told.append(event)

    monkeypatch.setitem(events._subscribers, events.ReportResolved, [listen])
    return told


def _resolved(n: int = 1) -> events.ReportResolved:
    return events.ReportResolved(report_id=n, reporter_id=2, post_id=3, thread_id=4, upheld=True)


def test_a_durable_event_is_stored_with_the_write_and_gone_once_told(
    heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(_resolved())
        assert PendingEvent.objects.count() == 1  # in the same transaction
        assert heard == []  # not before the commit

    assert heard == [_resolved()]
    assert PendingEvent.objects.count() == 0


def test_a_rolled_back_write_tells_nobody(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                events.publish(_resolved())
                raise RuntimeError("the decision failed")
        except RuntimeError:
            pass

    assert heard == []
    assert PendingEvent.objects.count() == 0


def test_a_failed_telling_stays_and_the_sweep_tells_it_again(
    heard, django_capture_on_commit_callbacks
):
    heard.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(_resolved())
    (stored,) = PendingEvent.objects.all()
    assert stored.attempts == 1 and heard == []

    heard.failing = False
    assert events.dispatch_overdue() == 1
    assert heard == [_resolved()]
    assert PendingEvent.objects.count() == 0


def test_the_sweep_waits_for_the_grace_period_and_gives_up_after_its_attempts(heard, settings):
    settings.PARLEY = {**settings.PARLEY, "EVENT_GRACE_SECONDS": 60}
    young = PendingEvent.objects.create(name="ReportResolved", payload=events._encode(_resolved(1)))
    old = PendingEvent.objects.create(
        name="ReportResolved",
        payload=events._encode(_resolved(2)),
        created_at=timezone.now() - dt.timedelta(minutes=5),
    )
    PendingEvent.objects.create(
        name="ReportResolved",
        payload=events._encode(_resolved(3)),
        created_at=timezone.now() - dt.timedelta(minutes=5),
        attempts=events.MAX_ATTEMPTS,
    )

    assert events.dispatch_overdue() == 1
    assert [event.report_id for event in heard] == [2]
    assert set(PendingEvent.objects.values_list("attempts", flat=True)) == {0, events.MAX_ATTEMPTS}
    assert PendingEvent.objects.filter(pk=young.pk).exists()
    assert not PendingEvent.objects.filter(pk=old.pk).exists()


def test_stored_events_come_back_as_they_were_published():
    at = timezone.now()
    event = events.PostStateChanged(
        post_id=1,
        thread_id=2,
        category_id=3,
        before="visible",
        after="hidden",
        was_public=True,
        at=at,
    )

    assert events._decode("PostStateChanged", events._encode(event)) == event
