"""A check's paragraph fingerprints and layout are stored packed, and read back as they
were written; checks stored as JSON before are converted by the migration."""

import pytest
from django.core import serializers

from moderation.content import Layout, content_from_html, paragraph_fingerprint
from moderation.models import ContentCheck, PackedDigestsField
from tests.factories import make_thread

pytestmark = pytest.mark.django_db

BODY = (
    "<p>First, with <a href='https://one.example/a'>a link</a>.</p>\n"
    "<ul>\n<li>an item</li>\n<li>and <a href='https://two.example/'>another</a></li>\n</ul>\n"
    "<p>Last.</p>\n"
)


def _reading(html: str) -> tuple[list[str], Layout]:
    content = content_from_html(html)
    return [paragraph_fingerprint(p.text) for p in content.paragraphs], content.layout


def test_fingerprints_and_layout_read_back_as_they_were_written(member):
    post = make_thread(author=member).opening_post
    fingerprints, layout = _reading(BODY)
    ContentCheck.objects.filter(post=post).delete()

    ContentCheck.objects.create(
        revision_id=post.current_revision_id,
        post=post,
        author=member,
        outcome="approved",
        paragraph_fingerprints=fingerprints,
        layout=layout,
    )

    stored = ContentCheck.objects.get(revision_id=post.current_revision_id)
    assert stored.paragraph_fingerprints == fingerprints and len(fingerprints) == 4
    assert stored.layout == layout and any(stored.layout.links)
    # Serialised (dumpdata, loaddata) and back.
    (loaded,) = serializers.deserialize("json", serializers.serialize("json", [stored]))
    assert loaded.object.paragraph_fingerprints == fingerprints
    assert loaded.object.layout == layout


def test_only_32_hex_digit_fingerprints_are_stored():
    with pytest.raises(ValueError, match="32 hex digits"):
        PackedDigestsField.pack(["abc"])
    with pytest.raises(ValueError):
        PackedDigestsField.pack(["z" * 32])
    # Spaces between digits, which bytes.fromhex skips, would store 15 bytes that no
    # read could split into digests.
    with pytest.raises(ValueError, match="32 hex digits"):
        PackedDigestsField.pack(["00" * 15 + "  "])
    assert PackedDigestsField.unpack(PackedDigestsField.pack([])) == []
    # Any iterable of digests, not only a list.
    digests = [paragraph_fingerprint(text) for text in ("one", "two")]
    assert PackedDigestsField.unpack(PackedDigestsField.pack(iter(digests))) == digests


def test_a_layout_is_sliced_into_runs_of_chunks_only():
    layout = content_from_html("<p>One.</p><p>Two.</p><p>Three.</p>").layout

    assert len(layout[1:]) == 2 and layout[:1].counts == (1,)
    assert Layout.join(layout[:1], layout[1:]) == layout
    with pytest.raises(ValueError, match="without a step"):
        layout[::2]


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_odd_rows_empty_in_batches_and_goes_back(member, monkeypatch):
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from forum.threads.models import PostRevision

    migration = importlib.import_module("moderation.migrations.0007_contentcheck_packed_reading")
    monkeypatch.setattr(migration, "_BATCH", 2)  # five rows: two whole batches and a rest
    post = make_thread(author=member).opening_post
    ContentCheck.objects.filter(post=post).delete()
    revisions = PostRevision.objects.bulk_create(
        PostRevision(post=post, number=n, editor=member, body_source="x", body_html="x")
        for n in range(2, 7)
    )
    fingerprints, layout = _reading(BODY)
    digest = "0" * 32
    stored = [
        (fingerprints, layout.entries()),  # as checks wrote them
        # Values no check wrote: 32 characters that are not 16 bytes of hex; a chunk
        # length no layout can have; a fingerprint that is no digest and an entry that
        # is not a list; an entry from before layouts held links.
        (["00" * 15 + "  "], [[-1, 1, digest, []]]),
        (["not a digest"], [{"length": 3}]),
        ([digest], [[3, 1, digest]]),
        ([digest], [[2**32, 1, digest, []]]),
    ]
    executor = MigrationExecutor(connection)
    # Going back takes the migrations that depend on it with it, other apps' too: the way
    # forward is every app's latest.
    before, after = (
        ("moderation", "0006_contentcheck_cheaper_writes"),
        executor.loader.graph.leaf_nodes(),
    )
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("moderation", "ContentCheck")
        for revision, (digests, entries) in zip(revisions, stored, strict=True):
            old.objects.create(
                revision_id=revision.pk,
                post_id=post.pk,
                author_id=member.pk,
                outcome="approved",
                paragraph_fingerprints=digests,
                layout=entries,
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)

        checks = list(ContentCheck.objects.filter(post=post).order_by("revision_id"))
        assert [(c.paragraph_fingerprints, c.layout) for c in checks] == [
            (fingerprints, layout),
            ([], Layout()),
            ([], Layout()),
            ([digest], Layout()),
            ([digest], Layout()),
        ]

        # And back: the JSON columns hold what the packed ones did.
        executor = MigrationExecutor(connection)
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps.get_model("moderation", "ContentCheck")
        back = old.objects.filter(post_id=post.pk).order_by("revision_id")
        assert [(c.paragraph_fingerprints, c.layout) for c in back] == [
            (fingerprints, layout.entries()),
            ([], []),
            ([], []),
            ([digest], []),
            ([digest], []),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        connection.close()  # its prepared statements were made for the other columns
