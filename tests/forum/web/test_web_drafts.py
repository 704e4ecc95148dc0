"""Drafts and previews in the web UI without JavaScript: the reply and new-thread forms
start from the member's server draft on any device, Preview shows a reply or an edit
rendered and keeps the text (and the draft), Discard draft discards it, and a draft is
never shown to anyone else nor put into a form that would be refused."""

import html as html_lib

import pytest
from django.test import Client

from forum.accounts.models import Sanction
from forum.threads.drafts import selectors, services
from forum.threads.models import Post, Thread
from forum.web.drafts import DRAFT_SESSION_KEY
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def _device(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _textarea(page: str) -> str:
    start = page.index('name="body"')
    opened = page.index(">", start) + 1
    # Django writes a newline after <textarea>, which browsers drop, as the HTML spec says.
    text = html_lib.unescape(page[opened : page.index("</textarea>", opened)])
    return text.removeprefix("\n")


def test_the_reply_form_starts_from_the_draft_saved_on_another_device(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Begun on the laptop & <kept>")

    page = _device(member).get(thread.get_absolute_url())

    assert page.status_code == 200
    assert _textarea(page.text) == "Begun on the laptop & <kept>"
    assert "Draft saved" in page.text
    assert "Discard draft" in page.text
    assert f'data-draft-url="/api/v1/drafts/thread/{thread.pk}/"' in page.text


def test_a_draft_is_shown_to_its_owner_only(member, other_member):
    thread = make_thread(author=member)
    services.draft_save(user=member, thread=thread, body="Only mine")

    assert "Only mine" not in _device(other_member).get(thread.get_absolute_url()).text
    assert "Only mine" not in Client().get(thread.get_absolute_url()).text


def test_a_draft_answering_another_post_says_where_it_was_going(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    services.draft_save(user=member, thread=thread, body="To the reply", parent_id=reply.pk)

    elsewhere = _device(member).get(thread.get_absolute_url())
    there = _device(member).get(f"{thread.get_absolute_url()}?reply_to={reply.pk}")

    assert f"?reply_to={reply.pk}#reply-form" in elsewhere.text
    assert "Your draft was written as a reply to" in elsewhere.text
    assert "Your draft was written as a reply to" not in there.text
    assert _textarea(there.text) == "To the reply"


def test_text_kept_across_a_lost_session_comes_before_the_server_draft(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Older, on the server")
    client = _device(member)
    session = client.session
    session[DRAFT_SESSION_KEY] = {
        "path": thread.get_absolute_url(),
        "owner": member.pk,
        "fields": {"body": "Typed last, before the session ended"},
    }
    session.save()

    assert _textarea(client.get(thread.get_absolute_url()).text) == (
        "Typed last, before the session ended"
    )
    assert _textarea(client.get(thread.get_absolute_url()).text) == "Older, on the server"


def test_quoting_a_post_adds_the_quote_after_the_draft(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member, body="Quote me")
    services.draft_save(user=member, thread=thread, body="My draft so far")

    page = _device(member).get(f"{thread.get_absolute_url()}?reply_to={reply.pk}&quote=1")

    body = _textarea(page.text)
    assert body.startswith("My draft so far\n\n") and "Quote me" in body


def test_preview_of_a_reply_shows_it_rendered_keeps_the_text_and_the_draft(member, other_member):
    thread = make_thread(author=other_member)
    client = _device(member)
    text = "A claim[^1] with **weight**.\n\n[^1]: The source."

    page = client.post(thread.get_absolute_url(), {"body": text, "preview": "1"})

    assert page.status_code == 200
    assert _textarea(page.text) == text
    preview = page.text[page.text.index('class="preview"') :]
    assert "<strong>weight</strong>" in preview and 'class="footnote-ref"' in preview
    assert "Nothing is saved until you post." in preview
    assert not Post.objects.filter(body_source=text).exists()
    assert selectors.draft_get(user=member, thread=thread).body == text


def test_preview_of_an_empty_reply_says_what_is_wrong(member, other_member):
    thread = make_thread(author=other_member)

    page = _device(member).post(thread.get_absolute_url(), {"body": "", "preview": "1"})

    assert page.status_code == 400
    assert 'class="preview"' not in page.text
    assert selectors.draft_get(user=member, thread=thread) is None


def test_preview_of_an_edit_renders_footnotes_and_keeps_the_text(member):
    thread = make_thread(author=member, body="First version")
    url = f"/p/{thread.opening_post_id}/edit/"
    text = "Second version[^n].\n\n[^n]: With a note."

    page = _device(member).post(url, {"title": thread.title, "body": text, "preview": "1"})

    assert page.status_code == 200
    assert _textarea(page.text) == text
    assert 'class="footnote-item"' in page.text
    assert Post.objects.get(pk=thread.opening_post_id).body_source == "First version"


def test_posting_the_reply_deletes_its_draft(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Now posted")

    sent = _device(member).post(thread.get_absolute_url(), {"body": "Now posted"})

    assert sent.status_code == 302
    assert selectors.draft_get(user=member, thread=thread) is None


def test_discard_draft_empties_the_reply_form(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Changed my mind")
    client = _device(member)

    sent = client.post("/drafts/discard/", {"thread": thread.pk, "body": "Changed my mind"})

    assert sent.status_code == 302 and sent["Location"].endswith("#reply-form")
    assert selectors.draft_get(user=member, thread=thread) is None
    assert "Changed my mind" not in client.get(thread.get_absolute_url()).text
    assert client.post("/drafts/discard/", {"thread": "x"}).status_code == 404
    assert client.get("/drafts/discard/").status_code == 405


def test_the_new_thread_page_starts_from_the_draft_and_preview_keeps_it(member, category):
    client = _device(member)

    previewed = client.post(
        "/new/",
        {"category": category.slug, "title": "Rail traffic", "body": "Begun", "preview": "1"},
    )
    page = _device(member).get("/new/")

    assert previewed.status_code == 200
    assert f'<option value="{category.slug}" selected>' in page.text
    assert 'value="Rail traffic"' in page.text
    assert _textarea(page.text) == "Begun"
    assert 'data-draft-url="/api/v1/drafts/new-thread/"' in page.text

    client.post("/drafts/discard/", {})
    assert selectors.draft_get(user=member) is None
    client.post("/new/", {"category": category.slug, "title": "Posted", "body": "Body"})
    assert Thread.objects.filter(title="Posted").exists()


def test_a_draft_is_not_put_into_a_form_that_would_be_refused(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Too late to post")
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)

    page = _device(member).get(thread.get_absolute_url())

    assert 'id="reply-form"' not in page.text
    assert "Too late to post" not in page.text
    assert "locked" in page.text and "Your draft of a reply is kept" in page.text


def test_a_silenced_member_is_told_why_and_that_the_draft_is_kept(member, other_member):
    thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="For later")
    Sanction.objects.create(user=member, kind="silence", reason="flooding")

    page = _device(member).get(thread.get_absolute_url())

    assert 'id="reply-form"' not in page.text
    assert "silenced" in page.text and "Your draft of a reply is kept" in page.text


def _new_thread_preview(client, category, body, *, seen: str) -> str:
    fields = {"category": category.slug, "title": "Rail traffic", "body": body, "preview": "1"}
    return client.post("/new/", {**fields, "draft_updated_at": seen}).text


def test_preview_of_a_new_thread_keeps_it_over_the_draft_it_was_written_from(member, category):
    client = _device(member)
    first = client.get("/new/")
    assert 'name="draft_updated_at" value=""' in first.text

    begun = _new_thread_preview(client, category, "Begun", seen="")
    seen = selectors.draft_get(user=member).updated_at.isoformat()
    assert f'name="draft_updated_at" value="{seen}"' in begun

    _new_thread_preview(client, category, "Begun, and more", seen=seen)

    assert selectors.draft_get(user=member).body == "Begun, and more"


def test_preview_of_an_older_copy_does_not_overwrite_a_newer_draft_nor_hide_it(member, category):
    """The laptop's page was loaded from a draft the phone has saved over since: its
    Preview shows the text but keeps the phone's draft, says why, and still offers to
    discard the draft that is kept."""
    laptop_copy = services.draft_save(user=member, body="From the laptop", title="Rail")
    services.draft_save(user=member, body="From the phone", title="Rail")

    page = _new_thread_preview(
        _device(member), category, "Laptop, old copy", seen=laptop_copy.updated_at.isoformat()
    )

    assert selectors.draft_get(user=member).body == "From the phone"
    assert 'class="preview"' in page
    assert "Your draft is not kept" in html_lib.unescape(page)
    assert "data-draft-discard>" in page  # the Discard draft button, not hidden


def test_preview_of_a_reply_whose_draft_was_posted_elsewhere_does_not_bring_it_back(
    member, other_member
):
    thread = make_thread(author=other_member)
    copy = services.draft_save(user=member, thread=thread, body="Nearly done")
    client = _device(member)
    client.post(thread.get_absolute_url(), {"body": "Nearly done, and sent"})

    page = client.post(
        thread.get_absolute_url(),
        {"body": "Nearly done", "preview": "1", "draft_updated_at": copy.updated_at.isoformat()},
    )

    assert page.status_code == 200
    assert "posted or discarded elsewhere" in page.text
    assert selectors.draft_get(user=member, thread=thread) is None


@pytest.mark.parametrize("seen", ["2026-01-01T10:00:00", "2026-13-45T99:00:00+00:00", "soon"])
def test_a_preview_saying_nothing_that_reads_as_a_moment_saves_regardless(member, category, seen):
    services.draft_save(user=member, body="Kept before", title="Rail")

    page = _device(member).post(
        "/new/",
        {
            "category": category.slug,
            "title": "Rail",
            "body": "Now",
            "preview": "1",
            "draft_updated_at": seen,
        },
    )

    assert page.status_code == 200
    assert selectors.draft_get(user=member).body == "Now"
