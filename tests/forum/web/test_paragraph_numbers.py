"""The paragraph a member reports is the paragraph the moderator is shown, under the same
number, whatever the post holds: headings, nested lists, quotes, code, footnotes-like
notes and tables. The numbering is moderation.content's (from 0, as stored); people see
it counted from 1 (content.paragraph_number), and the flags parley.js adds beside each
paragraph number them as the server does."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from moderation.content import reportable_paragraphs
from moderation.models import Report, ReviewItem
from tests.browser import clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import ModeratorFactory, UserFactory, make_thread

LONG_FORM = """# What the images show

The first claim rests on *three* sources.

## Sources

1. A satellite image
   - taken in March
   - and again in May
2. A report[^1] from the ground

> A quoted witness says so.
>
> And adds a second paragraph.

[quote="analyst"]
A quote in the forum's own markup.
[/quote]

```
code line one
code line two
```

| Unit | Men |
| --- | --- |
| First | 1,200 |
| Second | 900 |

- Tight item with a sub-list
  - the sub-item

---

[^1]: A footnote-like note at the end.

Last words, with a [link](https://example.org/).
"""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _server_numbers(html: str) -> list[tuple[int, str]]:
    return [(p.index, _squash(p.text)) for p in reportable_paragraphs(html)]


@pytest.fixture
def long_post():
    thread = make_thread(author=UserFactory(username="analyst"), title="Long form", body=LONG_FORM)
    return thread.opening_post


@pytest.mark.django_db
def test_the_post_has_every_kind_of_block_and_each_is_numbered_in_order(long_post):
    numbers = _server_numbers(long_post.body_html)
    texts = [text for _, text in numbers]

    assert [index for index, _ in numbers] == sorted({index for index, _ in numbers})
    for expected in (
        "What the images show",  # a heading
        "taken in March",  # a nested list item
        "A quoted witness says so.",  # a blockquote's paragraph
        "code line one code line two",  # a code block
        "900",  # a table cell
        "the sub-item",
        "Last words, with a link.",
    ):
        assert expected in texts, (expected, texts)


@pytest.mark.django_db
def test_each_paragraph_a_member_reports_is_the_one_the_moderator_sees_by_that_number(
    long_post,
):
    member, moderator = UserFactory(username="reader"), ModeratorFactory(username="mod")
    reader, admin = Client(), Client()
    reader.force_login(member)
    admin.force_login(moderator)
    url = reverse("web:post-report", args=[long_post.pk])
    form = reader.get(url).content.decode()
    offered = [
        (int(value), int(number), _squash(unescape(text)))
        for value, number, text in re.findall(
            r'<option value="(\d+)"[^>]*>Paragraph (\d+): ([^<]*)</option>', form
        )
    ]
    server = _server_numbers(long_post.body_html)
    assert [(value, number - 1) for value, number, _ in offered] == [
        (index, index) for index, _ in server
    ]

    for value, number, label in offered:
        Report.objects.all().delete()
        ReviewItem.objects.all().delete()
        response = reader.post(url, {"reason": "spam", "paragraph": value})
        assert response.status_code == 302, response.content.decode()[:500]
        item = ReviewItem.objects.get(post=long_post)
        page = admin.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
        html = page.content.decode()

        # The report reads "paragraph N" with the member's N, and links to the mark
        # around that very paragraph's text in the post.
        assert f'<a href="#reported-{value}">paragraph {number}</a>' in html
        marked = re.search(rf'<mark[^>]*id="reported-{value}"[^>]*>(.*?)</mark>', html, re.S)
        assert marked is not None
        marked_text = _squash(unescape(re.sub(r"<[^>]+>", "", marked[1])))
        assert label.rstrip("…") in marked_text or marked_text in label


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_report_flags_in_the_browser_number_paragraphs_as_the_server_does(
    live_server, page, long_post, console_errors
):
    UserFactory(username="reader")
    log_in(page, live_server, "reader")
    page.goto(live_server.url + long_post.thread.get_absolute_url())
    flags = page.locator(f'.post-body[data-post="{long_post.pk}"] .paragraph-report')
    flags.first.wait_for(state="attached")

    shown = flags.evaluate_all(
        """links => links.map(link => {
            const block = link.previousElementSibling && link.previousElementSibling.tagName
                === "PRE" ? link.previousElementSibling : link.parentElement;
            const index = Number(new URL(link.href).searchParams.get("paragraph"));
            return [index, link.getAttribute("aria-label"), block.textContent];
        })"""
    )

    # A leaf holding a sub-list gets its flag after the sub-list's: compare in index order.
    shown.sort()
    server = _server_numbers(long_post.body_html)
    assert [index for index, _, _ in shown] == [index for index, _ in server]
    assert [label for _, label, _ in shown] == [f"Report paragraph {i + 1}" for i, _ in server]
    by_index = dict(server)
    for index, _, text in shown:
        # A leaf holding a sub-list shows its own words first; the flag is on that leaf.
        assert _squash(text).startswith(by_index[index]), (index, text, by_index[index])
    page.screenshot(path=str(ARTIFACTS / "web-paragraph-report-flags.png"), full_page=True)
    assert console_errors == []
