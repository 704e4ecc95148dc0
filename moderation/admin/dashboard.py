"""The moderation dashboard in the admin panel: the queue, decisions, reports and rules of
the last thirty days, for the categories the moderator moderates."""

from django.template.response import TemplateResponse

from forum.core import permissions
from moderation import selectors
from moderation.admin.base import scope_names
from moderation.dashboard import decisions_chart_svg


def dashboard_view(model_admin):
    """The view, served under the review queue's admin (`model_admin`)."""

    def view(request):
        figures = selectors.moderation_dashboard(
            category_ids=permissions.moderated_category_ids(request.user)
        )
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": "Moderation dashboard",
            "figures": figures,
            "chart_svg": decisions_chart_svg(figures),
            "median_wait": _duration_words(figures.median_decision_seconds),
            "per_day": [
                (day, counts, sum(counts.values()), figures.reports_by_day.get(day, 0))
                for day, counts in reversed(figures.decisions_per_day())
            ],
            "actions": list(figures.decisions_by_action),
            "scope_names": scope_names(request.user),
        }
        return TemplateResponse(request, "admin/moderation/dashboard.html", context)

    return view


def _duration_words(seconds: float | None) -> str:
    if seconds is None:
        return "no decisions yet"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
