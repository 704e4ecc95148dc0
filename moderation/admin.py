from django.contrib import admin

from moderation.models import Sanction


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "reason", "starts_at", "ends_at", "lifted_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "created_by")
