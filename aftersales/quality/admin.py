"""Admin: cases are read-only here (they change through the case pages and the API)."""

from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "lessons")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
