"""Evidence marked inside a post's own markup (moderation.evidence): each span's text is
wrapped where it stands, without breaking a tag or letting unescaped text in."""

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from forum.threads.rendering import render_markdown
from moderation.content import content_from_html, text_runs
from moderation.evidence import Mark, highlight, post_evidence
from moderation.models import Rule, Verdict

_VOID = {"br", "hr", "img", "wbr", "input"}


class _Reading(HTMLParser):
    """The text of some markup, each mark's text by its data-hit, and whether every
    element closes where it opened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.hits: dict[str, str] = {}
        self.ids: list[str] = []
        self.open: list[tuple[str, dict]] = []
        self.misnested: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "mark" and "id" in attributes:
            self.ids.append(attributes["id"])
        if tag not in _VOID:
            self.open.append((tag, attributes))

    def handle_endtag(self, tag):
        if not self.open or self.open[-1][0] != tag:
            self.misnested.append(tag)
            return
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)
        for tag, attributes in self.open:
            if tag == "mark":
                hit = attributes["data-hit"]
                self.hits[hit] = self.hits.get(hit, "") + data


def read(markup: str) -> _Reading:
    reading = _Reading()
    reading.feed(markup)
    reading.close()
    return reading


def mark(paragraph: int, start: int, end: int, anchor: str, **kwargs) -> Mark:
    return Mark(paragraph=paragraph, start=start, end=end, anchor=anchor, title=anchor, **kwargs)


def test_a_span_across_inline_markup_is_marked_piece_by_piece_inside_each_tag():
    html = "<p>Buy <em>cheap</em> pills <strong>today</strong>.</p>"

    result = highlight(html, [mark(0, 4, 15, "a", text="cheap pills")])

    assert "<em><mark" in result.markup and "cheap</mark></em>" in result.markup
    reading = read(result.markup)
    assert reading.misnested == [] and reading.open == []
    assert reading.hits == {"a": "cheap pills"}
    assert reading.ids == ["a"]  # the first piece only: one anchor per hit
    assert "".join(reading.text) == "Buy cheap pills today."
    assert result.placed == {"a"}


def test_overlapping_hits_of_two_rules_nest_and_each_keeps_its_own_text():
    html = "<p>buy cheap <strong>pills at</strong> my shop</p>"
    marks = [mark(0, 4, 15, "words", tone=0), mark(0, 10, 18, "shop talk", tone=1)]

    result = highlight(html, marks)

    reading = read(result.markup)
    assert reading.misnested == []
    assert reading.hits == {"words": "cheap pills", "shop talk": "pills at"}
    assert sorted(reading.ids) == ["shop talk", "words"]
    assert '<mark class="parley-hit parley-tone-1" id="shop talk"' in result.markup
    assert "".join(reading.text) == "buy cheap pills at my shop"


def test_entities_are_counted_as_one_character_and_written_back_escaped():
    html = "<p>Fish &amp; chips &lt;b&gt; here &amp; there</p>"
    paragraph = content_from_html(html).paragraphs[0].text
    assert paragraph == "Fish & chips <b> here & there"

    result = highlight(html, [mark(0, 5, 16, "a", text="& chips <b>")])

    assert '<mark class="parley-hit parley-tone-0" id="a"' in result.markup
    assert ">&amp; chips &lt;b&gt;</mark> here &amp; there</p>" in result.markup
    assert read(result.markup).hits == {"a": "& chips <b>"}


def test_a_hit_in_a_heading_is_marked_inside_the_heading_which_keeps_its_id():
    html = '<h2 id="h-cheap-pills">Cheap pills for all</h2>\n<p>Cheap pills.</p>'

    result = highlight(html, [mark(0, 0, 11, "h"), mark(1, 0, 11, "p")])

    assert result.markup.startswith('<h2 id="h-cheap-pills"><mark ')
    assert "Cheap pills</mark> for all</h2>" in result.markup
    assert read(result.markup).hits == {"h": "Cheap pills", "p": "Cheap pills"}


def test_a_hit_at_the_end_of_the_text_closes_before_the_closing_tags():
    html = "<ul>\n<li>one</li>\n<li>buy <code>now</code></li>\n</ul>"

    result = highlight(html, [mark(1, 4, 7, "end", text="now")])

    assert result.markup.endswith('title="end">now</mark></code></li>\n</ul>')
    assert read(result.markup).misnested == []


def test_marked_text_and_titles_never_come_out_unescaped():
    html = "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    title = '"><script>alert(2)</script>'

    result = highlight(html, [Mark(0, 0, 8, "a", title=title)])

    assert "<script>" not in result.markup
    assert "&lt;script&gt;</mark>" in result.markup
    assert 'title="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in result.markup


def test_spans_that_no_longer_fit_the_text_are_left_out_and_the_markup_unchanged():
    html = "<p>Buy cheap pills.</p>"
    stale = [
        mark(0, 4, 15, "other words", text="dear friends"),
        mark(3, 0, 2, "no such paragraph"),
        mark(0, 10, 99, "past the end"),
        mark(0, 5, 5, "empty"),
    ]

    result = highlight(html, stale)

    assert result.markup == html
    assert result.placed == frozenset()


def test_unmarked_markup_is_copied_exactly():
    html = '<p>Keep <a href="https://a.example/?q=1&amp;r=2" rel="nofollow ugc">this</a> &copy;</p>'

    assert highlight(html, []).markup == html
    assert highlight(html, [mark(0, 0, 4, "a")]).markup.endswith(
        '</mark> <a href="https://a.example/?q=1&amp;r=2" rel="nofollow ugc">this</a> &copy;</p>'
    )


markdown_pieces = st.sampled_from(
    [
        "plain words", "*em*", "**strong**", "`code <x>`", "[link](https://a.example/?q=1&r=2)",
        "&amp; &lt; &#39; &copy;", "> quoted", "- item", "  - sub item", "1. first",
        "| a | b |\n|---|---|\n| c | d |", "```\npre <b>\n```", "# heading", "line  \nbreak",
        "ﬁ ünïcödé ΑΒΓ",
    ]
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(markdown_pieces, st.sampled_from(["\n", "\n\n", " "])), max_size=10))
def test_text_runs_read_every_paragraph_as_the_rules_do(pieces):
    html = render_markdown("".join(piece + separator for piece, separator in pieces)).html
    runs = text_runs(html)
    joined: dict[int, str] = {}
    for run in runs:
        if run.paragraph is not None:
            assert run.offset == len(joined.get(run.paragraph, ""))
            joined[run.paragraph] = joined.get(run.paragraph, "") + run.text

    paragraphs = content_from_html(html).paragraphs

    assert [joined.get(p.index, "") for p in paragraphs] == [p.text for p in paragraphs]
    # Marking every paragraph whole keeps the markup well formed and its text unchanged.
    whole = [mark(p.index, 0, len(p.text), f"p{p.index}") for p in paragraphs if p.text]
    reading = read(highlight(html, whole).markup)
    assert reading.misnested == []
    assert "".join(reading.text) == "".join(read(html).text)


def test_post_evidence_numbers_every_hit_of_every_rule_and_lists_the_rules():
    words = Rule(pk=1, name="Watched words", action=Rule.Action.FLAG)
    links = Rule(pk=2, name="Links", action=Rule.Action.REQUIRE_APPROVAL)
    flood = Rule(pk=3, name="Flood", action=Rule.Action.FLAG)
    html = (
        "<p>cheap pills, cheap pills</p>\n<p>see <a href='https://x.example'>x</a></p>\n"
        "<p>cheap pills again</p>"
    )

    def verdict(rule, detail, spans):
        return Verdict(
            rule=rule, rule_version=2, action=rule.action, score=1.0, detail=detail, spans=spans
        )

    evidence = post_evidence(
        html,
        [
            verdict(
                words,
                'watched word "cheap pills"',
                [
                    {"paragraph": 0, "start": 0, "end": 11, "text": "cheap pills"},
                    {"paragraph": 0, "start": 13, "end": 24, "text": "cheap pills"},
                ],
            ),
            verdict(links, "a link", [{"paragraph": 1, "start": 4, "end": 5, "text": "x"}]),
            verdict(
                words,
                'watched word "cheap pills"',
                [{"paragraph": 2, "start": 0, "end": 11, "text": "cheap pills"}],
            ),
            verdict(words, "stale", [{"paragraph": 0, "start": 0, "end": 5, "text": "dear"}]),
            verdict(flood, "three posts in a minute", []),
        ],
    )

    assert [rule.name for rule in evidence.rules] == ["Flood", "Links", "Watched words"]
    flood_rule, links_rule, words_rule = evidence.rules
    assert flood_rule.findings[0].marked == [] and flood_rule.first_mark is None
    assert links_rule.findings[0].marked == [1]
    # The same word in another paragraph is another verdict, listed on the same line.
    assert [f.marked for f in words_rule.findings] == [[2, 3, 4], []]
    assert words_rule.findings[1].unplaced == ["dear"]
    assert words_rule.first_mark == 2
    assert [r.tone for r in evidence.rules] == [0, 1, 2]
    assert read(str(evidence.markup)).hits == {
        "evidence-1": "x",
        "evidence-2": "cheap pills",
        "evidence-3": "cheap pills",
        "evidence-4": "cheap pills",
    }


def test_reported_paragraphs_are_marked_whole_around_their_hits():
    words = Rule(pk=1, name="Watched words", action=Rule.Action.FLAG)
    html = "<p>First.</p>\n<p>Buy <em>cheap</em> pills here.</p>"
    hit = Verdict(
        rule=words,
        rule_version=1,
        action=words.action,
        score=1.0,
        detail="cheap pills",
        spans=[{"paragraph": 1, "start": 4, "end": 15, "text": "cheap pills"}],
    )

    evidence = post_evidence(html, [hit], reports_by_paragraph={1: 2, 9: 1})

    markup = str(evidence.markup)
    assert evidence.reported == {1}  # paragraph 9 is not in this revision
    assert '<p><mark class="parley-reported" id="reported-1"' in markup
    assert 'title="2 reports of paragraph 2"' in markup
    reading = read(markup)
    assert reading.misnested == []
    assert reading.hits == {"reported-1": "Buy cheap pills here.", "evidence-1": "cheap pills"}
    # Outermost on every piece: the hit's own mark sits inside it.
    assert '<em><mark class="parley-reported" data-hit="reported-1"' in markup
    assert evidence.rules[0].findings[0].marked == [1]
