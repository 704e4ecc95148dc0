"""Bookmarks through the API: save a post or a thread with a note (PUT, which creates or
changes the note), take it back (DELETE), and list your bookmarks, the newest first. A
bookmark of something you may no longer read is listed as unavailable, with your note
and nothing of what it named (see forum.threads.bookmarks)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core import permissions
from forum.core.api import StrictSerializer, TextField
from forum.core.pagination import cursor_pagination
from forum.threads import bookmarks
from forum.threads.models import Bookmark


class BookmarkNoteSerializer(StrictSerializer):
    note = TextField(
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        default="",
        documented_length=(0, Bookmark.NOTE_MAX_LENGTH),
        help_text="Your note, plain text on one line; empty for none.",
    )


class BookmarkSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="bookmark.pk")
    kind = serializers.ChoiceField(
        choices=["post", "thread"], help_text="Whether a post or a whole thread is saved."
    )
    target_id = serializers.IntegerField(help_text="The id of the post or thread saved.")
    note = serializers.CharField()
    available = serializers.BooleanField(
        help_text="False when you may no longer read what was saved (hidden, removed, "
        "deleted): then `title`, `excerpt` and `url` are empty."
    )
    title = serializers.CharField(help_text="The thread's title.")
    excerpt = serializers.CharField(
        help_text="The opening words of the post (a thread's opening post), as plain text."
    )
    url = serializers.CharField(help_text="Where the web UI shows it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="When the note last changed.")

    def to_representation(self, instance):
        if isinstance(instance, Bookmark):
            instance = bookmarks.bookmark_entry(user=self.context["user"], bookmark=instance)
        return super().to_representation(instance)


class BookmarkListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BookmarkSerializer
    pagination_class = cursor_pagination(
        "-created_at", "-pk", page_size=30, name="BookmarkPagination"
    )

    def get_queryset(self):
        return bookmarks.bookmark_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    @extend_schema(summary="Your bookmarks, the newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


def _save(request: Request, **target) -> Response:
    incoming = BookmarkNoteSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    bookmark, created = bookmarks.bookmark_save(
        user=request.user, note=incoming.validated_data["note"], **target
    )
    entry = bookmarks.bookmark_entry(
        user=request.user, bookmark=bookmarks.bookmark_list(user=request.user).get(pk=bookmark.pk)
    )
    return Response(BookmarkSerializer(entry).data, status=201 if created else 200)


def _remove(request: Request, **target) -> Response:
    bookmarks.bookmark_remove(user=request.user, **target)
    return Response(status=204)


_SAVED = {200: BookmarkSerializer, 201: BookmarkSerializer}


class PostBookmarkView(APIView):
    # Signing in comes first, so that an anonymous caller learns nothing of which ids
    # exist.
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Bookmark a post", request=BookmarkNoteSerializer, responses=_SAVED)
    def put(self, request: Request, pk: int) -> Response:
        post = bookmarks.bookmark_target_post(pk=pk)
        # Before the note is looked at, so that a post the caller may not read is
        # answered as one never made, whatever the body gets wrong.
        permissions.check_can_bookmark(request.user, post)
        return _save(request, post=post)

    @extend_schema(summary="Take a post out of your bookmarks", request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        return _remove(request, post=bookmarks.bookmark_target_post(pk=pk))


class ThreadBookmarkView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Bookmark a thread", request=BookmarkNoteSerializer, responses=_SAVED)
    def put(self, request: Request, pk: int) -> Response:
        thread = bookmarks.bookmark_target_thread(pk=pk)
        permissions.check_can_bookmark_thread(request.user, thread)
        return _save(request, thread=thread)

    @extend_schema(
        summary="Take a thread out of your bookmarks", request=None, responses={204: None}
    )
    def delete(self, request: Request, pk: int) -> Response:
        return _remove(request, thread=bookmarks.bookmark_target_thread(pk=pk))
