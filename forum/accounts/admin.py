from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from forum.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "trust_level", "post_count", "date_joined")
    list_filter = ("role", "trust_level", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Forum",
            {
                "fields": (
                    "display_name",
                    "bio",
                    "role",
                    "trust_level",
                    "trust_level_locked",
                    "post_count",
                    "last_posted_at",
                )
            },
        ),
    )
    readonly_fields = ("post_count", "last_posted_at")
