"""Moderation screens in the admin panel, one module per area: rules, the review queue,
the dashboard, the log and the records behind decisions, and members. Every change goes
through the services and the action registry, so it is checked by
`forum.core.permissions`, validated and logged.

Moderators (by role) see these screens and nothing else; administrators see everything.
A moderator scoped to some categories sees and decides only what belongs to those
categories; site-wide decisions and records (rules, sanctions, decisions on members) are
for moderators of the whole forum.
"""

from django.contrib import admin

from moderation.admin import appeals, dashboard, images, log, members, queue, rules

__all__ = ["appeals", "dashboard", "images", "log", "members", "queue", "rules"]

# The moderators' home: the review queue first, then the screens they may open.
admin.site.index_template = "admin/moderation/index.html"
