"""Admin: read-only views of training (courses, sessions and certifications change through the
training pages and the API, audited)."""

from django.contrib import admin

from .models import Certification, Course


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(ReadOnly):
    list_display = ("title", "kind", "recurrence_months", "certifies_service_type", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Certification)
class CertificationAdmin(ReadOnly):
    list_display = ("person", "service_type", "category", "granted_on", "expires_on")
    list_filter = ("service_type",)
