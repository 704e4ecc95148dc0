"""Quoting a post in a reply: the `[quote="username, post:N"]` markup the renderer turns
into an attributed block quote (and a "quote" notification for the quoted author) once
it finds the quoted words in that post."""

import re

# The usernames the renderer accepts in a quote's opening line (forum/threads/rendering.py,
# _USERNAME). Django allows longer and non-ASCII usernames; those are quoted as a plain
# Markdown block quote, which loses the attribution but never shows broken markup.
_QUOTABLE_USERNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,28}[A-Za-z0-9_])?")
_QUOTE_OPEN_LINE = re.compile(r'\s*\[quote="[^"\n]*"\]\s*', re.IGNORECASE)
_QUOTE_CLOSE_LINE = re.compile(r"\s*\[/quote\]\s*", re.IGNORECASE)


def quote_opener(*, username: str, post_id: int) -> str:
    """The opening line that attributes a quote to `username`'s post, or "" when the
    renderer could not attribute it."""
    if not _QUOTABLE_USERNAME.fullmatch(username):
        return ""
    return f'[quote="{username}, post:{post_id}"]'


def without_nested_quotes(source: str) -> str:
    """`source` without the quotes it holds itself, so quoting a reply that quoted
    someone does not stack quotes inside quotes. Blank lines left behind are collapsed."""
    kept: list[str] = []
    depth = 0
    for line in source.split("\n"):
        if _QUOTE_OPEN_LINE.fullmatch(line):
            depth += 1
            continue
        if depth and _QUOTE_CLOSE_LINE.fullmatch(line):
            depth -= 1
            continue
        if not depth:
            kept.append(line)
    text = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def quote_block(*, username: str, post_id: int, text: str) -> str:
    """`text` quoted from `username`'s post `post_id`, followed by a blank line for the
    reply itself."""
    text = text.strip("\n")
    opener = quote_opener(username=username, post_id=post_id)
    if opener:
        return f"{opener}\n{text}\n[/quote]\n\n"
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n")) + "\n\n"


def quote_whole_post(post) -> str:
    """The reply-form text that quotes all of `post` (its own words, not its quotes)."""
    return quote_block(
        username=post.author.username,
        post_id=post.pk,
        text=without_nested_quotes(post.body_source),
    )
