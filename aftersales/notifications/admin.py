"""The outbox (every message, its status and last error; "retry now") and the inboxes,
for administrators. Rows are written by the services only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification, OutboxMessage
from .services import outbox_retry


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly):
    list_display = (
        "id",
        "created_at",
        "channel",
        "status",
        "kind",
        "to",
        "language",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    )
    list_filter = ("status", "channel", "key", "language")
    search_fields = ("=id", "address", "recipient__username", "key", "link_label", "last_error")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_now"]
    fields = (
        "created_at",
        "recipient",
        "address",
        "channel",
        "key",
        "language",
        "preview",
        "params",
        "link_type",
        "link_id",
        "link_label",
        "url",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "sent_at",
    )
    readonly_fields = fields

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.display(description=_("kind"), ordering="key")
    def kind(self, obj):
        return obj.kind_label

    @admin.display(description=_("to"))
    def to(self, obj):
        return obj.address or (obj.recipient.display_name if obj.recipient else "—")

    @admin.display(description=_("last error"))
    def error(self, obj):
        return (obj.last_error or "")[:80]

    @admin.display(description=_("text (in the recipient's language)"))
    def preview(self, obj):
        return obj.rendered

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox_retry(actor=request.user, ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d message will be sent again.", "%(n)d messages will be sent again.", count) % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "recipient", "kind", "link_label", "text", "read_at")
    list_filter = ("key", "read_at")
    search_fields = ("recipient__username", "link_label")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"

    @admin.display(description=_("kind"), ordering="key")
    def kind(self, obj):
        return obj.kind_label
