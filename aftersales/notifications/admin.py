from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "verb", "request", "text", "read_at", "emailed_at")
    list_filter = ("verb", "read_at")
    search_fields = ("text", "recipient__username", "request__number")
    list_select_related = ("recipient", "request")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
