"""A small discussion for the tests of what readers do with posts (save them, share
them): a thread and one reply holding Markdown, so that a test can tell the rendered
text from the source."""

from tests.factories import make_reply, make_thread


def make_discussion(*, author, category):
    """A thread "Troop movements" by `author` in `category` and a reply of theirs in it;
    returns the reply, its `thread` loaded."""
    thread = make_thread(author=author, category=category, title="Troop movements")
    return make_reply(thread=thread, author=author, body="The **March** imagery says so.")
