"""Drafts kept on the server: what a member is writing, for them alone, until they post
it or discard it."""
