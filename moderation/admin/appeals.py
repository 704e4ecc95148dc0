"""Appeals against sanctions: the moderators who may lift a sanction see its appeal here
and lift the sanction or uphold it (moderation.services, so the decision is checked by
forum.core.permissions and logged). Appeals against a post's removal are decided in the
review queue, with the post."""

from django.contrib import admin, messages
from django.db.models import F

from forum.core.errors import ForumError
from moderation import selectors, services
from moderation.admin.base import ForumRecordsAccess, ReadOnlyAdmin
from moderation.models import SanctionAppeal


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return (("1", "Waiting for a decision"), ("0", "Decided"))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(decided_at__isnull=self.value() == "1")
        return queryset


@admin.register(SanctionAppeal)
class SanctionAppealAdmin(ForumRecordsAccess, ReadOnlyAdmin):
    list_display = ("author", "sanction", "message", "created_at", "outcome", "decided_by")
    list_filter = (OpenFilter, "outcome")
    search_fields = ("author__username", "message")
    ordering = (F("decided_at").asc(nulls_first=True), "-created_at")
    actions = ("lift_sanctions", "uphold_sanctions")

    def get_queryset(self, request):
        return selectors.sanction_appeals(user=request.user)

    @admin.action(description="Grant the selected appeals: lift their sanctions")
    def lift_sanctions(self, request, queryset) -> None:
        self._decide(request, queryset, lift=True)

    @admin.action(description="Turn down the selected appeals: uphold their sanctions")
    def uphold_sanctions(self, request, queryset) -> None:
        self._decide(request, queryset, lift=False)

    def _decide(self, request, queryset, *, lift: bool) -> None:
        decided = 0
        for appeal in queryset.select_related("sanction__user"):
            try:
                decided += services.sanction_appeal_decide(
                    actor=request.user, appeal=appeal, lift=lift
                )
            except ForumError as exc:
                self.message_user(request, f"{appeal}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{decided} appeal(s) decided.", messages.SUCCESS)
