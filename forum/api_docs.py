"""What the API's documentation says about each operation: a description written for
integrators and examples of its request and response bodies, by operation id, plus the
tags that group the operations. Applied to the generated schema by `document_operations`
(a drf-spectacular post-processing hook); tests/forum/api/test_api_docs.py fails for an
operation without a description, or a body without an example, and checks every example
against the schema.

The guide that opens the documentation (authentication, pagination, errors, rate limits,
webhooks, versioning) is forum/api_guide.md, the schema's description."""

TAGS = [
    {"name": "threads", "description": "Categories, threads and their posts in reading order."},
    {"name": "posts", "description": "One post: read, edit, delete, history, report, appeal."},
    {"name": "images", "description": "Images uploaded to show in posts."},
    {"name": "drafts", "description": "What you are writing, kept for you alone until posted."},
    {"name": "search", "description": "Full-text search over what the caller may read."},
    {
        "name": "members",
        "description": "Your account, tokens, mutes and bookmarks; members' profiles.",
    },
    {"name": "notifications", "description": "Your notifications and their unread count."},
    {"name": "webhooks", "description": "Signed HTTP callbacks for forum events."},
    {
        "name": "moderation",
        "description": "For moderators: the review queue, actions, reports, sanctions, log.",
    },
]
# Operations are tagged by the first segment of their path, some of them renamed.
_TAG_OF_SEGMENT = {
    "categories": "threads",
    "me": "members",
    "users": "members",
    "bookmarks": "members",
    "sanctions": "members",
}

_T = "2026-12-05T10:10:58Z"
_ANALYST = {"username": "analyst", "display_name": "Ana Lyst"}
_READER = {"username": "reader", "display_name": ""}
_SITE = "https://forum.example.org/api/v1"


def _page(results: list, *, next_path: str | None = None) -> dict:
    return {
        "next": f"{_SITE}{next_path}" if next_path else None,
        "previous": None,
        "results": results,
    }


_THREAD = {
    "id": 1,
    "title": "Satellite images of DPRK troops in Russia",
    "slug": "satellite-images-of-dprk-troops-in-russia",
    "category": "analysis",
    "author": _ANALYST,
    "state": "visible",
    "is_pinned": False,
    "is_locked": False,
    "reply_count": 3,
    "last_activity_at": _T,
    "created_at": _T,
}
_POST = {
    "id": 4,
    "thread_id": 1,
    "parent_id": 1,
    "depth": 1,
    "author": _READER,
    "state": "visible",
    "state_reason": "",
    "body_html": "<p>Which <strong>source</strong> says so?</p>\n",
    "placeholder": "",
    "revision_count": 1,
    "created_at": _T,
    "edited_at": None,
    "reactions": {"insightful": 0, "agree": 2, "disagree": 0, "sources": 1},
    "author_muted": False,
}
_POST_DETAIL = {**_POST, "body": "Which **source** says so?", "my_reactions": []}
_REACTIONS = {
    "post_id": 4,
    "reactions": {"insightful": 1, "agree": 2, "disagree": 0, "sources": 1},
    "my_reactions": ["insightful"],
}
_BOOKMARK = {
    "id": 7,
    "kind": "post",
    "target_id": 4,
    "note": "Check this against the March imagery",
    "available": True,
    "title": _THREAD["title"],
    "excerpt": "Which source says so?",
    "url": "/p/4/",
    "created_at": _T,
    "updated_at": _T,
}
_BOOKMARK_GONE = {
    **_BOOKMARK,
    "id": 6,
    "target_id": 3,
    "note": "",
    "available": False,
    "title": "",
    "excerpt": "",
    "url": "",
}
_THREAD_BOOKMARK = {
    **_BOOKMARK,
    "id": 8,
    "kind": "thread",
    "target_id": 1,
    "note": "Come back when the imagery is updated",
    "excerpt": "Satellite images show DPRK troops in Russia's Kursk region.",
    "url": "/t/1/satellite-images-of-dprk-troops-in-russia/",
}
_TOKEN = {
    "id": 3,
    "name": "laptop",
    "prefix": "parley_ouwh5M",
    "read_only": False,
    "created_at": _T,
    "last_used_at": None,
    "expires_at": "2027-03-05T10:10:58Z",
    "revoked_at": None,
}
_WEBHOOK = {
    "id": 1,
    "url": "https://hooks.example.org/parley",
    "events": ["post.created", "thread.created"],
    "is_active": True,
    "consecutive_failures": 0,
    "disabled_at": None,
    "disabled_reason": "",
    "created_at": _T,
}
_DELIVERY = {
    "id": 31,
    "event": "post.created",
    "event_id": "post.created:4",
    "payload": {
        "delivery_id": 31,
        "event": "post.created",
        "event_id": "post.created:4",
        "created_at": _T,
        "data": {
            "post": {"id": 4, "thread_id": 1, "parent_id": 1, "author": "reader", "created_at": _T}
        },
    },
    "status": "succeeded",
    "attempts": 1,
    "last_status_code": 204,
    "last_error": "",
    "next_attempt_at": None,
    "created_at": _T,
    "delivered_at": _T,
}
_REPORT = {
    "id": 7,
    "post_id": 4,
    "paragraph": 2,
    "reporter": "reader",
    "reason": "off_topic",
    "message": "",
    "status": "open",
    "created_at": _T,
}
_ITEM = {
    "id": 12,
    "post_id": 4,
    "thread_id": 1,
    "post_author": "reader",
    "post_state": "pending",
    "state": "pending",
    "reasons": ["rule"],
    "severity": 0.8,
    "claimed_by": None,
    "claimed_at": None,
    "report_count": 0,
    "created_at": _T,
}
_IMAGE = {
    "id": 7,
    "url": "/media/images/3f/3f5a0c2e9b7d41a8c6e0f2b4d9a7c1e5f8b3a6d0c2e4f7a9b1d3c5e7f9a2b4c6.png",
    "width": 1200,
    "height": 800,
    "alt": "rainfall 2024",
    "markdown": "![rainfall 2024](/media/images/3f/"
    "3f5a0c2e9b7d41a8c6e0f2b4d9a7c1e5f8b3a6d0c2e4f7a9b1d3c5e7f9a2b4c6.png)",
}
_DRAFT = {
    "kind": "reply",
    "thread_id": 1,
    "parent_id": 4,
    "category": None,
    "title": "",
    "body": "The imagery is from October; the source[^1] says so.\n\n[^1]: Planet Labs.",
    "updated_at": _T,
}
_NEW_THREAD_DRAFT = {
    "kind": "thread",
    "thread_id": None,
    "parent_id": None,
    "category": "analysis",
    "title": "Rail traffic at Tumangang",
    "body": "## 1. Sources\n\nTwo sets of imagery",
    "updated_at": _T,
}
_ACTION_RESULT = {"action": "hide", "changed": True, "message": "Hide: done."}

# operation id: description, and examples ("request"; "response" by status).
OPERATIONS: dict[str, dict] = {
    "v1_categories_list": {
        "description": "The forum's categories in their display order. A category is "
        "post-moderated (posts show at once and are checked afterwards) or pre-moderated "
        "(every post waits for a moderator). Anyone may call it.",
        "response": {
            "200": _page(
                [
                    {
                        "id": 1,
                        "name": "Analysis",
                        "slug": "analysis",
                        "description": "Long-form analysis posts and their discussion.",
                        "moderation_mode": "post",
                    }
                ]
            )
        },
    },
    "v1_threads_list": {
        "description": "Threads the caller may read, latest activity first by default "
        "(pinned threads are not put first here: filter or sort as you need). Filters "
        "combine. A signed-in caller also finds their own threads still under review; "
        "moderators find every state in their categories with `state`. Anonymous answers "
        "are cached for a minute at most. For a signed-in caller each thread carries "
        "what is new in it: `last_read_post_id`, the post they marked it read up to, and "
        "`unread`, how many posts they may read came after it (their own aside); both "
        "are `null` for a thread they never marked read, and for anonymous callers.",
        "response": {
            "200": _page(
                [{**_THREAD, "unread": 2, "last_read_post_id": 3}],
                next_path="/threads/?cursor=WyIxZjM0IiwiMjAy",
            )
        },
    },
    "v1_threads_create": {
        "description": "Starts a thread with its opening post, written in Markdown. The "
        "thread is visible at once, or waits for a moderator when the category is "
        "pre-moderated or the author is new (its `state` says `pending`). Blocking "
        "moderation rules refuse it with `blocked_by_rule`; posting too fast is a `429`.",
        "request": {
            "category": "analysis",
            "title": "Satellite images of DPRK troops in Russia",
            "body": "Russian media corroborate the **Reuters** report…",
        },
        "response": {"201": {**_THREAD, "reply_count": 0}},
    },
    "v1_threads_retrieve": {
        "description": "One thread, if the caller may read it (a `404` otherwise, whether "
        "it exists or not). Carries an `ETag`: send it in `If-None-Match` to get a `304` "
        "while nothing in the thread changed.",
        "response": {"200": _THREAD},
    },
    "v1_threads_posts_retrieve": {
        "description": "The thread's posts in reading order: each post before its replies, "
        "replies in the order written, at any depth (`depth` and `parent_id` rebuild the "
        "tree). A post the caller may not read stays in place as a placeholder (empty "
        "`body_html`, `placeholder` saying why), so replies keep their context. With "
        "`order=newest` or `order=reactions`, the replies the caller may read come as a "
        "flat list instead, newest first or most reactions first (ties newest first); "
        "each order has cursors of its own. Pages with `cursor` and `page_size` like "
        "every list, in both directions, and carries an `ETag` like the thread.",
        "response": {
            "200": _page(
                [{**_POST, "id": 1, "parent_id": None, "depth": 0, "author": _ANALYST}, _POST],
                next_path="/threads/1/posts/?cursor=WyI2MmMxZGZlODkx&page_size=2",
            )
        },
    },
    "v1_threads_posts_create": {
        "description": "Replies in the thread: to the opening post, or to any post of it "
        "with `parent_id`. Refused in a locked thread (`thread_locked`), to a silenced "
        "member (`account_silenced`), for a parent elsewhere or hidden (`bad_parent`), by "
        "a blocking rule (`blocked_by_rule`) or when posting too fast (`429` with "
        "`Retry-After`). The reply may start `pending`, as a new thread may. `parent` is "
        "the deprecated name of `parent_id`.",
        "request": {"body": "Which **source** says so?", "parent_id": 1},
        "response": {"201": _POST_DETAIL},
    },
    "v1_threads_read_create": {
        "description": "Marks the thread read by you up to the post `post_id` (the last "
        "one your member has read): the posts written before it stop counting as "
        "`unread` in thread lists. The mark only moves forward; naming an earlier post "
        "changes nothing. Reading posts through the API marks nothing by itself: mark "
        "what your member has read. A thread you cannot see is a `404`; a post that is "
        "not in the thread, or that you cannot read, a `400 bad_post`. Answers the mark "
        "and how many posts came after it.",
        "request": {"post_id": 4},
        "response": {"200": {"thread_id": 1, "last_read_post_id": 4, "unread": 0}},
    },
    "v1_threads_watch_update": {
        "description": "How closely you follow the thread: `watching` (a notification for "
        "every post), `tracking` (unread count only), `normal` (replies to you and "
        "mentions) or `muted` (nothing).",
        "request": {"level": "watching"},
        "response": {"200": {"level": "watching"}},
    },
    "v1_posts_retrieve": {
        "description": "One post, if the caller may read it. Its Markdown (`body`) is "
        "given to whoever may edit it, to edit from; others get `null` and read "
        "`body_html`.",
        "response": {"200": _POST_DETAIL},
    },
    "v1_posts_reactions_list": {
        "description": "Who reacted to the post, the latest first, with `kind` narrowing "
        "to one reaction. Anyone who may read the post may see who reacted to it.",
        "response": {
            "200": _page(
                [{"kind": "insightful", "member": _ANALYST, "created_at": _T}],
            )
        },
    },
    "v1_posts_reactions_update": {
        "description": "Gives the post a reaction of `kind` (`insightful`, `agree`, "
        "`disagree`, `sources`) from you; giving it again changes nothing. Answers the "
        "post's counts and your reactions. Not on your own post (`own_post`), nor while "
        "silenced (`account_silenced`); a post you cannot read is a `404`.",
        "response": {"200": _REACTIONS},
    },
    "v1_posts_reactions_destroy": {
        "description": "Takes back your reaction of `kind` on the post; taking back one you "
        "did not give changes nothing. Answers the post's counts and your reactions, as "
        "giving one does.",
        "response": {
            "200": {
                **_REACTIONS,
                "reactions": {**_REACTIONS["reactions"], "insightful": 0},
                "my_reactions": [],
            }
        },
    },
    "v1_posts_partial_update": {
        "description": "Edits the post: its author while the thread is open, or a "
        "moderator of its category. Stores a new revision (see the post's revisions) "
        "with the optional `reason`; `title` renames the thread (opening posts only). "
        "The new revision is checked by the moderation rules again.",
        "request": {
            "body": "Which **source** says so? The Reuters report?",
            "reason": "Named the report",
        },
        "response": {
            "200": {
                **_POST_DETAIL,
                "body": "Which **source** says so? The Reuters report?",
                "body_html": "<p>Which <strong>source</strong> says so? The Reuters report?</p>\n",
                "revision_count": 2,
                "edited_at": _T,
            }
        },
    },
    "v1_posts_destroy": {
        "description": "Deletes the post (its author, or a moderator): readers see a "
        "placeholder where it was and its replies stay; moderators keep its content. A "
        "deleted post cannot be appealed.",
    },
    "v1_posts_revisions_list": {
        "description": "Every revision of the post, oldest first: who wrote it, when, why, "
        "its Markdown and HTML. For whoever may read the post, except that the text a "
        "moderator's edit replaced is for the author and moderators only (those revisions "
        "come `withheld`, their text empty); the history of a "
        "pending, hidden, removed or deleted post is its author's and its moderators' "
        "only (`404` to others).",
        "response": {
            "200": _page(
                [
                    {
                        "number": 1,
                        "editor": _READER,
                        "title": "",
                        "reason": "",
                        "body": "Which **source** says so?",
                        "body_html": "<p>Which <strong>source</strong> says so?</p>\n",
                        "body_source": "Which **source** says so?",
                        "withheld": False,
                        "created_at": _T,
                    }
                ]
            )
        },
    },
    "v1_posts_diff_retrieve": {
        "description": "The difference between two revisions' Markdown, as a unified diff "
        "and as line operations; by default the latest revision against the one before. "
        "For whoever may read the post (its author and moderators only while it is not "
        "visible).",
        "response": {
            "200": {
                "post_id": 4,
                "old": 1,
                "new": 2,
                "old_title": "",
                "new_title": "",
                "unified": "--- revision 1\n+++ revision 2\n@@ -1 +1 @@\n"
                "-Which **source** says so?\n+Which **source** says so? The Reuters report?",
                "changes": [
                    {
                        "op": "replace",
                        "old_start": 1,
                        "old_lines": ["Which **source** says so?"],
                        "new_start": 1,
                        "new_lines": ["Which **source** says so? The Reuters report?"],
                    }
                ],
            }
        },
    },
    "v1_posts_reports_create": {
        "description": "Reports the post, or one paragraph of it (`paragraph`: its index, "
        "counted from 0 as evidence spans count paragraphs; people are shown it counted "
        "from 1, the member reporting and the moderator alike; a paragraph the post does "
        "not have, or one without text, is a `400`), to the moderators of its category. One open "
        "report per member per post, 20 an hour; reports from three members at trust "
        "level 1 or more hide the post until a moderator decides.",
        "request": {"reason": "off_topic", "paragraph": 2, "message": ""},
        "response": {"201": _REPORT},
    },
    "v1_posts_appeal_create": {
        "description": "The author's one appeal against the removal of their post (not "
        "of a post they deleted). It joins the post's review item in the moderators' "
        "queue; the author hears the outcome.",
        "request": {"message": "The link is to the original report, not an advert."},
        "response": {
            "201": {
                "id": 2,
                "post_id": 4,
                "sanction_id": None,
                "message": "The link is to the original report, not an advert.",
                "created_at": _T,
                "status": "queued",
            }
        },
    },
    "v1_sanctions_appeal_create": {
        "description": "The sanctioned member's one appeal against a sanction on them, "
        "while it is in force: it goes to the moderators who may lift it, and the "
        "member hears the outcome. The notification and e-mail of the sanction link to "
        "it; a suspended or banned member, who cannot sign in, appeals through that link.",
        "request": {"message": "I quoted the spam to point it out, not to spread it."},
        "response": {
            "201": {
                "id": 3,
                "post_id": None,
                "sanction_id": 1,
                "message": "I quoted the spam to point it out, not to spread it.",
                "created_at": _T,
                "status": "queued",
            }
        },
    },
    "v1_search_retrieve": {
        "description": "Full-text search over thread titles and post bodies the caller "
        'may read, best matches first (on PostgreSQL, ranked; `"a phrase"`, `or` and '
        "`-word` work). Each hit has a snippet of the rendered text with matches in "
        "`<mark>`, never Markdown or quote markup. Narrow with `category` (a slug), "
        "`author` (a username), `created_after` and `created_before` (ISO 8601), and "
        "`type=threads` (threads only, as their opening posts) or `type=posts` (every "
        "post, the default). Pages like every list; the cursor is tied to the words and "
        "filters searched.",
        "response": {
            "200": _page(
                [
                    {
                        "post_id": 1,
                        "thread_id": 1,
                        "thread_title": "Satellite images of DPRK troops in Russia",
                        "title_html": "<mark>Satellite</mark> images of DPRK troops in Russia",
                        "is_opening_post": True,
                        "author": _ANALYST,
                        "created_at": _T,
                        "rank": 0.61,
                        "snippet_html": "… a question about “<mark>satellite</mark> images "
                        "that suggest North Korean troops …",
                        "author_muted": False,
                    }
                ]
            )
        },
    },
    "v1_users_retrieve": {
        "description": "A member's public profile: never their e-mail; `post_count` "
        "counts what anyone may read.",
        "response": {
            "200": {
                "username": "analyst",
                "display_name": "Ana Lyst",
                "bio": "Open-source intelligence, mostly maps.",
                "joined": _T,
                "role": "member",
                "post_count": 3,
                "thread_count": 1,
                "reply_count": 2,
                "reactions_received": {"insightful": 4, "agree": 2, "disagree": 0, "sources": 1},
                "trust_level": 2,
            }
        },
    },
    "v1_users_posts_list": {
        "description": "The member's threads (their opening posts, `kind=threads`) and "
        "replies (`kind=replies`), or both, the newest first, each with its thread and an "
        "excerpt of its rendered text. Only what the caller may read: their pending, "
        "hidden and removed posts are listed to the member themselves and to moderators "
        "of the category, never to others, nor is anything in a thread the caller may "
        "not see.",
        "response": {
            "200": _page(
                [
                    {
                        "id": 4,
                        "thread": {"id": 1, "title": _THREAD["title"], "slug": _THREAD["slug"]},
                        "is_opening_post": False,
                        "excerpt": "Which source says so?",
                        "state": "visible",
                        "created_at": _T,
                        "reactions": _POST["reactions"],
                    }
                ]
            )
        },
    },
    "v1_bookmarks_list": {
        "description": "Your bookmarks of posts and threads, the newest first, each with "
        "your note, the thread's title, an excerpt of the post and its link. A bookmark "
        "of something you may no longer read (hidden, removed, deleted, or in a thread "
        "taken down) stays listed with `available: false`, your note and nothing of what "
        "it named; it comes back whole if the content does.",
        "response": {"200": _page([_BOOKMARK, _BOOKMARK_GONE])},
    },
    "v1_posts_bookmark_update": {
        "description": "Saves the post to your bookmarks with an optional note (plain "
        "text, one line, up to 300 characters): `201` when new, `200` when you had "
        "bookmarked it already (the note is replaced). Any member who may read the post "
        "may bookmark it, a silenced one too; a post you may not read is a `404`.",
        "request": {"note": _BOOKMARK["note"]},
        "response": {"201": _BOOKMARK, "200": _BOOKMARK},
    },
    "v1_posts_bookmark_destroy": {
        "description": "Takes the post out of your bookmarks; one you had not bookmarked "
        "changes nothing. Works whatever became of the post; without a bookmark of it, a "
        "post you may not read is a `404`.",
    },
    "v1_threads_bookmark_update": {
        "description": "Saves the whole thread to your bookmarks with an optional note: "
        "`201` when new, `200` when you had bookmarked it already (the note is "
        "replaced). A thread you may not see is a `404`.",
        "request": {"note": "Come back when the imagery is updated"},
        "response": {"201": _THREAD_BOOKMARK, "200": _THREAD_BOOKMARK},
    },
    "v1_threads_bookmark_destroy": {
        "description": "Takes the thread out of your bookmarks; one you had not "
        "bookmarked changes nothing. Without a bookmark of it, a thread you may not see "
        "is a `404`.",
    },
    "v1_me_retrieve": {
        "description": "Your own account, with your e-mail and settings.",
        "response": {
            "200": {
                "id": 2,
                "username": "reader",
                "display_name": "",
                "bio": "",
                "email": "reader@example.org",
                "date_joined": _T,
                "role": "member",
                "trust_level": 1,
                "email_frequency": "daily",
                "auto_watch_threads": True,
            }
        },
    },
    "v1_me_partial_update": {
        "description": "Changes your display name, bio, e-mail frequency or whether you "
        "watch threads you take part in. A display name may not pass for another member "
        "or a reserved name. Refused while you are silenced.",
        "request": {"display_name": "A. Reader", "email_frequency": "weekly"},
        "response": {
            "200": {
                "id": 2,
                "username": "reader",
                "display_name": "A. Reader",
                "bio": "",
                "email": "reader@example.org",
                "date_joined": _T,
                "role": "member",
                "trust_level": 1,
                "email_frequency": "weekly",
                "auto_watch_threads": True,
            }
        },
    },
    "v1_me_tokens_list": {
        "description": "Your API tokens, newest first, with when each was last used and "
        "when it expires; never the tokens themselves.",
        "response": {"200": _page([_TOKEN])},
    },
    "v1_me_tokens_create": {
        "description": "Creates a personal API token. The response carries it in `token`, "
        "this once only: store it. A read-only token cannot write; `expires_in_days` "
        "(30, 90 or 365) makes it expire. At most 20 per member.",
        "request": {"name": "laptop", "read_only": False, "expires_in_days": 90},
        "response": {
            "201": {**_TOKEN, "token": "parley_ouwh5MzRoGZGQ1H-1u7LCPmgIkJjdJFtIhY9qQHYkDY"}
        },
    },
    "v1_me_tokens_destroy": {
        "description": "Revokes one of your tokens at once; requests with it are `401`s.",
    },
    "v1_drafts_list": {
        "description": "Your drafts, the latest saved first: replies (one per thread) and "
        "the one new thread. A reply's draft for a thread you can no longer see is left "
        "out. Nobody else can read your drafts.",
        "response": {"200": _page([_DRAFT, _NEW_THREAD_DRAFT])},
    },
    "v1_drafts_thread_retrieve": {
        "description": "Your draft of a reply in the thread, with the post it answers "
        "(`parent_id`, null for the thread itself); a `404` when none is kept.",
        "response": {"200": _DRAFT},
    },
    "v1_drafts_thread_update": {
        "description": "Keeps what you have written of a reply in the thread, replacing "
        "the copy kept before; saving the same text again changes nothing. The body may "
        "be as long as a post (`too_long` past it) and may not be empty (`empty_draft`: "
        "DELETE the draft instead). Send back the `updated_at` you last got, and a copy "
        "saved since from another device is not overwritten: the answer is a `409` "
        "`draft_changed`, and a GET shows the newer copy; a copy posted or discarded "
        "since is not brought back: a `409` `draft_gone`. Only a save without "
        "`updated_at` starts a draft. A `parent_id` that is no post of the thread you "
        "may see is a `400` `bad_parent`, whatever else the body gets wrong. Posting the "
        "reply deletes the draft. A silenced member may keep drafts, though not post them.",
        "request": {"body": _DRAFT["body"], "parent_id": 4, "updated_at": _T},
        "response": {"200": _DRAFT},
    },
    "v1_drafts_thread_destroy": {
        "description": "Discards your draft of a reply in the thread; discarding none "
        "changes nothing.",
    },
    "v1_drafts_new_thread_retrieve": {
        "description": "Your draft of a new thread: its category (if chosen), title and "
        "body; a `404` when none is kept. There is one, whichever category it is for.",
        "response": {"200": _NEW_THREAD_DRAFT},
    },
    "v1_drafts_new_thread_update": {
        "description": "Keeps what you have written of a new thread, as the reply's draft "
        "is kept: a title or a body is needed, each within a post's limits, `category` is "
        "a category's slug (`bad_category` for none), and `updated_at` guards against "
        "overwriting a newer copy (`409` `draft_changed`) and bringing back one posted or "
        "discarded elsewhere (`409` `draft_gone`). Starting the thread deletes it.",
        "request": {
            "title": _NEW_THREAD_DRAFT["title"],
            "body": _NEW_THREAD_DRAFT["body"],
            "category": "analysis",
        },
        "response": {"200": _NEW_THREAD_DRAFT},
    },
    "v1_drafts_new_thread_destroy": {
        "description": "Discards your draft of a new thread; discarding none changes nothing.",
    },
    "v1_me_mutes_list": {
        "description": "Members you muted, latest first: nothing they cause reaches you, "
        "and their posts carry `author_muted: true` for you, for a client to show folded.",
        "response": {"200": _page([{"username": "analyst"}])},
    },
    "v1_me_mutes_update": {
        "description": "Mutes a member: no notification of anything they do reaches you, "
        "and every post of theirs you read (a thread's posts, a post, search results) "
        "carries `author_muted: true`, with its content all there for you to fold.",
        "response": {"200": {"username": "analyst"}},
    },
    "v1_me_mutes_destroy": {
        "description": "Unmutes a member: what they do reaches you again from now on."
    },
    "v1_notifications_list": {
        "description": "Your notifications, most recently updated first. Replies and new "
        "posts in one thread collapse into one notification with a `count` until read. "
        "A notification about a post you can no longer see is left out, except the "
        "outcomes of moderation on your own posts, reports and account: each says which "
        "post, what happened (`outcome`) and why. A post's newest outcome replaces an "
        "unread one before it: a reply held by an automatic check and then approved is "
        "one notification, `approved`. `excerpt` quotes the post's rendered text when "
        "you may read it.",
        "response": {
            "200": _page(
                [
                    {
                        "id": 9,
                        "kind": "reply",
                        "outcome": "",
                        "text": "reader replied to you in “Satellite images of DPRK troops "
                        "in Russia”",
                        "excerpt": "Which source says so?",
                        "url": "/p/4/",
                        "actor": "reader",
                        "thread_id": 1,
                        "post_id": 4,
                        "count": 1,
                        "created_at": _T,
                        "updated_at": _T,
                        "read_at": None,
                    }
                ]
            )
        },
    },
    "v1_notifications_unread_count_retrieve": {
        "description": "How many of your notifications are unread: cheap to poll.",
        "response": {"200": {"unread": 1}},
    },
    "v1_notifications_read_create": {
        "description": "Marks the notifications with these `ids` read, or all of them "
        "with an empty body.",
        "request": {"ids": [9]},
        "response": {"200": {"marked": 1, "unread": 0}},
    },
    "v1_webhooks_list": {
        "description": "Your webhooks, newest first, without their secrets.",
        "response": {"200": _page([_WEBHOOK])},
    },
    "v1_webhooks_create": {
        "description": "Registers an endpoint for the events listed. The response carries "
        "the signing `secret`, this once only. The URL is `http://` or `https://` (use "
        "https) on a public address. See the guide for the payload, the signature and "
        "retries.",
        "request": {
            "url": "https://hooks.example.org/parley",
            "events": ["post.created", "thread.created"],
        },
        "response": {"201": {**_WEBHOOK, "secret": "pc18Yxr-ek-D_jnkOLUI0VCfh7PW5Y6VORMHQkzgIKc"}},
    },
    "v1_webhooks_retrieve": {
        "description": "One of your webhooks: whether it is active, and why not.",
        "response": {"200": _WEBHOOK},
    },
    "v1_webhooks_destroy": {
        "description": "Deletes the webhook; no delivery is attempted after this.",
    },
    "v1_webhooks_deliveries_list": {
        "description": "The webhook's deliveries, newest first: the payload sent, attempts, "
        "the last status code or error, and when it is tried next.",
        "response": {"200": _page([_DELIVERY])},
    },
    "v1_images_create": {
        "description": "Uploads an image to show in posts, as multipart/form-data with the "
        "file in `file` (PNG, JPEG, WebP or a still GIF; see the limits in the guide). The "
        "forum checks the type by content, re-encodes it without its metadata and answers "
        "with the Markdown to put in a post's body; the same image uploaded again answers "
        "with the same record.",
        "request": {"file": "(the image's bytes)", "alt": "rainfall 2024"},
        "response": {"201": _IMAGE},
    },
    "v1_images_retrieve": {
        "description": "Reads back an image you uploaded (moderators may read any): its "
        "URL, its size in pixels, its alt text and the Markdown that shows it in a post.",
        "response": {"200": _IMAGE},
    },
    "v1_webhooks_ping_create": {
        "description": "Sends a `ping` delivery to the webhook now, to test the endpoint "
        "and its signature check (one per 10 seconds). Answers with the delivery, queued.",
        "response": {
            "202": {
                **_DELIVERY,
                "id": 32,
                "event": "ping",
                "event_id": "ping:32",
                "payload": {
                    "delivery_id": 32,
                    "event": "ping",
                    "event_id": "ping:32",
                    "created_at": _T,
                    "data": {"webhook_id": 1},
                },
                "status": "pending",
                "attempts": 0,
                "last_status_code": None,
                "next_attempt_at": _T,
                "delivered_at": None,
            }
        },
    },
    "v1_moderation_queue_list": {
        "description": "Pending review items in your categories, oldest first: posts held "
        "by a rule or pre-moderation, reported past the threshold, or appealed. "
        "`reason` filters by why they are queued.",
        "response": {"200": _page([_ITEM])},
    },
    "v1_moderation_queue_retrieve": {
        "description": "A review item with the post as readers would see it, the rules' "
        "verdicts with their evidence, and the reports.",
        "response": {
            "200": {
                **_ITEM,
                "body_html": "<p>Buy cheap pills at …</p>\n",
                "verdicts": [],
                "reports": [],
            }
        },
    },
    "v1_moderation_queue_claim_create": {
        "description": "Claims the item for 15 minutes, so that two moderators never "
        "decide the same post; another moderator's live claim is a `409`.",
        "response": {"200": {**_ITEM, "claimed_by": "moderator", "claimed_at": _T}},
    },
    "v1_moderation_queue_decide_create": {
        "description": "Approves the post (it becomes visible) or rejects it (it is "
        "removed), with a reason the author sees. Logged; the author and any reporters "
        "hear the outcome.",
        "request": {"decision": "reject", "reason": "Advertising."},
        "response": {"200": {**_ITEM, "state": "rejected", "claimed_by": "moderator"}},
    },
    "v1_moderation_actions_list": {
        "description": "The actions moderators can take, what each acts on, whether it "
        "needs a reason and which parameters it takes: a short catalogue, always one page.",
        "response": {
            "200": _page(
                [
                    {
                        "action": "hide",
                        "label": "Hide",
                        "target": "post",
                        "reason_required": True,
                        "params": [],
                    }
                ]
            )
        },
    },
    "v1_moderation_actions_create": {
        "description": "Takes a moderator action on a post, thread or member: approve, "
        "hide, remove, restore, edit, lock, pin, move, merge, split, take a thread down, "
        "silence, suspend or ban. Asking for the state something is already in changes "
        "nothing (`changed` is false). Logged.",
        "request": {"action": "hide", "target_id": 4, "reason": "Off topic", "params": {}},
        "response": {"200": _ACTION_RESULT},
    },
    "v1_moderation_reports_list": {
        "description": "Reports in your categories, newest first; open ones by default.",
        "response": {"200": _page([_REPORT])},
    },
    "v1_moderation_sanctions_list": {
        "description": "Sanctions, most recently started first: for moderators of the "
        "whole forum (a category moderator's list is empty).",
        "response": {
            "200": _page(
                [
                    {
                        "id": 1,
                        "user": "reader",
                        "kind": "silence",
                        "reason": "Cooling off",
                        "starts_at": _T,
                        "ends_at": "2027-01-01T00:00:00Z",
                        "lifted_at": None,
                    }
                ]
            )
        },
    },
    "v1_moderation_sanctions_lift_create": {
        "description": "Lifts a sanction now, if you may impose it (administrators only "
        "for a moderator's, and nobody their own). Logged.",
        "response": {
            "200": {"action": "lift_sanction", "changed": True, "message": "Sanction lifted."}
        },
    },
    "v1_moderation_log_list": {
        "description": "The moderation log, newest first: every automatic and human "
        "decision, append-only. Filter by `actor`, `action`, `target_type` and "
        "`target_id`.",
        "response": {
            "200": _page(
                [
                    {
                        "id": 4,
                        "actor": "moderator",
                        "action": "hide",
                        "target_type": "post",
                        "target_id": 4,
                        "target_label": "post 4",
                        "reason": "Off topic",
                        "rule_id": None,
                        "rule_version": None,
                        "details": {},
                        "created_at": _T,
                    }
                ]
            )
        },
    },
}


def _tag(path: str) -> str:
    segment = path.removeprefix("/api/v1/").split("/", 1)[0]
    return _TAG_OF_SEGMENT.get(segment, segment)


def _example(value) -> dict:
    return {"default": {"value": value}}


def document_operations(result, generator, request, public):
    """Puts each operation's description, examples and tag into the schema."""
    result["tags"] = TAGS
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            operation["tags"] = [_tag(path)]
            documented = OPERATIONS.get(operation["operationId"])
            if documented is None:
                continue
            operation["description"] = documented["description"]
            if "request" in documented:
                for medium in operation.get("requestBody", {}).get("content", {}).values():
                    medium["examples"] = _example(documented["request"])
            for status, example in documented.get("response", {}).items():
                content = operation["responses"].get(status, {}).get("content", {})
                for medium in content.values():
                    medium["examples"] = _example(example)
    return result
