"""Moderator endpoints under /api/v1/moderation/, and the member's report and appeal
endpoints. Same error body and permission rules as the rest of the API."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.accounts.models import Sanction
from forum.core import permissions
from forum.core.api import (
    PageLinksSerializer,
    StrictSerializer,
    WholeNumberField,
    permission_checked_by,
)
from forum.core.errors import NotFound
from forum.core.pagination import StableCursorPagination, page_response_data
from forum.threads import selectors as thread_selectors
from moderation import actions, selectors, services
from moderation.models import Appeal, ModerationLogEntry, Report, ReviewItem, Verdict

# A refusal names its reason: 401 signed out, 403 with `not_moderator`, or
# `moderator_sanctioned` for a moderator under a sanction.
IsModerator = permission_checked_by(permissions.check_can_moderate)


class Newest(StableCursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50


class OldestFirst(StableCursorPagination):
    ordering = ("created_at", "pk")
    page_size = 50


class VerdictSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name")

    class Meta:
        model = Verdict
        fields = ("id", "rule", "rule_id", "rule_version", "action", "score", "detail", "spans")


class ReportSerializer(serializers.ModelSerializer):
    reporter = serializers.CharField(source="reporter.username")

    class Meta:
        model = Report
        fields = (
            "id",
            "post_id",
            "paragraph",
            "reporter",
            "reason",
            "message",
            "status",
            "created_at",
        )


class ReviewItemSerializer(serializers.ModelSerializer):
    claimed_by = serializers.CharField(source="claimed_by.username", allow_null=True)
    post_author = serializers.CharField(source="post.author.username")
    post_state = serializers.CharField(source="post.state")
    thread_id = serializers.IntegerField(source="post.thread_id")
    report_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReviewItem
        fields = (
            "id",
            "post_id",
            "thread_id",
            "post_author",
            "post_state",
            "state",
            "reasons",
            "severity",
            "claimed_by",
            "claimed_at",
            "report_count",
            "created_at",
        )


class ReviewItemDetailSerializer(ReviewItemSerializer):
    body_html = serializers.CharField(source="post.body_html")
    verdicts = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField()

    class Meta(ReviewItemSerializer.Meta):
        fields = (*ReviewItemSerializer.Meta.fields, "body_html", "verdicts", "reports")

    @extend_schema(responses=VerdictSerializer(many=True))
    def get_verdicts(self, item) -> list:
        verdicts = Verdict.objects.filter(revision_id=item.post.current_revision_id).select_related(
            "rule"
        )
        return VerdictSerializer(verdicts, many=True).data

    @extend_schema(responses=ReportSerializer(many=True))
    def get_reports(self, item) -> list:
        reports = Report.objects.filter(post=item.post).select_related("reporter")
        return ReportSerializer(reports, many=True).data


class DecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ActionSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=sorted(actions.ACTIONS))
    target_id = WholeNumberField(min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text=(
            "The action's own parameters, as `GET` lists them (ids for `category` and"
            " `into`, ISO 8601 for `ends_at`); any other name is refused."
        ),
    )


class ActionResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    changed = serializers.BooleanField()
    message = serializers.CharField()


class SanctionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")

    class Meta:
        model = Sanction
        fields = ("id", "user", "kind", "reason", "starts_at", "ends_at", "lifted_at")


class LogEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True)

    class Meta:
        model = ModerationLogEntry
        fields = (
            "id",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "reason",
            "rule_id",
            "rule_version",
            "details",
            "created_at",
        )


class ReportCreateSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=Report.Reason.values)
    message = serializers.CharField(required=False, allow_blank=True, default="")
    paragraph = WholeNumberField(required=False, allow_null=True, min_value=0)


# Where an appeal stands, from the state of its review item.
APPEAL_STATUSES = {
    ReviewItem.State.PENDING: "queued",
    ReviewItem.State.APPROVED: "upheld",
    ReviewItem.State.REJECTED: "turned_down",
}


class AppealCreateSerializer(StrictSerializer):
    message = serializers.CharField()


# Where an appeal against a sanction stands: an appeal is "upheld" when the member is
# proved right (the sanction is lifted), as for a post.
SANCTION_APPEAL_STATUSES = {
    Appeal.Outcome.LIFTED: "upheld",
    Appeal.Outcome.UPHELD: "turned_down",
}


class AppealSerializer(serializers.ModelSerializer):
    post_id = serializers.IntegerField(read_only=True, allow_null=True)
    sanction_id = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = ("id", "post_id", "sanction_id", "message", "created_at", "status")
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=list(APPEAL_STATUSES.values()),
            help_text="`queued` until a moderator decides; then `upheld` (the post is back,"
            " or the sanction lifted) or `turned_down`.",
        )
    )
    def get_status(self, appeal: Appeal) -> str:
        if appeal.sanction_id is not None:
            return SANCTION_APPEAL_STATUSES.get(appeal.outcome, "queued")
        item = appeal.review_item
        return APPEAL_STATUSES.get(item.state if item else None, "queued")


def _queue_queryset(user):
    """Review items in the categories `user` moderates."""
    return (
        ReviewItem.objects.filter(
            permissions.moderated_q(user, category_field="post__thread__category")
        )
        .select_related("post__author", "claimed_by")
        .annotate(report_count=Count("post__reports"))
    )


class QueueQuerySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=ReviewItem.Reason.choices, required=False, help_text="Only items queued for this."
    )


class ReportQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Report.Status.choices,
        required=False,
        default=Report.Status.OPEN,
        help_text="Only reports in this status (open by default).",
    )


class LogQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, max_length=150, help_text="A username.")
    action = serializers.CharField(required=False, max_length=40)
    target_type = serializers.CharField(required=False, max_length=20)
    target_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def _query(serializer_class, request: Request) -> dict:
    incoming = serializer_class(data=request.query_params)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


class QueueView(generics.ListAPIView):
    """Pending review items, oldest first; `?reason=` filters by why they are queued."""

    permission_classes = [IsModerator]
    serializer_class = ReviewItemSerializer
    pagination_class = OldestFirst

    @extend_schema(parameters=[QueueQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        items = _queue_queryset(self.request.user).filter(state=ReviewItem.State.PENDING)
        reason = _query(QueueQuerySerializer, self.request).get("reason")
        if reason:
            # A text match on the JSON list works on both PostgreSQL and SQLite.
            items = items.filter(reasons__icontains=f'"{reason}"')
        return items


class QueueItemView(generics.RetrieveAPIView):
    """A review item with the post, its verdicts and its reports."""

    permission_classes = [IsModerator]
    serializer_class = ReviewItemDetailSerializer

    def get_queryset(self):
        return _queue_queryset(self.request.user)


class QueueClaimView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(summary="Claim a review item", request=None, responses=ReviewItemSerializer)
    def post(self, request: Request, pk: int) -> Response:
        item = _item(request.user, pk)
        item = services.review_item_claim(moderator=request.user, item=item)
        return Response(ReviewItemSerializer(_queue_queryset(request.user).get(pk=item.pk)).data)


class QueueDecideView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        summary="Approve or reject a review item",
        request=DecisionSerializer,
        responses=ReviewItemSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        incoming = DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        item = actions.review_item_decide(
            moderator=request.user,
            item=_item(request.user, pk),
            approve=incoming.validated_data["decision"] == "approve",
            reason=incoming.validated_data["reason"],
        )
        return Response(ReviewItemSerializer(_queue_queryset(request.user).get(pk=item.pk)).data)


def _item(user, pk: int) -> ReviewItem:
    """The review item, if it is in a category `user` moderates (a 404 otherwise)."""
    item = (
        ReviewItem.objects.filter(
            permissions.moderated_q(user, category_field="post__thread__category"), pk=pk
        )
        .select_related("post__thread")
        .first()
    )
    if item is None:
        raise NotFound("No such review item.")
    return item


class ActionInfoSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    reason_required = serializers.BooleanField()
    params = serializers.ListField(
        child=serializers.CharField(), help_text="The parameters the action takes."
    )


class ActionCatalogueSerializer(PageLinksSerializer):
    results = ActionInfoSerializer(many=True)


class ActionView(APIView):
    """Run one moderator action from the registry (`GET` lists them)."""

    permission_classes = [IsModerator]

    @extend_schema(
        summary="List moderator actions",
        operation_id="v1_moderation_actions_list",
        responses=ActionCatalogueSerializer,
    )
    def get(self, request: Request) -> Response:
        # A short, fixed catalogue: one page, in the shape of every list.
        catalogue = [
            {
                "action": a.name,
                "label": a.label,
                "target": a.target,
                "reason_required": a.reason_required,
                "params": list(actions.action_parameters(a)),
            }
            for a in actions.ACTIONS.values()
        ]
        return Response(page_response_data(next_link=None, previous_link=None, results=catalogue))

    @extend_schema(
        summary="Run a moderator action", request=ActionSerializer, responses=ActionResultSerializer
    )
    def post(self, request: Request) -> Response:
        incoming = ActionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        action = actions.ACTIONS[data["action"]]
        target = actions.target_lookup(action.target, data["target_id"], actor=request.user)
        params = actions.resolve_params(data["action"], data["params"], actor=request.user)
        result = actions.perform(
            data["action"], actor=request.user, target=target, reason=data["reason"], **params
        )
        return Response(ActionResultSerializer(result).data)


class ReportListView(generics.ListAPIView):
    """Reports, newest first; `?status=` filters (open by default)."""

    permission_classes = [IsModerator]
    serializer_class = ReportSerializer
    pagination_class = Newest

    @extend_schema(parameters=[ReportQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status = _query(ReportQuerySerializer, self.request)["status"]
        return selectors.reports(user=self.request.user).filter(status=status)


class NewestStart(StableCursorPagination):
    ordering = ("-starts_at", "-pk")
    page_size = 50


class SanctionListView(generics.ListAPIView):
    """Sanctions, most recently started first. For moderators of the whole forum: a
    category moderator's list is empty."""

    permission_classes = [IsModerator]
    serializer_class = SanctionSerializer
    pagination_class = NewestStart

    def get_queryset(self):
        return selectors.sanctions(user=self.request.user)


class SanctionLiftView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(summary="Lift a sanction", request=None, responses=ActionResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sanction = Sanction.objects.select_related("user").filter(pk=pk).first()
        if sanction is None:
            raise NotFound("No such sanction.")
        lifted = services.sanction_lift(actor=request.user, sanction=sanction)
        message = "Sanction lifted." if lifted else "That sanction had already ended."
        return Response({"action": "lift_sanction", "changed": lifted, "message": message})


class LogView(generics.ListAPIView):
    """The moderation log, newest first; filter by `actor`, `action`, `target_type`,
    `target_id`."""

    permission_classes = [IsModerator]
    serializer_class = LogEntrySerializer
    pagination_class = Newest

    @extend_schema(parameters=[LogQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        entries = selectors.log_entries(user=self.request.user)
        query = _query(LogQuerySerializer, self.request)
        if query.get("actor"):
            entries = entries.filter(actor__username=query["actor"])
        for name in ("action", "target_type", "target_id"):
            if name in query:
                entries = entries.filter(**{name: query[name]})
        return entries


class PostReportView(APIView):
    """Report a post, or one paragraph of it."""

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incoming = ReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        post = thread_selectors.post_get(user=request.user, pk=pk)
        report = services.report_file(reporter=request.user, post=post, **incoming.validated_data)
        return Response(ReportSerializer(report).data, status=201)


class _AppealFileView(APIView):
    """Files the caller's one appeal against what `pk` names (`file_appeal`)."""

    def file_appeal(self, request: Request, pk: int, *, message: str) -> Appeal:
        raise NotImplementedError

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incoming = AppealCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        appeal = self.file_appeal(request, pk, message=incoming.validated_data["message"])
        return Response(AppealSerializer(appeal).data, status=201)


class PostAppealView(_AppealFileView):
    """The author's one appeal against the removal of their post."""

    def file_appeal(self, request: Request, pk: int, *, message: str) -> Appeal:
        post = thread_selectors.post_for_author(user=request.user, pk=pk)
        return services.appeal_file(author=request.user, post=post, message=message)


class SanctionAppealView(_AppealFileView):
    """The member's one appeal against a sanction on them, while it is in force."""

    def file_appeal(self, request: Request, pk: int, *, message: str) -> Appeal:
        sanction = selectors.sanction_of_member(user=request.user, pk=pk)
        return services.sanction_appeal_file(
            author=request.user, sanction=sanction, message=message
        )
