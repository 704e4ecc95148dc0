"""The table of contents numbers the headings once: by the list, or, when the headings
carry numbers of their own, by those alone."""

import re

import pytest

from forum.web.reading import headings_number_themselves, table_of_contents
from tests.factories import make_thread

NUMBERED = """# 1. Introduction

Text.

## 1.1 Scope

Text.

# 2. Method

## 2.3 Sources

# 3. Results
"""

PLAIN = "# Background\n\nText.\n\n## Earlier work\n\nText.\n\n# Findings\n\nText."


def test_headings_that_number_themselves_are_recognised():
    def numbered(*texts):
        return headings_number_themselves([[1, text, "h-x"] for text in texts])

    assert numbered("1. Intro", "2.3 Method", "3) Results")
    assert numbered("I. Intro", "II. Method", "IV. Results")
    assert numbered("A. Intro", "B. Method", "Notes")
    assert not numbered("Intro", "Method", "Results")
    assert not numbered("2024 in review", "Method", "Results")  # a year is not a number
    assert not numbered("Intro", "1. Method", "Results")


def test_the_table_keeps_the_nesting_and_says_whose_numbers_show():
    toc = table_of_contents(
        [[1, "1. Intro", "h-1"], [2, "1.1 Scope", "h-2"], [1, "2. Method", "h-3"]]
    )

    assert toc.own_numbers
    assert [entry.text for entry in toc.entries] == ["1. Intro", "2. Method"]
    assert [child.text for child in toc.entries[0].children] == ["1.1 Scope"]
    assert not table_of_contents([[1, "One", "h-1"], [1, "Two", "h-2"]])


def _toc_of(client, thread) -> str:
    page = client.get(thread.get_absolute_url()).text
    start = page.index('<nav class="toc"')
    return page[start : page.index("</nav>", start)]


@pytest.mark.django_db
def test_a_thread_with_numbered_headings_gets_an_unnumbered_list(client, member):
    toc = _toc_of(client, make_thread(author=member, body=NUMBERED))

    assert "<ol" not in toc
    assert re.sub(r"\s+", "", toc).count('<ulclass="toc-own-numbers">') == 3
    assert ">1. Introduction</a>" in toc and ">2.3 Sources</a>" in toc


@pytest.mark.django_db
def test_a_thread_with_plain_headings_gets_a_numbered_list(client, member):
    toc = _toc_of(client, make_thread(author=member, body=PLAIN))

    assert "<ol>" in toc and "toc-own-numbers" not in toc
